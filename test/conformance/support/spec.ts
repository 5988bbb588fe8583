/**
 * The contract as the conformance suite sees it: `generated/openapi.json` with every local `$ref` inlined, walked
 * into one record per operation (its parameters, path-level ones merged in; its documented responses by status
 * and media type; its security). Everything the suite sends and expects is derived from this, never from src/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SPEC_JSON = path.join(ROOT, 'generated/openapi.json');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Schema = Record<string, any>;

export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required: boolean;
  schema: Schema;
  description?: string;
  example?: unknown;
}

export interface ResponseSpec {
  status: string;
  description: string;
  /**
   * Header name (lower-cased) → its schema, and whether the spec says it may be absent (`required: false` or a
   * description saying when it is absent, like `Link` on the last page). Others must be sent.
   */
  headers: Map<string, { schema: Schema; optional: boolean }>;
  /** Media type → schema; empty when the answer has no body. */
  content: Map<string, Schema>;
}

export interface Operation {
  operationId: string;
  method: 'get' | 'head';
  path: string;
  parameters: Parameter[];
  responses: Map<string, ResponseSpec>;
  /** Scopes a token needs; [] for public operations. */
  scopes: string[];
  public: boolean;
}

const METHODS = ['get', 'head', 'options', 'put', 'post', 'delete', 'patch', 'trace'] as const;

function pointer(doc: Schema, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}

/** Inlines every local `$ref` (siblings of a `$ref` win, as in OpenAPI 3.1). Throws on a cycle. */
export function deref<T>(doc: Schema, node: T, seen: string[] = []): T {
  if (Array.isArray(node)) return node.map((n) => deref(doc, n, seen)) as T;
  if (node === null || typeof node !== 'object') return node;
  const obj = node as Schema;
  if (typeof obj.$ref === 'string') {
    if (seen.includes(obj.$ref)) throw new Error(`cyclic $ref ${obj.$ref}`);
    const target = pointer(doc, obj.$ref);
    if (target === undefined) throw new Error(`unresolved $ref ${obj.$ref}`);
    const { $ref: _ref, ...siblings } = obj;
    return { ...(deref(doc, target, [...seen, obj.$ref]) as Schema), ...deref(doc, siblings, seen) } as T;
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, deref(doc, v, seen)])) as T;
}

export function loadSpec(file = SPEC_JSON): Schema {
  return JSON.parse(readFileSync(file, 'utf8')) as Schema;
}

/** Every operation of the contract, in the order the spec lists them. */
export function operationsOf(spec: Schema): Operation[] {
  const out: Operation[] = [];
  for (const [p, rawItem] of Object.entries<Schema>(spec.paths ?? {})) {
    const item = deref(spec, rawItem);
    for (const method of METHODS) {
      const op = item[method] as Schema | undefined;
      if (!op) continue;
      if (method !== 'get' && method !== 'head') throw new Error(`${op.operationId}: the suite only knows read operations (${method})`);
      const byKey = new Map<string, Parameter>();
      for (const prm of [...(item.parameters ?? []), ...(op.parameters ?? [])] as Schema[]) {
        byKey.set(`${prm.in}:${prm.name}`, { name: prm.name, in: prm.in, required: prm.required === true, schema: prm.schema ?? {}, description: prm.description, example: prm.example });
      }
      const responses = new Map<string, ResponseSpec>();
      for (const [status, r] of Object.entries<Schema>(op.responses ?? {})) {
        responses.set(status, {
          status,
          description: String(r.description ?? ''),
          headers: new Map(
            Object.entries<Schema>(r.headers ?? {}).map(([h, v]) => [
              h.toLowerCase(),
              { schema: v.schema ?? {}, optional: v.required === false || /\babsent\b/i.test(String(v.description ?? '')) },
            ]),
          ),
          content: new Map(Object.entries<Schema>(r.content ?? {}).map(([m, v]) => [m, v.schema ?? {}])),
        });
      }
      const security: Record<string, string[]>[] = op.security ?? spec.security ?? [];
      const isPublic = security.length === 0 || security.some((req) => Object.keys(req).length === 0);
      out.push({
        operationId: op.operationId,
        method,
        path: p,
        parameters: [...byKey.values()],
        responses,
        scopes: isPublic ? [] : [...new Set(security.flatMap((req) => Object.values(req).flat()))].sort(),
        public: isPublic,
      });
    }
  }
  return out;
}

/** `/v1/jobs/{jobId}` with values → a raw request path (values are percent-encoded by the caller). */
export function fillPath(template: string, rawValues: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = rawValues[name];
    if (v === undefined) throw new Error(`no value for path parameter ${name}`);
    return v;
  });
}

/**
 * The longest request target the operation accepts, from its documented 414 ("longer than N characters"), or
 * undefined when it documents none. A 414 whose description states no length is a spec the suite cannot read.
 */
export function maxTargetLength(op: Operation): number | undefined {
  const r = op.responses.get('414');
  if (!r) return undefined;
  const m = /(\d[\d,]*) characters/.exec(r.description);
  if (!m) throw new Error(`${op.operationId}: the 414 response does not say how long a target may be: ${r.description}`);
  return Number(m[1]!.replace(/,/g, ''));
}

/** Which documented response applies to a status: the exact code, then `4XX`-style ranges, then `default`. */
export function responseFor(op: Operation, status: number): ResponseSpec | undefined {
  return op.responses.get(String(status)) ?? op.responses.get(`${String(status)[0]}XX`) ?? op.responses.get('default');
}
