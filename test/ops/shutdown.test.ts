/**
 * Graceful shutdown of the real process (production mode, its own seeded SQLite data dir): SIGTERM under
 * continuous load from several keep-alive clients fails no accepted request, /readyz turns 503 at once while
 * /livez stays 200, in-flight requests finish (or are aborted at the deadline), the process exits 0 within the
 * deadline and its last log line ("shutdown complete") reaches stdout.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACME_KEY, freePort, logRecords, productionEnv, startPortal, type PortalProcess } from '../../scripts/bench/portal-process.js';
import { seedDemoData } from '../../scripts/bench/seed-data.js';
import { get, newOutcome, runClient } from './load-client.js';

const AUTH = { Authorization: `Bearer ${ACME_KEY}` };
const RAISED_LIMITS = { PORTAL_RATE_LIMIT_PER_MINUTE: '1000000', PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '1000000', PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dataDir: string;
let running: PortalProcess | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-ops-shutdown-'));
  await seedDemoData({ dataDir });
});
afterEach(async () => {
  await running?.stop('SIGKILL');
  running = undefined;
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function start(extra: Record<string, string>): Promise<PortalProcess> {
  const env = productionEnv(await freePort(), await freePort(), { PORTAL_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...RAISED_LIMITS, ...extra });
  running = await startPortal({ env });
  return running;
}

async function status(url: string): Promise<number | string> {
  try {
    return (await get(url, { timeoutMs: 3000 })).status;
  } catch (err) {
    return (err as { code?: string }).code ?? 'error';
  }
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(25);
  }
  return false;
}

/** The biggest demo file of ten_acme, through the API: its signed URL and checksum. */
async function biggestFile(p: PortalProcess): Promise<{ url: string; size: number; sha256: string }> {
  const jobs = JSON.parse((await get(`${p.url}/v1/jobs?limit=100`, { headers: AUTH })).body.toString()) as { data: { id: string }[] };
  let best: { url: string; size: number; sha256: string } | undefined;
  for (const job of jobs.data) {
    const files = JSON.parse((await get(`${p.url}/v1/jobs/${job.id}/files`, { headers: AUTH })).body.toString()) as {
      data: { size: number; sha256: string; downloadUrl: string }[];
    };
    for (const f of files.data) if (!best || f.size > best.size) best = { url: f.downloadUrl, size: f.size, sha256: f.sha256 };
  }
  if (!best || best.size < 1_000_000) throw new Error('the demo data has no large file');
  return best;
}

/**
 * Several pipelined downloads of one big file over a raw socket that reads nothing until `resume()`. Loopback
 * socket buffers absorb one 3 MB response whole, so the stall needs more bytes than that: the server accepts all
 * the requests and writes them in order, and the later ones stay in flight until the client reads.
 */
function stalledDownload(url: string, copies = 6) {
  const u = new URL(url);
  const socket = net.connect(Number(u.port), u.hostname);
  socket.pause();
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => {});
  const request = (last: boolean) => `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;
  const connected = once(socket, 'connect').then(() => {
    socket.write(Array.from({ length: copies }, (_, i) => request(i === copies - 1)).join(''));
  });
  const done = new Promise<{ complete: boolean; bodies: Buffer[]; statuses: number[] }>((resolve) => {
    socket.once('close', () => {
      let rest = Buffer.concat(chunks);
      const bodies: Buffer[] = [];
      const statuses: number[] = [];
      for (;;) {
        const split = rest.indexOf('\r\n\r\n');
        if (split < 0) break;
        const head = rest.subarray(0, split).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        statuses.push(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0));
        bodies.push(rest.subarray(split + 4, split + 4 + length));
        rest = rest.subarray(split + 4 + length);
      }
      const expected = bodies[0]?.length ?? -1;
      resolve({ statuses, bodies, complete: bodies.length === copies && bodies.every((b) => b.length === expected) });
    });
  });
  // The server reads the requests within milliseconds; half a second later it is stuck writing.
  return { started: connected.then(() => sleep(500)).then(() => true), resume: () => socket.resume(), done };
}

describe('SIGTERM under continuous keep-alive load', () => {
  it('fails no accepted request, flips readiness at once, keeps /livez up and exits 0 within the deadline', async () => {
    const drainMs = 1500;
    const timeoutMs = 10_000;
    const p = await start({ PORTAL_SHUTDOWN_DRAIN_MS: String(drainMs), PORTAL_SHUTDOWN_TIMEOUT_MS: String(timeoutMs) });
    const outcome = newOutcome();
    let exited = false;
    void p.exited.then(() => (exited = true));
    const clients = Array.from({ length: 6 }, () => runClient(`${p.url}/v1/contacts?limit=5`, AUTH, outcome, () => exited));

    expect(await until(async () => outcome.responses >= 60, 20_000)).toBe(true);
    expect(await status(`${p.adminUrl}/readyz`)).toBe(200);
    // Readiness also names the backend's resilience pipeline: embedded SQLite here (retry + bulkhead only).
    expect(await (await fetch(`${p.adminUrl}/readyz`)).json()).toEqual({ status: 'ready', backend: { name: 'sql', pipeline: 'embedded' } });
    const beforeSignal = outcome.responses;
    const signalledAt = Date.now();
    p.child.kill('SIGTERM');

    // Readiness turns 503 at once (well inside the drain delay), liveness stays 200.
    expect(await until(async () => (await status(`${p.adminUrl}/readyz`)) === 503, 1000)).toBe(true);
    expect(Date.now() - signalledAt).toBeLessThan(drainMs);
    expect(await status(`${p.adminUrl}/livez`)).toBe(200);
    // The server keeps serving during the drain delay (the load balancer is still catching up).
    const duringDrain = outcome.responses;
    await sleep(drainMs / 2);
    expect(outcome.responses).toBeGreaterThan(duringDrain);

    const exit = await p.exited;
    const elapsed = Date.now() - signalledAt;
    await Promise.all(clients);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeLessThan(timeoutMs);
    expect(outcome.failures).toEqual([]);
    // No idle keep-alive socket was closed under a request on its way (busy clients are told to close instead).
    expect(outcome.notAccepted).toBe(0);
    expect(Object.keys(outcome.byStatus)).toEqual(['200']);
    expect(outcome.responses).toBeGreaterThan(beforeSignal);
    // Once the listener stops, clients are told to close and then find the port shut.
    expect(outcome.refused).toBe(6);

    // Every request the server accepted (it logs each one when its response closes) reached its client whole.
    const records = logRecords(p.stdout());
    const accepted = records.filter((r) => r.msg === 'request' && r.route === '/v1/contacts');
    expect(accepted.length).toBe(outcome.responses);
    expect(accepted.every((r) => r.status === 200)).toBe(true);
    const messages = records.map((r) => r.msg);
    expect(messages).toContain('shutting down: readiness off, draining');
    expect(messages.at(-1)).toBe('shutdown complete');
  });
});

describe('in-flight requests at shutdown', () => {
  it('waits for a slow in-flight download to finish (listener closed, /livez still 200) before exiting', async () => {
    const p = await start({ PORTAL_SHUTDOWN_DRAIN_MS: '300', PORTAL_SHUTDOWN_TIMEOUT_MS: '15000' });
    const file = await biggestFile(p);
    const download = stalledDownload(file.url);
    expect(await download.started).toBe(true);

    p.child.kill('SIGTERM');
    await sleep(1500);
    // Past the drain delay: no new connections, but the process waits for the download and stays live.
    expect(p.child.exitCode).toBeNull();
    expect(await status(`${p.url}/v1/health`)).toBe('ECONNREFUSED');
    expect(await status(`${p.adminUrl}/readyz`)).toBe(503);
    expect(await status(`${p.adminUrl}/livez`)).toBe(200);

    download.resume();
    const result = await download.done;
    expect(result.statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(result.complete).toBe(true);
    for (const body of result.bodies) expect(createHash('sha256').update(body).digest('hex')).toBe(file.sha256);

    expect(await p.exited).toEqual({ code: 0, signal: null });
    const records = logRecords(p.stdout());
    const messages = records.map((r) => r.msg);
    expect(messages).not.toContain('shutdown deadline reached: aborting in-flight requests');
    expect(messages).toContain('shutdown complete');
    // Nothing written during the wait was lost: an access line and an audit line per download.
    expect(records.filter((r) => r.msg === 'request' && r.operationId === 'downloadFile' && r.status === 200)).toHaveLength(6);
    expect(records.filter((r) => r.msg === 'file.downloaded' && r.completed === true)).toHaveLength(6);
  });

  it('aborts what is still in flight at the deadline and still exits 0', async () => {
    const timeoutMs = 1500;
    const p = await start({ PORTAL_SHUTDOWN_DRAIN_MS: '200', PORTAL_SHUTDOWN_TIMEOUT_MS: String(timeoutMs) });
    const file = await biggestFile(p);
    const download = stalledDownload(file.url);
    expect(await download.started).toBe(true);

    const signalledAt = Date.now();
    p.child.kill('SIGTERM');
    const exit = await p.exited;
    const elapsed = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs);
    // Deadline + the 1 s grace for aborted handlers + cleanup; generous for a loaded CI machine.
    expect(elapsed).toBeLessThan(timeoutMs + 6000);
    download.resume();
    const result = await download.done;
    expect(result.complete).toBe(false);

    const records = logRecords(p.stdout());
    const messages = records.map((r) => r.msg);
    expect(messages).toContain('shutdown deadline reached: aborting in-flight requests');
    // Written last: the aborted requests' own lines (access, audit) come before it, never lost behind the exit.
    expect(messages.at(-1)).toBe('shutdown complete');
    // The aborted downloads are on record as incomplete.
    expect(records.filter((r) => r.msg === 'file.downloaded' && r.completed === false).length).toBeGreaterThan(0);
  });
});
