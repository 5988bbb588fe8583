/**
 * Request generation from parameter schemas (fast-check), and the oracle that says, from the spec alone, what a
 * generated request deserves.
 *
 * A case is a raw request: path values and query pairs exactly as they go on the wire. Valid cases draw every
 * parameter from its schema (boundaries: min/max, each enum value, shortest and longest strings, real ids found
 * by listing, real cursors and ETags fetched just before). Invalid cases take a valid request and mutate one
 * parameter (wrong type, out of range, bad pattern, too long/short, empty, control characters, unicode,
 * percent-encoding tricks, duplicated) or add an unknown one. The oracle does not trust the generator's intent:
 * it decodes the raw request as any server must (RFC 3986 path, WHATWG form-urlencoded query) and validates each
 * value against its schema, so a "mutation" that happens to stay valid is expected to succeed.
 */
import fc from 'fast-check';
import { asSchemaValue, schemaErrors } from './check.js';
import type { Binding } from './discover.js';
import { enc } from './http.js';
import { maxTargetLength, type Operation, type Parameter, type Schema } from './spec.js';

/** `real` values are fetched at run time from a first page with the same parameters. */
export type Dynamic = 'real-cursor' | 'real-etag';

export interface Case {
  kind: 'valid' | 'invalid';
  /** What was done, for the report: `valid`, `limit:out-of-range`, `unknown-param`… */
  label: string;
  binding: number;
  /** Path parameter → raw (already encoded) segment. */
  path: Record<string, string>;
  /** Raw `name=value` pairs in order (duplicates allowed). */
  query: [string, string][];
  headers: Record<string, string>;
  dynamic: { param: string; kind: Dynamic }[];
}

export type Verdict =
  | { kind: 'valid' }
  /** The request breaks these parameters (name, location): a 400 must name each. */
  | { kind: 'invalid'; params: { name: string; in: string }[] }
  /**
   * A non-canonical number (`05`, `+5`, `1e1`), or a made-up value of an opaque parameter (a cursor the server
   * never issued): accepting it, or refusing it with a 400 that names the parameter, are both fine.
   */
  | { kind: 'either'; params: { name: string; in: string }[] };

const CONTROL = [...Array(32).keys()].slice(1).map((c) => String.fromCharCode(c)).concat('\x7f');
/** Characters that look like ASCII, change width or direction, or combine: what breaks naive validation. */
const UNICODE_TRICKS = ['\u043e', '\u0430', '\uff11', '\uff10', '\u202e', '\u200b', '\u200d', '\u0301', '\ufeff', '😀', '\u{10ffff}', 'ß', 'İ', '\u2028'];
const UNKNOWN_NAMES = ['foo', 'LIMIT', 'Limit', 'limit ', '_', 'cursor[]', 'q.x', 'tenantId', 'callback', 'x-api-key', '__proto__', 'constructor'];

const canonicalInt = (s: string) => /^-?(0|[1-9]\d*)$/.test(s);

function intBounds(schema: Schema): { min: number; max: number } {
  return { min: schema.minimum ?? -(2 ** 31), max: schema.maximum ?? 2 ** 31 - 1 };
}

function maxLen(schema: Schema): number {
  return Math.min(schema.maxLength ?? 200, 600);
}

/** `bytes=0-99`, `bytes=500-`, `bytes=-20`, and sets of them, small and past any file's end. */
function byteRanges(): fc.Arbitrary<string> {
  const n = fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 10_000_000 }));
  const one = fc.oneof(
    fc.tuple(n, fc.nat({ max: 5000 })).map(([a, len]) => `${a}-${a + len}`),
    n.map((a) => `${a}-`),
    fc.integer({ min: 1, max: 5000 }).map((k) => `-${k}`),
  );
  return fc.array(one, { minLength: 1, maxLength: 3 }).map((rs) => `bytes=${rs.join(',')}`);
}

/** A schema-valid value (decoded) for a parameter. */
export function validValue(p: Parameter, realValues: string[] = []): fc.Arbitrary<string> {
  const s = p.schema;
  const options: fc.Arbitrary<string>[] = realValues.length ? [fc.constantFrom(...realValues)] : [];
  if (Array.isArray(s.enum)) options.push(fc.constantFrom(...(s.enum as string[])));
  else if (s.type === 'integer') {
    const { min, max } = intBounds(s);
    options.push(fc.constantFrom(String(min), String(max)), fc.integer({ min, max }).map(String));
  } else if (s.format === 'date-time') {
    const d = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true });
    options.push(d.map((x) => x.toISOString()), d.map((x) => x.toISOString().replace(/\.\d{3}Z$/, 'Z')), d.map((x) => x.toISOString().replace('Z', '+00:00')));
  } else if (s.format === 'date') {
    // Days around today (what a usage range asks for, inside and past its bounds), and any day of the years the
    // contract can be asked about. Every generator of this function must produce schema-valid values most of the
    // time: the final filter retries synchronously, so a string generator filtered down to a format never ends.
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const around = fc.integer({ min: -800, max: 60 }).map((n) => day(new Date(Date.now() + n * 86_400_000)));
    options.push(around, fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map(day));
  } else if (typeof s.format === 'string') {
    throw new Error(`no generator for parameter ${p.name}: format ${s.format} (add one: filtering arbitrary strings down to a format never ends)`);
  } else if (typeof s.pattern === 'string') {
    // Header values are visible ASCII on the wire (RFC 9110 §5.5).
    const fits = (v: string) => v.length >= (s.minLength ?? 0) && v.length <= maxLen(s) && (p.in !== 'header' || /^[\x20-\x7e]*$/.test(v));
    options.push(fc.stringMatching(new RegExp(s.pattern)).filter(fits));
    // `Range` is RFC 9110 §14.2 byte ranges (the spec points there): real range sets reach 206 and 416 too.
    if (p.in === 'header' && p.name.toLowerCase() === 'range') options.push(byteRanges().filter(fits));
  } else if (s.type === 'string' && p.in === 'header') {
    const visible = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
    options.push(fc.string({ unit: visible, minLength: Math.max(1, s.minLength ?? 0), maxLength: Math.min(maxLen(s), 80) }), fc.constant('*'), fc.constant('x'.repeat(maxLen(s))));
  } else if (s.type === 'string') {
    const min = s.minLength ?? 0;
    const max = maxLen(s);
    // NUL is left out: the API refuses it anywhere in a URL (the hygiene rule in sent.ts).
    const unit = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom(...UNICODE_TRICKS, ...CONTROL, ' ', '%', '+', '&', '='));
    const str = (lo: number, hi: number) => fc.string({ unit, minLength: lo, maxLength: hi }).filter((v) => !v.includes('\0'));
    options.push(str(min, Math.min(max, 20)), str(max, max), str(Math.max(min, 1), Math.max(min, 1)));
  }
  if (options.length === 0) throw new Error(`no generator for parameter ${p.name} (schema ${JSON.stringify(s)})`);
  return fc.oneof(...options).filter((v) => schemaErrors(s, asSchemaValue(s, v)).length === 0);
}

/** Raw (wire) values that break the parameter's schema, or test the decoder, labelled by what they try. */
export function mutatedValue(p: Parameter, valid: string): fc.Arbitrary<[string, string]> {
  const s = p.schema;
  const raw = (label: string, a: fc.Arbitrary<string>) => a.map((v) => [label, v] as [string, string]);
  const encoded = (label: string, a: fc.Arbitrary<string>) => raw(label, a.map(enc));
  // Positions count code points, so an insertion never splits a surrogate pair (that would not be a string at all).
  const points = [...valid];
  const insertAt = (chars: string[]) =>
    fc.tuple(fc.nat({ max: points.length }), fc.constantFrom(...chars)).map(([i, c]) => [...points.slice(0, i), c, ...points.slice(i)].join(''));
  const list: fc.Arbitrary<[string, string]>[] = [
    // An empty path segment addresses another resource (`/v1/contacts/` is the list), so only queries get it.
    ...(p.in === 'path' ? [] : [encoded('empty', fc.constant(''))]),
    encoded('control-char', insertAt(CONTROL)),
    encoded('unicode', insertAt(UNICODE_TRICKS)),
    encoded('over-long', fc.integer({ min: 1, max: 40 }).map((n) => valid + 'a'.repeat(Math.max(n, maxLen(s) - valid.length + n)))),
    raw('nul', insertAt(['\0']).map(enc)),
    // Percent-encoding tricks on the wire form: double encoding, overlong and truncated UTF-8, lone surrogates,
    // invalid escapes, `+` for space, every character encoded.
    raw(
      'percent-encoding',
      fc.oneof(
        fc.constant(enc(valid).replace(/%/g, '%25')),
        fc.constant(points.length ? `%25${Buffer.from(points[0]!).toString('hex').slice(0, 2).toUpperCase()}${enc(points.slice(1).join(''))}` : '%2561'),
        fc
          .tuple(fc.boolean(), fc.constantFrom('%C0%AE', '%E2%82', '%ZZ', '%', '%u0041', '%F0%9F', '%ED%A0%80', '+', '%2B', '%26x%3D1', '%3F'))
          .map(([before, t]) => (before ? t + enc(valid) : enc(valid) + t)),
        fc.constant([...Buffer.from(valid, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')),
      ),
    ),
  ];
  if (s.type === 'integer') {
    const { min, max } = intBounds(s);
    list.push(
      encoded('wrong-type', fc.constantFrom('abc', '1.5', 'true', 'null', '[]', '{}', '1,2', 'NaN', 'Infinity', '-', '0x', '١٢')),
      encoded('out-of-range', fc.constantFrom(String(min - 1), String(max + 1), '-1', '99999999999999999999999', String(Number.MAX_SAFE_INTEGER + 2))),
      encoded('non-canonical', fc.constantFrom('0' + String(min), '+' + String(min), `${min}.0`, `${min}e0`, ` ${min}`, `${min} `, '0x1')),
    );
  }
  if (Array.isArray(s.enum)) list.push(encoded('not-in-enum', fc.string({ minLength: 1, maxLength: 20 }).filter((v) => !s.enum.includes(v))));
  if (typeof s.pattern === 'string') {
    list.push(
      encoded('bad-pattern', fc.oneof(fc.string({ maxLength: 40 }), insertAt(['-', '.', '/', '\\', '..', ' ', '*', '\'', '"', '<', ';']))),
      encoded('truncated', fc.integer({ min: p.in === 'path' ? 1 : 0, max: Math.max(1, points.length - 1) }).map((n) => points.slice(0, n).join(''))),
    );
  }
  if (s.format === 'date-time') list.push(encoded('bad-format', fc.constantFrom('2025-01-01', '2025-13-01T00:00:00Z', 'yesterday', '2025-01-01T25:00:00Z', '1700000000', '2025-01-01 00:00:00')));
  if (s.format === 'date') list.push(encoded('bad-format', fc.constantFrom('2025-02-29', '2024-02-30', '2025-13-01', '2025-00-10', '2025-1-1', '20250101', '01/02/2025', 'today', '2025-01-01T00', '+2025-01-01', '２０２５-01-01')));
  if ((s.minLength ?? 0) > 1) list.push(encoded('too-short', fc.constant(points.slice(0, (s.minLength as number) - 1).join(''))));
  return fc.oneof(...list);
}

export interface OpInputs {
  op: Operation;
  bindings: Binding[];
  /** Optional parameter → real values seen in answers that fit its schema (a real `contactId` filter). */
  realValues?: Map<string, string[]>;
}

/** Values from discovered records that fit each optional parameter with a pattern (ids used as filters). */
export function realValuesFor(op: Operation, records: Record<string, unknown>[], max = 20): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of op.parameters.filter((x) => !x.required && x.in === 'query' && typeof x.schema.pattern === 'string' && x.name !== 'cursor')) {
    const values = new Set<string>();
    for (const r of records) {
      for (const v of Object.values(r)) {
        if (values.size < max && typeof v === 'string' && schemaErrors(p.schema, v).length === 0) values.add(v);
      }
    }
    if (values.size) out.set(p.name, [...values]);
  }
  return out;
}

const queryParams = (op: Operation) => op.parameters.filter((p) => p.in === 'query');
const headerParams = (op: Operation) => op.parameters.filter((p) => p.in === 'header');
const bindingValue = (b: Binding, p: Parameter) => (p.in === 'path' ? b.path : b.query)[p.name];

/** Valid requests: bound required values, optional parameters each present or not, real cursors and ETags. */
export function validCase({ op, bindings, realValues }: OpInputs): fc.Arbitrary<Case> {
  const optional = [...queryParams(op), ...headerParams(op)].filter((p) => !p.required);
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  return fc
    .record({
      binding: fc.nat({ max: Math.max(0, bindings.length - 1) }),
      // A random id of the right shape now and then (an honest 404), otherwise the bound real one.
      randomIds: fc.array(fc.boolean(), { minLength: pathParams.length, maxLength: pathParams.length }),
      ids: fc.tuple(...pathParams.map((p) => validValue(p))),
      encodeAll: fc.boolean(),
      optional: fc.tuple(
        ...optional.map((p) =>
          fc.option(
            p.name === 'cursor'
              ? fc.constant<Dynamic>('real-cursor')
              : p.name.toLowerCase() === 'if-none-match'
                ? fc.oneof(fc.constant<Dynamic>('real-etag'), validValue(p))
                : validValue(p, realValues?.get(p.name)),
            { freq: 2 },
          ),
        ),
      ),
    })
    .map(({ binding, randomIds, ids, encodeAll, optional: values }) => {
      const b = bindings[binding] ?? { path: {}, query: {} };
      const c: Case = { kind: 'valid', label: 'valid', binding, path: {}, query: [], headers: {}, dynamic: [] };
      pathParams.forEach((p, i) => {
        const v = randomIds[i] && p.in === 'path' && !Object.keys(b.query).length ? (ids[i] as string) : (bindingValue(b, p) ?? (ids[i] as string));
        // Encoding every character is legal (RFC 3986 §2.1) and must reach the handler as the same id.
        c.path[p.name] = encodeAll ? [...v].map((ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('') : enc(v);
      });
      for (const p of queryParams(op).filter((q) => q.required)) c.query.push([p.name, enc(bindingValue(b, p) ?? '')]);
      optional.forEach((p, i) => {
        const v = values[i];
        if (v === null || v === undefined) return;
        if (v === 'real-cursor' || v === 'real-etag') c.dynamic.push({ param: p.name, kind: v });
        else if (p.in === 'header') c.headers[p.name] = v;
        else c.query.push([p.name, enc(v)]);
      });
      return c;
    });
}

/** Invalid requests: a valid one with one parameter mutated, duplicated, or an unknown parameter added. */
export function invalidCase(inputs: OpInputs): fc.Arbitrary<Case> {
  const { op } = inputs;
  const mutable = op.parameters.filter((p) => p.in === 'query' || p.in === 'path');
  const headers = headerParams(op).filter((p) => typeof p.schema.maxLength === 'number' || typeof p.schema.pattern === 'string');
  // Run-time values (real cursors, ETags) are left out so the one mutation is the only thing wrong.
  const base = validCase(inputs).map((c) => ({ ...c, dynamic: [] }));
  const choices: fc.Arbitrary<Case>[] = [
    fc.tuple(base, fc.constantFrom(...UNKNOWN_NAMES), fc.string({ maxLength: 5 })).map(([c, name, v]) => ({
      ...c,
      kind: 'invalid' as const,
      label: 'unknown-param',
      query: [...c.query, [enc(name), enc(v)] as [string, string]],
    })),
  ];
  if (queryParams(op).length) {
    choices.push(
      fc.tuple(base, fc.constantFrom(...queryParams(op))).chain(([c, p]) =>
        validValue(p).map((v) => {
          const existing = c.query.find(([k]) => k === p.name);
          const first: [string, string] = existing ?? [p.name, enc(v)];
          const rest = c.query.filter(([k]) => k !== p.name);
          return { ...c, kind: 'invalid' as const, label: `${p.name}:duplicated`, query: [...rest, first, [p.name, enc(v)] as [string, string]] };
        }),
      ),
    );
  }
  if (mutable.length) {
    choices.push(
      fc
        .tuple(base, fc.constantFrom(...mutable))
        .chain(([c, p]) => {
          const current = p.in === 'path' ? decodeURIComponent(c.path[p.name]!) : decodeValue(c.query.find(([k]) => k === p.name)?.[1]);
          const seed = current ?? fc.sample(validValue(p), { numRuns: 1, seed: 1 })[0]!;
          // An empty path segment addresses another resource (or none); that is routing, not this parameter.
          return mutatedValue(p, seed)
            .filter(([, raw]) => p.in !== 'path' || raw !== '')
            .map(([label, raw]) => mutate(c, p, `${p.name}:${label}`, raw));
        }),
    );
  }
  if (headers.length) {
    choices.push(
      fc.tuple(base, fc.constantFrom(...headers), fc.integer({ min: 1, max: 64 })).map(([c, p, n]) => ({
        ...c,
        kind: 'invalid' as const,
        label: `${p.name}:${typeof p.schema.pattern === 'string' ? 'bad-pattern' : 'over-long'}`,
        headers: { ...c.headers, [p.name]: typeof p.schema.pattern === 'string' ? `items=${n}` : 'x'.repeat(maxLen(p.schema) + n) },
      })),
    );
  }
  // Past the documented target length (the long values black-box fuzzing sends), now and then: an unknown
  // parameter pads a valid request.
  const maxTarget = maxTargetLength(op);
  if (maxTarget === undefined) return fc.oneof(...choices);
  const overLong = fc.tuple(base, fc.integer({ min: 1, max: 400 })).map(([c, n]) => ({
    ...c,
    kind: 'invalid' as const,
    label: 'over-long-target',
    query: [...c.query, ['pad', 'a'.repeat(maxTarget + n)] as [string, string]],
  }));
  return fc.oneof({ arbitrary: fc.oneof(...choices), weight: 19 }, { arbitrary: overLong, weight: 1 });
}

function mutate(c: Case, p: Parameter, label: string, raw: string): Case {
  const next: Case = { ...c, kind: 'invalid', label, path: { ...c.path }, query: c.query.filter(([k]) => k !== p.name) };
  if (p.in === 'path') next.path[p.name] = raw;
  else next.query.push([p.name, raw]);
  return next;
}

function decodeValue(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  return new URLSearchParams(`x=${raw}`).get('x') ?? undefined;
}

/**
 * What a schema cannot say: rules between parameters, as each operation's description states them, applied once
 * every parameter fits its own schema. Written here from the prose, not imported from the server, so the server
 * is judged against the contract rather than against itself.
 */
const CROSS_PARAMETER_RULES: Record<string, (query: Map<string, string[]>) => { name: string; in: string }[]> = {
  // getUsage: `to` defaults to today, `from` to 29 days before `to` (day) or the first of the month 11 months
  // before `to`'s (month); "at most 366 days (granularity=day) or 36 months (granularity=month) per request: a
  // longer range, or `from` after `to`, is 400 naming the parameter" — `from`, the one that reaches too far back.
  getUsage: (query) => {
    const day = (v: string) => Date.parse(`${v}T00:00:00Z`);
    const month = (v: string) => Number(v.slice(0, 4)) * 12 + Number(v.slice(5, 7));
    const granularity = query.get('granularity')?.[0] ?? 'day';
    const to = query.get('to')?.[0] ?? new Date().toISOString().slice(0, 10);
    const from = query.get('from')?.[0];
    if (from === undefined) return []; // the default range fits by construction
    const tooLong = granularity === 'day' ? (day(to) - day(from)) / 86_400_000 + 1 > 366 : month(to) - month(from) + 1 > 36;
    return from > to || tooLong ? [{ name: 'from', in: 'query' }] : [];
  },
};

/** How a server must read the request (WHATWG form-urlencoded for the query), then what the spec says of it. */
export function verdict(op: Operation, c: Case): Verdict {
  const invalid: { name: string; in: string }[] = [];
  const either: { name: string; in: string }[] = [];
  const query = new Map<string, string[]>();
  const rawQuery = c.query.map(([k, v]) => `${k}=${v}`).join('&');
  for (const [k, v] of new URLSearchParams(rawQuery)) query.set(k, [...(query.get(k) ?? []), v]);
  for (const name of query.keys()) {
    if (!op.parameters.some((p) => p.in === 'query' && p.name === name)) invalid.push({ name, in: 'query' });
  }
  const dynamicNames = new Set(c.dynamic.map((d) => d.param.toLowerCase()));
  for (const p of op.parameters) {
    let values: string[] | undefined;
    if (p.in === 'path') {
      try {
        values = [decodeURIComponent(c.path[p.name] ?? '')];
      } catch {
        invalid.push(p);
        continue;
      }
    } else if (p.in === 'query') values = query.get(p.name);
    else if (p.in === 'header') {
      const h = Object.entries(c.headers).find(([k]) => k.toLowerCase() === p.name.toLowerCase());
      values = h ? [h[1]] : undefined;
    }
    if (dynamicNames.has(p.name.toLowerCase())) continue;
    if (values === undefined) {
      if (p.required) invalid.push(p);
      continue;
    }
    if (values.length > 1) {
      invalid.push(p);
      continue;
    }
    const v = values[0]!;
    if (p.in === 'query' && v === '') {
      invalid.push(p); // an empty value is not a value (`limit=`), whatever the schema.
      continue;
    }
    if (schemaErrors(p.schema, asSchemaValue(p.schema, v)).length === 0) {
      // An opaque, tamper-evident value (a cursor) fits its schema yet only the server can issue one: a made-up
      // value may be refused, naming it (the spec: "reuse one with other filters and you get 400").
      if (/opaque|tamper/i.test(`${p.schema.description ?? ''} ${p.description ?? ''}`)) either.push(p);
      continue;
    }
    const n = Number(v);
    if (p.schema.type === 'integer' && !canonicalInt(v) && v.trim() !== '' && Number.isInteger(n) && n >= intBounds(p.schema).min && n <= intBounds(p.schema).max) {
      either.push(p);
      continue;
    }
    invalid.push(p);
  }
  if (!invalid.length) invalid.push(...(CROSS_PARAMETER_RULES[op.operationId]?.(query) ?? []));
  if (invalid.length) return { kind: 'invalid', params: invalid.map(({ name, in: loc }) => ({ name, in: loc })) };
  if (either.length) return { kind: 'either', params: either.map(({ name, in: loc }) => ({ name, in: loc })) };
  return { kind: 'valid' };
}

/**
 * The boundaries, every time (the random cases may miss some): per optional parameter, each enum value, the
 * integer minimum and maximum, the shortest and longest strings (ASCII, 2-byte and astral characters), the
 * spec's example, real ids, and a real cursor and ETag. One parameter at a time, on the first real binding.
 */
export function boundaryCases({ op, bindings, realValues }: OpInputs): Case[] {
  const b = bindings[0] ?? { path: {}, query: {} };
  const base: Case = { kind: 'valid', label: 'boundary', binding: 0, path: {}, query: [], headers: {}, dynamic: [] };
  for (const p of op.parameters.filter((x) => x.in === 'path')) base.path[p.name] = enc(b.path[p.name] ?? '');
  for (const p of op.parameters.filter((x) => x.in === 'query' && x.required)) base.query.push([p.name, enc(b.query[p.name] ?? '')]);
  const cases: Case[] = [structuredClone(base)];
  for (const p of op.parameters.filter((x) => !x.required && (x.in === 'query' || x.in === 'header'))) {
    const s = p.schema;
    const values = new Set<string>();
    if (p.example !== undefined) values.add(String(p.example));
    for (const v of (s.enum as string[] | undefined) ?? []) values.add(v);
    if (s.type === 'integer') [s.minimum, s.maximum].filter((x) => x !== undefined).forEach((x) => values.add(String(x)));
    if (s.format === 'date-time') ['1970-01-01T00:00:00Z', '2099-12-31T23:59:59.999Z', '2025-11-01T00:00:00+02:00'].forEach((x) => values.add(x));
    if (s.format === 'date') ['1970-01-01', '2024-02-29', '2099-12-31', new Date().toISOString().slice(0, 10)].forEach((x) => values.add(x));
    if (s.type === 'string' && !s.enum && !s.pattern && !s.format) {
      const min = Math.max(s.minLength ?? 0, p.in === 'query' ? 1 : 0);
      const max = maxLen(s);
      for (const ch of p.in === 'header' ? ['x'] : ['a', 'é', '😀', ' ']) [min, max].forEach((n) => n > 0 && values.add(ch.repeat(n)));
    }
    // RFC 9110 §14.2 edges: the first byte, the last byte, two ranges, a range past any end (416).
    if (p.in === 'header' && p.name.toLowerCase() === 'range') ['bytes=0-0', 'bytes=-1', 'bytes=0-0,-1', `bytes=${2 ** 40}-`].forEach((x) => values.add(x));
    for (const v of realValues?.get(p.name)?.slice(0, 2) ?? []) values.add(v);
    for (const v of values) {
      if (schemaErrors(s, asSchemaValue(s, v)).length) continue;
      if (p.in === 'header' && !/^[\x20-\x7e]*$/.test(v)) continue;
      const c = structuredClone(base);
      c.label = `boundary ${p.name}`;
      if (p.in === 'header') c.headers[p.name] = v;
      else c.query.push([p.name, enc(v)]);
      cases.push(c);
    }
    if (p.name === 'cursor' || p.name.toLowerCase() === 'if-none-match') {
      const c = structuredClone(base);
      c.label = `boundary ${p.name}`;
      c.dynamic.push({ param: p.name, kind: p.name === 'cursor' ? 'real-cursor' : 'real-etag' });
      cases.push(c);
    }
  }
  return cases;
}
