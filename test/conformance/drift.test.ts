/**
 * The safety net, proven by planting bugs: the same properties conformance.test.ts runs, against servers whose
 * backend drifts from the contract between the store and the handlers. Each planted bug must make the property
 * fail with a reproducible report (the seed, the replay path, the raw request); with response validation on, the
 * drift surfaces as a 500, and with it off, the suite's own schema check names the bad field.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Backend, JobRecord } from '../../src/backend/port.js';
import { discover, type Discovery } from './support/discover.js';
import { checkOperation, type RunContext } from './support/run.js';
import { ACME_KEY, seededDataDir, startServer, type DataDir, type RunningServer } from './support/server.js';
import { loadSpec, operationsOf, type Operation } from './support/spec.js';

// These suites start servers and send thousands of requests; `npm test` runs them beside every other suite.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const ops = operationsOf(loadSpec());
const op = (id: string): Operation => ops.find((o) => o.operationId === id)!;
const SEED = 20251103;

let data: DataDir;
let found: Discovery;
const servers: RunningServer[] = [];

beforeAll(async () => {
  data = await seededDataDir();
  const clean = await startServer({ dataDir: data.dir });
  servers.push(clean);
  found = await discover(clean.url, ops, ACME_KEY, 20);
}, 180_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  data?.remove();
});

async function planted(wrapBackend: (b: Backend) => Partial<Backend>, env: Record<string, string> = {}): Promise<RunContext> {
  const s = await startServer({ dataDir: data.dir, wrapBackend, env });
  servers.push(s);
  return { url: s.url, token: ACME_KEY, counts: new Map() };
}

/** Runs the property and returns fast-check's report, failing the test if the property held. */
async function failure(ctx: RunContext, operationId: string, kind: 'valid' | 'invalid', numRuns = 60): Promise<string> {
  const inputs = { op: op(operationId), bindings: found.bindings.get(operationId) ?? [] };
  try {
    await checkOperation(ctx, inputs, kind, { numRuns, seed: SEED });
  } catch (err) {
    const e = err as Error & { cause?: Error };
    return `${e.message}\n${e.cause?.message ?? ''}`;
  }
  throw new Error(`the planted bug in ${operationId} went unnoticed in ${numRuns} ${kind} cases`);
}

const driftJob = (change: (j: JobRecord) => Record<string, unknown>) => (b: Backend) => ({
  getJob: async (...args: Parameters<Backend['getJob']>) => {
    const job = await b.getJob(...args);
    return job && (change(job) as unknown as JobRecord);
  },
});

describe('planted drift is caught', () => {
  it('a clean server passes the same properties (so the failures below are the planted bugs)', async () => {
    const ctx = { url: servers[0]!.url, token: ACME_KEY, counts: new Map() };
    for (const id of ['getJob', 'listJobs', 'listContacts']) {
      await checkOperation(ctx, { op: op(id), bindings: found.bindings.get(id) ?? [] }, 'valid', { numRuns: 60, seed: SEED });
    }
  });

  it('progress: 101 (out of range) with response validation on → 500, reported with seed and request', async () => {
    const report = await failure(await planted(driftJob((j) => ({ ...j, progress: 101 }))), 'getJob', 'valid');
    expect(report).toContain(`seed: ${SEED}`);
    expect(report).toMatch(/Counterexample/);
    expect(report).toMatch(/GET \/v1\/jobs\/[^ ]+ .*→ 500/);
    expect(report).toContain('a server error is never an answer');
  });

  it('progress: 101 with response validation off → the suite’s own schema check names the field', async () => {
    const report = await failure(await planted(driftJob((j) => ({ ...j, progress: 101 })), { PORTAL_RESPONSE_VALIDATION: 'off' }), 'getJob', 'valid');
    expect(report).toMatch(/→ 200/);
    expect(report).toMatch(/body \/progress must be <= 100/);
  });

  it('a field of an undocumented type (fileCount as a string) and an undocumented field are caught', async () => {
    const off = { PORTAL_RESPONSE_VALIDATION: 'off' };
    const typed = await failure(await planted(driftJob((j) => ({ ...j, fileCount: String(j.fileCount) })), off), 'getJob', 'valid');
    expect(typed).toMatch(/body \/fileCount must be integer/);
    const extra = await failure(await planted(driftJob((j) => ({ ...j, tenantId: 'ten_acme' })), off), 'getJob', 'valid');
    expect(extra).toMatch(/must NOT have additional properties.*tenantId/);
  });

  it('a 500 on a boundary value (limit = the maximum) is found and shrunk to a replayable case', async () => {
    const bug = (b: Backend) => ({
      listJobs: async (...args: Parameters<Backend['listJobs']>) => {
        if (args[2].limit === 100) throw new Error('planted: off-by-one at the maximum page size');
        return b.listJobs(...args);
      },
    });
    const ctx = await planted(bug);
    const report = await failure(ctx, 'listJobs', 'valid');
    expect(report).toMatch(/GET \/v1\/jobs\?[^ ]*limit=100[^ ]* .*→ 500/);
    // The same seed finds the same counterexample: FC_SEED replays a CI failure locally.
    const again = await failure(ctx, 'listJobs', 'valid');
    const counterexample = (r: string) => /Counterexample: (.*)/.exec(r)?.[1];
    expect(counterexample(again)).toBe(counterexample(report));
  });

  it('a 500 on some parameter values (search text beyond printable ASCII) is found', async () => {
    const bug = (b: Backend) => ({
      listContacts: async (...args: Parameters<Backend['listContacts']>) => {
        if (/[^\x20-\x7e]/.test(args[1].q ?? '')) throw new Error('planted: the search breaks beyond printable ASCII');
        return b.listContacts(...args);
      },
    });
    const report = await failure(await planted(bug), 'listContacts', 'valid');
    expect(report).toMatch(/GET \/v1\/contacts\?[^ ]*q=[^ &]*%[0-9A-F]{2}[^ ]* .*→ 500/);
  });
});
