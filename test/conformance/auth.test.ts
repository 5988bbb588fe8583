/**
 * The security variants of every operation, derived from each operation's `security` in the spec: protected
 * operations without credentials or with bad ones (401), with a real key lacking the operation's scope (403) and
 * with another tenant's real key (404 for its ids, nothing of the other tenant in lists, its cursors refused);
 * the signed download with its signature moved to another tenant, file or expiry (403). Every answer is also
 * judged against the documented response for its status.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { discover, targetFor, type Binding, type Discovery } from './support/discover.js';
import { send, type RawRequest } from './support/http.js';
import { judge, type Sent } from './support/run.js';
import type { Verdict } from './support/cases.js';
import { ACME_KEY, GLOBEX_KEY, seededDataDir, startServer, type DataDir, type RunningServer } from './support/server.js';
import { loadSpec, operationsOf, type Operation } from './support/spec.js';

// These suites start servers and send thousands of requests; `npm test` runs them beside every other suite.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const ops = operationsOf(loadSpec());
const protectedOps = ops.filter((o) => !o.public);
const signedOps = ops.filter((o) => o.public && o.parameters.some((p) => p.in === 'query' && p.required));

let data: DataDir;
let server: RunningServer;
let acme: Discovery;
let globex: Discovery;

beforeAll(async () => {
  data = await seededDataDir();
  server = await startServer({ dataDir: data.dir });
  acme = await discover(server.url, ops, ACME_KEY, 10);
  globex = await discover(server.url, ops, GLOBEX_KEY, 10);
}, 180_000);
afterAll(async () => {
  await server?.close();
  data?.remove();
});

const bindingOf = (d: Discovery, op: Operation): Binding => d.bindings.get(op.operationId)?.[0] ?? { path: {}, query: {} };

/** Sends, judges against the contract, and returns the answer's parsed body. */
async function expectAnswer(op: Operation, req: RawRequest, v: Verdict, status: number): Promise<Record<string, unknown>> {
  const answer = await send(server.url, req);
  const sent: Sent = { method: req.method, target: req.target, headers: req.headers ?? {}, answer };
  expect(judge(op, v, sent), `${req.method} ${req.target}`).toEqual([]);
  expect(answer.status, `${req.method} ${req.target}: ${answer.body.toString('utf8').slice(0, 300)}`).toBe(status);
  const json = /json/.test(String(answer.headers['content-type'])) && answer.body.length > 0;
  return json ? (JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>) : {};
}

const get = (op: Operation, b: Binding, headers: Record<string, string> = {}, extra: [string, string][] = []): RawRequest => ({
  method: op.method === 'head' ? 'HEAD' : 'GET',
  target: targetFor(op, b, extra),
  headers,
});

const VALID: Verdict = { kind: 'valid' };

describe.each(protectedOps.map((op) => [op.operationId, op] as const))('%s (protected)', (_id, op) => {
  it('documents 401 and 403, and names at least one scope', () => {
    expect(op.responses.has('401')).toBe(true);
    expect(op.responses.has('403')).toBe(true);
    expect(op.scopes.length).toBeGreaterThan(0);
  });

  it('works with a real key holding its scopes (the baseline the variants differ from)', async () => {
    await expectAnswer(op, get(op, bindingOf(acme, op), { Authorization: `Bearer ${ACME_KEY}` }), VALID, 200);
  });

  it.each([
    ['no Authorization header', undefined],
    ['an empty bearer token', 'Bearer '],
    ['another scheme', `Basic ${Buffer.from('acme:secret').toString('base64')}`],
    ['an unknown API key', 'Bearer pk_live_0000000000000000000000000000000000'],
    ['a real key with a byte changed', `Bearer ${ACME_KEY.slice(0, -1)}X`],
    ['a real key with a suffix', `Bearer ${ACME_KEY}0`],
    ['an unsigned JWT', 'Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4Iiwic2NvcGUiOiJjb250YWN0czpyZWFkIGpvYnM6cmVhZCBmaWxlczpyZWFkIn0.'],
    ['two tokens', `Bearer ${ACME_KEY} ${GLOBEX_KEY}`],
  ])('answers 401 to %s', async (_label, authorization) => {
    const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization };
    const body = await expectAnswer(op, get(op, bindingOf(acme, op), headers), VALID, 401);
    expect(body.type).toMatch(/unauthorized/);
    expect(JSON.stringify(body)).not.toContain(ACME_KEY);
  });

  it('answers 403 to a real key without the scope the spec names, and only to that one', async () => {
    for (const scope of op.scopes) {
      const body = await expectAnswer(op, get(op, bindingOf(acme, op), { Authorization: `Bearer ${data.keysWithout[scope]}` }), VALID, 403);
      expect(String(body.detail)).toContain(scope);
    }
    // A key missing some *other* scope still works: the 403 is about this operation's scope.
    const other = Object.keys(data.keysWithout).find((s) => !op.scopes.includes(s))!;
    await expectAnswer(op, get(op, bindingOf(acme, op), { Authorization: `Bearer ${data.keysWithout[other]}` }), VALID, 200);
  });

  it("answers another tenant's key as if the resource did not exist", async () => {
    const b = bindingOf(acme, op);
    const globexAuth = { Authorization: `Bearer ${GLOBEX_KEY}` };
    if (Object.keys(b.path).length > 0) {
      const foreign = await expectAnswer(op, get(op, b, globexAuth), VALID, 404);
      // The same answer as for an id that exists nowhere (only the id itself may differ in the text).
      const missing: Binding = { path: Object.fromEntries(Object.entries(b.path).map(([k, v]) => [k, v.slice(0, 4) + 'A'.repeat(v.length - 4)])), query: {} };
      const nowhere = await expectAnswer(op, get(op, missing, globexAuth), VALID, 404);
      expect({ ...foreign, traceId: '', instance: '' }).toEqual({ ...nowhere, traceId: '', instance: '' });
      return;
    }
    // A list: the other tenant's page holds none of this tenant's ids, and this tenant's cursor is refused.
    const page = await expectAnswer(op, get(op, b, globexAuth), VALID, 200);
    if (!Array.isArray(page.data)) {
      // Not a list but a report on the caller's own tenant (getUsage): it names the other tenant, never this one.
      expect(page.tenantId).toBe('ten_globex');
      return;
    }
    const acmeIds = new Set(acme.records.map((r) => r.id).filter((id) => typeof id === 'string'));
    const globexIds = (page.data as { id: string }[]).map((r) => r.id);
    expect(globexIds.length).toBeGreaterThan(0);
    expect(globexIds.filter((id) => acmeIds.has(id))).toEqual([]);
    if (op.parameters.some((p) => p.name === 'cursor')) {
      const first = await expectAnswer(op, get(op, b, { Authorization: `Bearer ${ACME_KEY}` }, [['limit', '1']]), VALID, 200);
      expect(typeof first.nextCursor).toBe('string');
      const cursorVerdict: Verdict = { kind: 'invalid', params: [{ name: 'cursor', in: 'query' }] };
      await expectAnswer(op, get(op, b, globexAuth, [['limit', '1'], ['cursor', first.nextCursor as string]]), cursorVerdict, 400);
    }
  });
});

describe.each(signedOps.map((op) => [op.operationId, op] as const))('%s (signed URL, no Authorization)', (_id, op) => {
  const swap = (b: Binding, change: Partial<Binding['query']>, path: Partial<Binding['path']> = {}): Binding => ({
    path: { ...b.path, ...path } as Record<string, string>,
    query: { ...b.query, ...change } as Record<string, string>,
  });

  it('works with the real signed URL, with or without a bearer token, and serves the bytes the metadata describes', async () => {
    const b = bindingOf(acme, op);
    await expectAnswer(op, get(op, b), VALID, 200);
    await expectAnswer(op, get(op, b, { Authorization: `Bearer ${GLOBEX_KEY}` }), VALID, 200);
    // The File schema says `size` is the byte count and `sha256` the hex SHA-256 of the bytes: hold the download to it.
    const file = acme.records.find((r) => r.id === b.path.fileId && typeof r.sha256 === 'string')!;
    const answer = await send(server.url, get(op, b));
    expect(Number(answer.headers['content-length'])).toBe(file.size);
    if (op.method === 'get') {
      expect(answer.body.length).toBe(file.size);
      expect(createHash('sha256').update(answer.body).digest('hex')).toBe(file.sha256);
    }
  });

  it('answers 403 when the signature is moved to another tenant, file, key id or expiry', async () => {
    const b = bindingOf(acme, op);
    const otherFile = acme.bindings.get(op.operationId)!.find((x) => x.path.fileId !== b.path.fileId)!;
    const globexFile = bindingOf(globex, op);
    const variants: Binding[] = [
      swap(b, { tenant: 'ten_globex' }),
      swap(b, {}, { fileId: otherFile.path.fileId }),
      swap(b, { tenant: 'ten_globex' }, { fileId: globexFile.path.fileId }),
      swap(b, { kid: 'other' }),
      swap(b, { expires: String(Number(b.query.expires) + 1) }),
      swap(b, { expires: '1000000000' }),
      swap(b, { sig: b.query.sig!.slice(0, -2) + (b.query.sig!.endsWith('AA') ? 'BB' : 'AA') }),
    ];
    for (const v of variants) {
      const body = await expectAnswer(op, get(op, v), VALID, 403);
      if (op.method === 'get') expect(JSON.stringify(body)).not.toContain(b.query.sig);
    }
  });
});
