/**
 * Request hygiene: methods, bodies, traversal payloads (never a 5xx, never another tenant's data), URL length,
 * and the server's own limits (header size, slow headers) answered as problems over a real socket.
 */
import { connect } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { pathProblem, pathProblemChecked, refusedParts } from '../../src/security/method-guard.js';
import { applyServerHardening, serverOptions } from '../../src/security/server-hardening.js';
import { buildApp, KeyRing } from './harness.js';

const KEY = 'pk_live_GuardKeyGuardKeyGuard0001';
const keys = new KeyRing();
keys.add(KEY, { tenantId: 'ten_acme' });
const auth = `Bearer ${KEY}`;

describe('methods and bodies', () => {
  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('%s → 405 with Allow', async (method) => {
    const { app } = buildApp({ keys });
    const res = await request(app)[method.toLowerCase() as 'post']('/v1/contacts').set('Authorization', auth);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('an unknown method (TRACE) → 405', async () => {
    const { app } = buildApp({ keys });
    const res = await request(app).trace('/v1/contacts');
    expect(res.status).toBe(405);
  });

  it('a GET with a body → 400', async () => {
    const { app } = buildApp({ keys });
    const res = await request(app).get('/v1/contacts').set('Authorization', auth).set('Content-Type', 'application/json').send('{"a":1}');
    expect(res.status).toBe(400);
    expect(res.text).toContain('Request bodies are not accepted');
  });

  it('HEAD works and carries no body', async () => {
    const { app } = buildApp({ keys });
    const res = await request(app).head('/v1/contacts').set('Authorization', auth);
    expect(res.status).toBe(200);
    expect(res.text ?? '').toBe('');
  });
});

// Raw request targets, sent as-is (supertest would normalise some of them).
const TRAVERSALS = [
  '/v1/contacts/..%2fjobs',
  '/v1/contacts/%2e%2e%2fjobs',
  '/v1/contacts/%2e%2e/jobs',
  '/v1/contacts/..%252fjobs',
  '/v1/contacts/%252e%252e%252fjobs',
  '/v1/contacts/..%5cjobs',
  '/v1/contacts/..\\jobs',
  '/v1/contacts/con_x%00',
  '/v1/contacts?q=a%00b',
  '/v1/jobs/../contacts',
  '/v1/jobs/./x',
  '/v1/jobs/job_1%2F..%2F..%2Fcontacts',
  '/v1/jobs/%c0%ae%c0%ae/x',
  '/v1/jobs/%E0%80%AF',
  '/v1//contacts',
  '/v1/contacts/%',
  '/v1/contacts/%zz',
  '/v1/contacts/con_%0d%0aSet-Cookie:x',
];

function rawGet(server: Server, target: string, extra = ''): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${auth}\r\nConnection: close\r\n${extra}\r\n`);
    });
    let data = '';
    sock.on('data', (c) => (data += c.toString('latin1')));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
}

describe('path hygiene', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  async function listen(opts: Parameters<typeof serverOptions>[0] = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, maxHeaderSize: 16_384 }) {
    const owners = new Map([['jobs', 'ten_globex']]);
    const { app } = buildApp({ keys, owners });
    server = createServer(serverOptions(opts), app);
    applyServerHardening(server, opts);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return server;
  }

  it.each(TRAVERSALS)('%s → 400 or 404, never 5xx, never data', async (target) => {
    const s = await listen();
    const raw = await rawGet(s, target);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
    expect([400, 404]).toContain(status);
    expect(raw).toMatch(/content-type: application\/problem\+json/i);
    expect(raw).not.toContain('"items"');
    expect(raw).not.toMatch(/^set-cookie/im);
  });

  it('the pure check agrees: clean paths pass, payloads fail', () => {
    expect(pathProblem('/v1/jobs/job_7hR2mK9pQ4xW1nV8bT3cZs/files?limit=5&cursor=a.b')).toBeNull();
    expect(pathProblem('/docs')).toBeNull();
    for (const t of TRAVERSALS.filter((p) => !p.startsWith('/v1/jobs/%E0') && !p.includes('%c0'))) expect(pathProblem(t)).not.toBeNull();
  });

  it('the fast path never passes a target the full checks refuse, and every refusal names a part (random targets from a hostile alphabet)', () => {
    const alphabet = ['/', '.', '%', '2', 'e', 'f', '5', 'c', '0', '\\', '\0', '\n', '?', '&', '=', 'a', '_', '-', '~', 'Z', '9', ' ', '#'];
    const target = fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((cs) => `/${cs.join('')}`);
    let fast = 0;
    fc.assert(
      fc.property(target, (t) => {
        if (pathProblem(t) === null && pathProblemChecked(t) === null) fast += 1;
        expect(pathProblem(t)).toBe(pathProblemChecked(t));
        // Whatever is refused is named in errors[] (a path segment or a query parameter).
        if (pathProblemChecked(t) !== null) expect(refusedParts(t).length, t).toBeGreaterThan(0);
      }),
      { numRuns: 20_000 },
    );
    // Both outcomes occurred, so the property was exercised on clean and refused targets alike.
    expect(fast).toBeGreaterThan(100);
    for (const t of ['/v1/contacts', '/v1/jobs/job_1/files?limit=5&cursor=a.b', '/v1/contacts/', '/v1/contacts?q=a%00', '/v1//contacts', '/v1/./x'])
      expect(pathProblem(t)).toBe(pathProblemChecked(t));
  });

  it('an over-long URL → 414 problem', async () => {
    const s = await listen();
    const raw = await rawGet(s, `/v1/contacts?q=${'a'.repeat(3000)}`);
    expect(raw).toMatch(/^HTTP\/1\.1 414/);
    expect(raw).toMatch(/problem\+json/);
  });

  it('oversized headers → 431 problem from the server itself', async () => {
    const s = await listen({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, maxHeaderSize: 4096 });
    const raw = await rawGet(s, '/v1/health', `X-Big: ${'b'.repeat(8000)}\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 431/);
    expect(raw).toMatch(/application\/problem\+json/);
    expect(raw).toMatch(/Strict-Transport-Security: max-age=31536000; includeSubDomains/);
  });

  it('a client that never finishes its headers (slowloris) is cut off with 408', async () => {
    const s = await listen({ headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 65_000, maxHeaderSize: 16_384 });
    const { port } = s.address() as AddressInfo;
    const started = Date.now();
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => sock.write('GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: '));
      let data = '';
      sock.on('data', (c) => (data += c.toString()));
      sock.on('close', () => resolve(data));
      sock.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 408/);
    // Generous: the check runs every 250 ms; the point is that it ends long before the 30 s default check.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('serverOptions keeps headersTimeout ≤ requestTimeout and keep-alive above the LB idle timeout by default', () => {
    const o = serverOptions({ headersTimeoutMs: 60_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, maxHeaderSize: 16_384 });
    expect(o.headersTimeout).toBe(30_000);
    expect(o.keepAliveTimeout).toBeGreaterThan(60_000);
  });
});
