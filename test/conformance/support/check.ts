/**
 * The oracle: does an answer conform to the contract? Status documented for the operation, media type documented
 * for that status, body valid (ajv, JSON Schema 2020-12 with formats) against the documented schema, every
 * documented header sent (unless the spec says it may be absent) and valid against its schema. Returns the list
 * of violations (empty when the answer conforms) so a failing case prints all of them at once.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import { responseFor, type Operation, type Schema } from './spec.js';

// ajv-formats is CommonJS with a default export; under NodeNext the callable is on `.default`.
const addFormats = ((addFormatsImport as unknown as { default?: typeof addFormatsImport }).default ?? addFormatsImport) as unknown as (
  ajv: Ajv2020,
) => void;

export function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, validateFormats: true });
  addFormats(ajv);
  // OpenAPI's integer formats (JSON Schema leaves them to the vocabulary; they constrain the range).
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  return ajv;
}

const ajv = newAjv();
const compiled = new WeakMap<Schema, ValidateFunction>();

export function validatorFor(schema: Schema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** ajv errors as short `path message` lines. */
export function schemaErrors(schema: Schema, value: unknown): string[] {
  const v = validatorFor(schema);
  if (v(value)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
}

export interface Answer {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Checked {
  violations: string[];
  /** The parsed JSON body, when the media type is JSON. */
  json?: unknown;
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}

/**
 * A header's or parameter's string as its schema sees it: numbers travel as their canonical digits. Only the
 * canonical form counts, so `05`, `+5` or `1e1` stay strings (the suite treats those as ambiguous elsewhere).
 */
export function asSchemaValue(schema: Schema, raw: string): unknown {
  if ((schema.type === 'integer' || schema.type === 'number') && /^-?(0|[1-9]\d*)(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

export function checkAnswer(op: Operation, res: Answer, method = op.method): Checked {
  const violations: string[] = [];
  const spec = responseFor(op, res.status);
  if (!spec) return { violations: [`status ${res.status} is not documented for ${op.operationId} (documented: ${[...op.responses.keys()].join(', ')})`] };

  for (const [name, h] of spec.headers) {
    const raw = res.headers[name];
    if (raw === undefined) {
      if (!h.optional) violations.push(`header ${name} is documented for ${res.status} but missing`);
      continue;
    }
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    for (const e of schemaErrors(h.schema, asSchemaValue(h.schema, value))) violations.push(`header ${name}: ${JSON.stringify(value)} ${e}`);
  }

  const type = mediaType(res.headers['content-type'] as string | undefined);
  if (spec.content.size === 0 || method === 'head' || res.status === 304) {
    if (res.body.length > 0) violations.push(`${res.status} documents no body, got ${res.body.length} bytes (${type ?? 'no content-type'})`);
    return { violations };
  }
  // The most specific documented media range that covers the answer's type (`text/csv` ⊂ `text/*` ⊂ `*/*`).
  const documented = type ? [type, `${type.split('/')[0]}/*`, '*/*'].find((range) => spec.content.has(range)) : undefined;
  if (!type || !documented) {
    violations.push(`content-type ${type ?? '(none)'} is not documented for ${res.status} (documented: ${[...spec.content.keys()].join(', ')})`);
    return { violations };
  }
  const schema = spec.content.get(documented)!;
  if (!/[/+]json$/.test(type)) return { violations };
  let json: unknown;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    violations.push(`${type} body is not JSON: ${res.body.toString('utf8').slice(0, 200)}`);
    return { violations };
  }
  for (const e of schemaErrors(schema, json)) violations.push(`body ${e}`);
  return { violations, json };
}
