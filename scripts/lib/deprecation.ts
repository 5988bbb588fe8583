/**
 * Deprecation and sunset, read from the contract. An operation, a parameter or a schema (property) carries:
 *   deprecated: true
 *   x-deprecated-at: 2027-01-15        RFC 3339 date or date-time: since when (RFC 9745's `Deprecation` date)
 *   x-sunset: 2027-07-01                optional, RFC 3339: when it stops working (RFC 8594 `Sunset`; then 410)
 *   x-deprecation-link: https://…       optional: what to use instead (`Link: <…>; rel="deprecation"`)
 * Per operation: its own mark, its parameters' marks (path-level ones included), and the marks of every schema or
 * property its 2xx answers can hold. Used by generation (generated/operations.ts `deprecations`, the docs and the
 * SDK) and by lint:spec (lifecycleProblems).
 */
import { listOperations, type SpecDoc } from './spec.js';

export interface DeprecationMark {
  /** Unix seconds. */
  deprecatedAt: number;
  /** Unix seconds. */
  sunset?: number;
  link?: string;
}

export interface OperationDeprecation {
  operation?: DeprecationMark;
  parameters: (DeprecationMark & { in: string; name: string })[];
  /** Deprecated schemas or properties the operation's 2xx answers can hold: `Contact.phone`, `Contact`. */
  fields: (DeprecationMark & { name: string })[];
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/i;

/** An RFC 3339 date (midnight UTC) or date-time as Unix seconds, or undefined when it is not one. */
export function rfc3339Seconds(value: unknown): number | undefined {
  const text = value instanceof Date ? value.toISOString() : value;
  if (typeof text !== 'string' || !RFC3339.test(text)) return undefined;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2027-02-30 over to March: a date that does not exist is not a date.
  if (new Date(ms).toISOString().slice(0, 10) !== text.slice(0, 10) && text.length === 10) return undefined;
  return Math.floor(ms / 1000);
}

/** Follows local `$ref`s (`#/components/…`) to the node they name. */
export function resolve(spec: SpecDoc, node: SpecDoc | undefined): SpecDoc | undefined {
  let n = node;
  for (let i = 0; n && typeof n.$ref === 'string' && i < 20; i++) {
    n = (n.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce<SpecDoc | undefined>((o, part) => o?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return n;
}

/** The mark of a node with `deprecated: true`, or undefined. Throws on a date that is not RFC 3339. */
export function markOf(node: SpecDoc | undefined, where: string): DeprecationMark | undefined {
  if (!node || node.deprecated !== true) return undefined;
  const deprecatedAt = rfc3339Seconds(node['x-deprecated-at']);
  if (deprecatedAt === undefined) throw new Error(`${where}: deprecated needs x-deprecated-at, an RFC 3339 date (got ${JSON.stringify(node['x-deprecated-at'])})`);
  const mark: DeprecationMark = { deprecatedAt };
  if (node['x-sunset'] !== undefined) {
    const sunset = rfc3339Seconds(node['x-sunset']);
    if (sunset === undefined) throw new Error(`${where}: x-sunset must be an RFC 3339 date (got ${JSON.stringify(node['x-sunset'])})`);
    mark.sunset = sunset;
  }
  if (typeof node['x-deprecation-link'] === 'string') mark.link = node['x-deprecation-link'];
  return mark;
}

/** Deprecated schemas and properties reachable from a schema, named `Schema.property` after the component. */
function fieldMarks(spec: SpecDoc, schema: SpecDoc | undefined, name: string, seen: Set<SpecDoc>, out: Map<string, DeprecationMark>): void {
  if (!schema || typeof schema !== 'object') return;
  let label = name;
  if (typeof schema.$ref === 'string') {
    label = (schema.$ref as string).split('/').pop()!;
    schema = resolve(spec, schema);
    if (!schema) return;
  }
  if (seen.has(schema)) return;
  seen.add(schema);
  const own = markOf(schema, label);
  if (own) out.set(label, own);
  for (const [prop, sub] of Object.entries<SpecDoc>(schema.properties ?? {})) {
    // `deprecated` on the property itself (a sibling of its `$ref`, as OpenAPI 3.1 allows, or inline).
    const mark = markOf(sub, `${label}.${prop}`);
    if (mark) out.set(`${label}.${prop}`, mark);
    fieldMarks(spec, sub, `${label}.${prop}`, seen, out);
  }
  for (const key of ['items', 'additionalProperties'] as const) if (typeof schema[key] === 'object') fieldMarks(spec, schema[key], `${label}[]`, seen, out);
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) for (const sub of schema[key] ?? []) fieldMarks(spec, sub, label, seen, out);
}

/** Every operation that has any deprecation, keyed by operationId. */
export function deprecationsOf(spec: SpecDoc): Record<string, OperationDeprecation> {
  const out: Record<string, OperationDeprecation> = {};
  for (const meta of listOperations(spec)) {
    const item = spec.paths[meta.path] as SpecDoc;
    const op = item[meta.method] as SpecDoc;
    const d: OperationDeprecation = { parameters: [], fields: [] };
    d.operation = markOf(op, meta.operationId);
    const params = new Map<string, SpecDoc>();
    for (const raw of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
      const p = resolve(spec, raw)!;
      params.set(`${p.in}:${p.name}`, p);
    }
    for (const p of params.values()) {
      const mark = markOf(p, `${meta.operationId} ${p.in} parameter ${p.name}`);
      if (mark) d.parameters.push({ in: p.in, name: p.name, ...mark });
    }
    const fields = new Map<string, DeprecationMark>();
    for (const [status, response] of Object.entries<SpecDoc>(op.responses ?? {})) {
      if (!/^2/.test(status)) continue;
      for (const media of Object.values<SpecDoc>(resolve(spec, response)?.content ?? {})) fieldMarks(spec, media.schema, 'body', new Set(), fields);
    }
    d.fields = [...fields].map(([name, mark]) => ({ name, ...mark })).sort((a, b) => a.name.localeCompare(b.name));
    if (d.operation || d.parameters.length || d.fields.length) out[meta.operationId] = d;
  }
  return out;
}

/**
 * What the lint checks across the contract (the per-node rules are Spectral's, in .spectral.yaml): every date is
 * RFC 3339, a sunset comes after its deprecation, and an operation that can be sunset (its own x-sunset or a
 * parameter's) documents the 410 it will answer.
 */
export function lifecycleProblems(spec: SpecDoc): { message: string; at: string }[] {
  const problems: { message: string; at: string }[] = [];
  let table: Record<string, OperationDeprecation>;
  try {
    table = deprecationsOf(spec);
  } catch (err) {
    return [{ message: (err as Error).message, at: '' }];
  }
  for (const meta of listOperations(spec)) {
    const d = table[meta.operationId];
    if (!d) continue;
    const at = `#/paths/${meta.path.replace(/~/g, '~0').replace(/\//g, '~1')}/${meta.method}`;
    const marks: [string, DeprecationMark][] = [
      ...(d.operation ? [['the operation', d.operation] as [string, DeprecationMark]] : []),
      ...d.parameters.map((p) => [`the ${p.in} parameter ${p.name}`, p] as [string, DeprecationMark]),
      ...d.fields.map((f) => [`the field ${f.name}`, f] as [string, DeprecationMark]),
    ];
    for (const [what, m] of marks) {
      if (m.sunset !== undefined && m.sunset <= m.deprecatedAt) problems.push({ message: `${meta.operationId}: ${what} is sunset before (or when) it is deprecated`, at });
    }
    const canBeGone = d.operation?.sunset !== undefined || d.parameters.some((p) => p.sunset !== undefined);
    const op = spec.paths[meta.path][meta.method] as SpecDoc;
    if (canBeGone && !op.responses?.['410']) {
      problems.push({ message: `${meta.operationId} has a sunset date, so it documents the 410 it answers after it: '410': { $ref: '#/components/responses/Gone' }`, at: `${at}/responses` });
    }
  }
  return problems;
}
