/**
 * The Postman collection (v2.1), generated from the contract into `<outDir>/postman/` by `npm run generate`.
 * Written here rather than with openapi-to-postmanv2 so that it is deterministic (no random ids, no timestamps)
 * and carries contract assertions:
 * - one request per operation, in folders by tag, in the spec's order; `{{baseUrl}}` and `{{token}}` variables
 *   (bearer auth at collection level, none on public operations); optional parameters present but disabled, with
 *   the spec's example values;
 * - per request, a test script asserting the status is documented, the answer is not a server error, the media
 *   type is documented, the documented headers are sent, and the JSON body matches the schema documented for the
 *   status (`pm.response.to.have.jsonSchema`, the schema embedded from the spec);
 * - the same script captures real ids (and the signed URL's parameters) from each answer into collection
 *   variables, so a run top to bottom against real data chains list → get → files → download.
 * Reads `<outDir>/openapi.json` (written first by generateAll), so generating from another spec changes it too.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listOperations, type SpecDoc } from './lib/spec.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const COLLECTION_FILE = 'postman/portal-api.postman_collection.json';
const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
/** Formats the Postman sandbox's validator (ajv 6) knows; others (int64…) are dropped rather than failing there. */
const SANDBOX_FORMATS = new Set(['date-time', 'date', 'time', 'email', 'uri', 'uri-reference', 'uuid', 'ipv4', 'ipv6', 'hostname']);
const ANNOTATIONS = new Set(['description', 'examples', 'example', 'contentMediaType', 'title', 'deprecated', 'readOnly', 'writeOnly']);

function resolve(spec: SpecDoc, node: unknown, seen: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => resolve(spec, n, seen));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Obj;
  if (typeof obj.$ref === 'string') {
    if (seen.includes(obj.$ref)) throw new Error(`cyclic $ref ${obj.$ref}`);
    const target = obj.$ref
      .slice(2)
      .split('/')
      .map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((n: Obj | undefined, k: string) => n?.[k], spec);
    if (target === undefined) throw new Error(`unresolved $ref ${obj.$ref}`);
    const { $ref: _ref, ...rest } = obj;
    return { ...(resolve(spec, target, [...seen, obj.$ref]) as Obj), ...(resolve(spec, rest, seen) as Obj) };
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolve(spec, v, seen)]));
}

/** A self-contained schema the sandbox's validator accepts: no refs, no annotations, known formats only. */
function sandboxSchema(schema: unknown, parentKey = ''): Json {
  if (Array.isArray(schema)) return schema.map((s) => sandboxSchema(s, parentKey)) as Json;
  if (!schema || typeof schema !== 'object') return schema as Json;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema as Obj)) {
    // Under `properties`, keys are field names, not keywords: keep them all.
    if (parentKey !== 'properties' && ANNOTATIONS.has(k)) continue;
    if (parentKey !== 'properties' && k === 'format' && !SANDBOX_FORMATS.has(v as string)) continue;
    out[k] = sandboxSchema(v, k);
  }
  return out;
}

interface Variable {
  key: string;
  value: string;
  description: string;
}

/** The JavaScript of one request's test script (Postman sandbox, ES2015+). */
function testScript(operationId: string, responses: Obj, groups: Obj[]): string[] {
  const statuses: Obj = {};
  for (const [status, r] of Object.entries<Obj>(responses)) {
    const media = Object.keys(r.content ?? {});
    const json = media.find((m) => /[/+]json$/.test(m));
    const headers = Object.entries<Obj>(r.headers ?? {})
      .filter(([, h]) => h.required !== false && !/\babsent\b/i.test(String(h.description ?? '')))
      .map(([name]) => name);
    statuses[status] = { media, headers, schema: json ? sandboxSchema(r.content[json].schema) : null };
  }
  return [
    `// Generated from openapi/openapi.yaml (${operationId}). Contract assertions, then captures for the next requests.`,
    `const documented = ${JSON.stringify(statuses)};`,
    'const status = String(pm.response.code);',
    'const spec = documented[status] || documented[status[0] + "XX"] || documented["default"];',
    `pm.test("${operationId}: status " + status + " is documented", function () { pm.expect(spec, "documented: " + Object.keys(documented).join(", ")).to.be.an("object"); });`,
    `pm.test("${operationId}: not a server error", function () { pm.expect(pm.response.code).to.be.below(500); });`,
    'if (spec) {',
    '  const type = (pm.response.headers.get("Content-Type") || "").split(";")[0].trim().toLowerCase();',
    '  const jsonOnly = spec.media.length > 0 && spec.media.every(function (m) { return /[/+]json$/.test(m); });',
    `  if (jsonOnly && pm.request.method !== "HEAD") pm.test("${operationId}: media type is documented", function () { pm.expect(spec.media).to.include(type); });`,
    '  spec.headers.forEach(function (h) {',
    `    pm.test("${operationId}: header " + h + " is sent", function () { pm.response.to.have.header(h); });`,
    '  });',
    '  if (spec.schema && pm.request.method !== "HEAD" && pm.response.code !== 304) {',
    `    pm.test("${operationId}: body matches the schema documented for " + status, function () { pm.response.to.have.jsonSchema(spec.schema); });`,
    '  }',
    '}',
    `const groups = ${JSON.stringify(groups)};`,
    'if (pm.response.code === 200 && /json/.test(pm.response.headers.get("Content-Type") || "")) {',
    '  const body = pm.response.json();',
    '  const records = Array.isArray(body.data) ? body.data.slice() : [body];',
    '  // Prefer a record that has produced something (a job with files), so the chain reaches the files.',
    '  const produced = function (r) { return Object.keys(r).some(function (k) { return /Count$/.test(k) && r[k] > 0; }); };',
    '  records.sort(function (a, b) { return Number(produced(b)) - Number(produced(a)); });',
    '  const fits = function (p, v) { return typeof v === "string" && new RegExp(p.pattern).test(v); };',
    '  const fromRecord = function (g, r) {',
    '    const out = {};',
    '    for (const p of g.params) {',
    '      if (p.in !== "path") return null;',
    '      const key = [p.key, "id"].concat(Object.keys(r)).find(function (k) { return fits(p, r[k]); });',
    '      if (!key) return null;',
    '      out[p.key] = r[key];',
    '    }',
    '    return out;',
    '  };',
    '  const fromUrl = function (g, r) {',
    '    for (const k of Object.keys(r)) {',
    '      const v = r[k];',
    '      if (typeof v !== "string" || !/^https?:\\/\\//.test(v)) continue;',
    '      const parts = v.split("?");',
    '      const m = new RegExp(g.path).exec(parts[0]);',
    '      if (!m) continue;',
    '      const out = {};',
    '      g.names.forEach(function (n, i) { out[n] = decodeURIComponent(m[i + 1]); });',
    '      (parts[1] || "").split("&").forEach(function (kv) { const x = kv.split("="); out[decodeURIComponent(x[0])] = decodeURIComponent(x[1] || ""); });',
    '      if (g.params.every(function (p) { return fits(p, out[p.key]); })) return out;',
    '    }',
    '    return null;',
    '  };',
    '  groups.forEach(function (g) {',
    '    for (const r of records) {',
    '      const found = fromRecord(g, r) || fromUrl(g, r);',
    '      if (found) { g.params.forEach(function (p) { pm.collectionVariables.set(p.key, found[p.key]); }); break; }',
    '    }',
    '  });',
    '}',
  ];
}

function paramExample(p: Obj): string {
  const v = p.example ?? p.schema?.example ?? p.schema?.examples?.[0] ?? p.schema?.default ?? '';
  return String(v);
}

/**
 * What a run must fill in: for each operation with required parameters, the group of them (bound together from
 * one record, as a client would: a File binds `jobId` and `fileId`; a signed URL binds the download's five), and
 * one collection variable per parameter name with the spec's example as its default.
 */
function captureGroups(spec: SpecDoc): { groups: Obj[]; variables: Variable[] } {
  const byName = new Map<string, Obj>();
  const groups: Obj[] = [];
  for (const [template, item] of Object.entries<Obj>(spec.paths ?? {})) {
    for (const method of ['get', 'head']) {
      const op = item[method] as Obj | undefined;
      if (!op) continue;
      const required = [...(item.parameters ?? []), ...(op.parameters ?? [])]
        .map((raw: Obj) => resolve(spec, raw) as Obj)
        .filter((p) => p.in === 'path' || (p.in === 'query' && p.required));
      if (!required.length) continue;
      for (const p of required) if (!byName.has(p.name)) byName.set(p.name, p);
      const params = required.map((p) => ({ key: p.name, in: p.in, pattern: p.schema?.pattern ?? (p.schema?.type === 'integer' ? '^\\d+$' : '^.+$') }));
      const path = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, '([^/?]+)');
      const key = JSON.stringify(params);
      if (!groups.some((g) => JSON.stringify(g.params) === key)) groups.push({ params, path: `${path}$`, names: [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]) });
    }
  }
  const variables = [...byName.values()].map((p) => ({ key: p.name, value: paramExample(p), description: `${p.description ?? ''} Captured from earlier answers during a run.`.trim() }));
  return { groups, variables };
}

export function buildCollection(spec: SpecDoc): Obj {
  const { groups, variables } = captureGroups(spec);
  const ops = listOperations(spec);
  const folders = new Map<string, Obj[]>(((spec.tags ?? []) as Obj[]).map((t) => [t.name as string, []]));
  for (const meta of ops) {
    const item = spec.paths[meta.path] as Obj;
    const op = item[meta.method] as Obj;
    const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Obj) => resolve(spec, p) as Obj);
    const pathVars = params.filter((p) => p.in === 'path');
    const query = params
      .filter((p) => p.in === 'query')
      .map((p) => ({ key: p.name, value: p.required ? `{{${p.name}}}` : paramExample(p), description: p.description ?? '', ...(p.required ? {} : { disabled: true }) }));
    const headers = [
      ...(meta.method === 'get' ? [{ key: 'Accept', value: '*/*' }] : []),
      ...params.filter((p) => p.in === 'header').map((p) => ({ key: p.name, value: paramExample(p), description: p.description ?? '', disabled: true })),
    ];
    const segments = meta.path.replace(/^\//, '').split('/').map((s) => s.replace(/^\{(\w+)\}$/, ':$1'));
    const queryRaw = query.filter((q) => !q.disabled).map((q) => `${q.key}=${q.value}`).join('&');
    const request: Obj = {
      method: meta.method.toUpperCase(),
      header: headers,
      url: {
        raw: `{{baseUrl}}/${segments.join('/')}${queryRaw ? `?${queryRaw}` : ''}`,
        host: ['{{baseUrl}}'],
        path: segments,
        ...(query.length ? { query } : {}),
        ...(pathVars.length ? { variable: pathVars.map((p) => ({ key: p.name, value: `{{${p.name}}}`, description: p.description ?? '' })) } : {}),
      },
      description: [op.summary, op.description].filter(Boolean).join('\n\n'),
      ...(meta.public ? { auth: { type: 'noauth' } } : {}),
    };
    const entry = {
      name: meta.operationId,
      request,
      event: [{ listen: 'test', script: { type: 'text/javascript', exec: testScript(meta.operationId, resolve(spec, op.responses) as Obj, groups) } }],
    };
    const tag = meta.tags[0] ?? 'Other';
    if (!folders.has(tag)) folders.set(tag, []);
    folders.get(tag)!.push(entry);
  }
  const tagDescriptions = new Map(((spec.tags ?? []) as Obj[]).map((t) => [t.name as string, (t.description as string) ?? '']));
  return {
    info: {
      name: `${spec.info.title} ${spec.info.version}`,
      description: `${spec.info.summary ?? ''}\n\nGenerated by \`npm run generate\` from openapi/openapi.yaml; do not edit. Set \`baseUrl\` and \`token\` (an API key or JWT), then run the folders top to bottom: each answer fills in the ids the next requests use.`,
      schema: POSTMAN_SCHEMA,
    },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{token}}', type: 'string' }] },
    variable: [
      { key: 'baseUrl', value: (spec.servers?.find((s: Obj) => /localhost/.test(s.url))?.url as string) ?? 'http://localhost:3000', description: 'Where the API is.' },
      { key: 'token', value: '', description: 'A bearer token: an API key (pk_live_…) or an OIDC access token.' },
      ...variables,
    ],
    item: [...folders].filter(([, items]) => items.length).map(([name, items]) => ({ name, description: tagDescriptions.get(name) ?? '', item: items })),
  };
}

export async function generatePostman(outDir: string): Promise<string[]> {
  const spec = JSON.parse(readFileSync(path.join(outDir, 'openapi.json'), 'utf8')) as SpecDoc;
  const file = path.join(outDir, COLLECTION_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(buildCollection(spec), null, 2) + '\n');
  return [COLLECTION_FILE];
}
