/**
 * Real values for required parameters, found the way a client finds them: by calling the API. Operations that
 * need no path or required query parameter are listed (every page, largest `limit` the spec allows); every
 * object in every answer becomes a record. An operation's required parameters are then bound from one record
 * whose properties validate against all of them (a File record binds both `jobId` and `fileId`), or from a URL
 * in a record that points at the operation's path (a File's signed `downloadUrl` binds the download's
 * `fileId`, `tenant`, `expires`, `kid` and `sig`). Repeats until nothing new turns up.
 */
import { asSchemaValue, schemaErrors } from './check.js';
import { enc, queryString, send } from './http.js';
import type { Operation, Parameter } from './spec.js';

export interface Binding {
  path: Record<string, string>;
  query: Record<string, string>;
}

export interface Discovery {
  /** Every object seen in a 200 answer. */
  records: Record<string, unknown>[];
  /** operationId → sets of values for its required parameters, each set taken from one record. */
  bindings: Map<string, Binding[]>;
  /** How many requests the crawl sent. */
  requests: number;
}

const MAX_BINDINGS_PER_OP = 150;

function collectObjects(node: unknown, out: Record<string, unknown>[]): void {
  if (Array.isArray(node)) node.forEach((n) => collectObjects(n, out));
  else if (node && typeof node === 'object') {
    out.push(node as Record<string, unknown>);
    Object.values(node).forEach((n) => collectObjects(n, out));
  }
}

const required = (op: Operation) => op.parameters.filter((p) => p.required && (p.in === 'path' || p.in === 'query'));
const valid = (p: Parameter, v: unknown) => typeof v === 'string' && schemaErrors(p.schema, asSchemaValue(p.schema, v)).length === 0;

/** Binds from a record's own properties: each required parameter to a distinct property whose value fits it. */
function bindFromRecord(op: Operation, rec: Record<string, unknown>): Binding | undefined {
  const binding: Binding = { path: {}, query: {} };
  for (const p of required(op)) {
    // Prefer the property named like the parameter, then `id` (a record's own id), then any fitting one.
    const keys = [p.name, 'id', ...Object.keys(rec)];
    const key = keys.find((k) => valid(p, rec[k]));
    if (!key) return undefined;
    binding[p.in === 'path' ? 'path' : 'query'][p.name] = rec[key] as string;
  }
  return binding;
}

/** Binds from a URL in the record that targets this operation's path (signed URLs). */
function bindFromUrl(op: Operation, rec: Record<string, unknown>): Binding | undefined {
  const names: string[] = [];
  const re = new RegExp(`^${op.path.replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`);
  for (const v of Object.values(rec)) {
    if (typeof v !== 'string' || !/^https?:\/\//.test(v)) continue;
    const url = new URL(v);
    const m = re.exec(url.pathname);
    if (!m) continue;
    const binding: Binding = { path: {}, query: {} };
    names.forEach((n, i) => (binding.path[n] = decodeURIComponent(m[i + 1]!)));
    for (const [k, val] of url.searchParams) binding.query[k] = val;
    if (required(op).every((p) => valid(p, (p.in === 'path' ? binding.path : binding.query)[p.name]))) return binding;
  }
  return undefined;
}

export function targetFor(op: Operation, b: Binding, extra: [string, string][] = []): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_m, n: string) => enc(b.path[n]!));
  return path + queryString([...Object.entries(b.query).map(([k, v]) => [k, enc(v)] as [string, string]), ...extra]);
}

export async function discover(baseUrl: string, ops: Operation[], token: string, maxBindings = MAX_BINDINGS_PER_OP): Promise<Discovery> {
  const d: Discovery = { records: [], bindings: new Map(), requests: 0 };
  const seenRecords = new Set<string>();
  const seenBindings = new Set<string>();
  const headers = { Authorization: `Bearer ${token}` };

  const visit = async (op: Operation, b: Binding) => {
    const limit = op.parameters.find((p) => p.name === 'limit' && p.in === 'query')?.schema.maximum as number | undefined;
    let cursor: string | null = null;
    do {
      const extra: [string, string][] = [];
      if (limit !== undefined) extra.push(['limit', String(limit)]);
      if (cursor) extra.push(['cursor', enc(cursor)]);
      const res = await send(baseUrl, { method: 'GET', target: targetFor(op, b, extra), headers });
      d.requests += 1;
      if (res.status !== 200 || !/json/.test(String(res.headers['content-type']))) return;
      const body = JSON.parse(res.body.toString('utf8')) as { nextCursor?: string | null };
      const found: Record<string, unknown>[] = [];
      collectObjects(body, found);
      for (const rec of found) {
        const key = JSON.stringify(rec);
        if (!seenRecords.has(key)) {
          seenRecords.add(key);
          d.records.push(rec);
        }
      }
      cursor = typeof body.nextCursor === 'string' ? body.nextCursor : null;
    } while (cursor);
  };

  const getOps = ops.filter((o) => o.method === 'get');
  let visitedRecords = 0;
  for (const op of getOps.filter((o) => required(o).length === 0)) await visit(op, { path: {}, query: {} });
  // Bind every operation from the records found so far; visit the new bindings of JSON operations; repeat.
  while (visitedRecords < d.records.length) {
    const batch = d.records.slice(visitedRecords);
    visitedRecords = d.records.length;
    for (const op of ops.filter((o) => required(o).length > 0)) {
      const list = d.bindings.get(op.operationId) ?? [];
      d.bindings.set(op.operationId, list);
      for (const rec of batch) {
        if (list.length >= maxBindings) break;
        const b = bindFromRecord(op, rec) ?? bindFromUrl(op, rec);
        const key = b && `${op.operationId} ${JSON.stringify(b)}`;
        if (!b || seenBindings.has(key!)) continue;
        seenBindings.add(key!);
        list.push(b);
        const json = [...(op.responses.get('200')?.content.keys() ?? [])].some((m) => m.endsWith('json'));
        if (op.method === 'get' && json) await visit(op, b);
      }
    }
  }
  return d;
}
