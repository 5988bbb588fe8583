/**
 * The contract keeps the implementation honest: for every operation in generated/openapi.json, generated valid
 * and invalid requests against a real listening server with the demo data and a real API key. Cases come from
 * the parameter schemas alone (support/cases.ts); answers are judged against the documented responses
 * (support/check.ts, support/run.ts).
 *
 * Budget: CONFORMANCE_RUNS cases per operation (default 300: a third valid, the rest invalid), plus the requests
 * that fetch real cursors and ETags. Seed: FC_SEED (printed at the start; a failure prints it with the replay
 * path and the raw request).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { discover, type Discovery } from './support/discover.js';
import { send } from './support/http.js';
import { boundaryCases, realValuesFor, verdict, type Case } from './support/cases.js';
import { FINDINGS, triage } from './support/findings.js';
import { checkOperation, judge, runCase, type RunContext } from './support/run.js';
import { ACME_KEY, seededDataDir, startServer, type DataDir, type RunningServer } from './support/server.js';
import { ROOT, loadSpec, operationsOf } from './support/spec.js';

// These suites start servers and send thousands of requests; `npm test` runs them beside every other suite.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new Error(`${name}=${JSON.stringify(raw)}: expected an integer`);
  return Number(raw);
}
const RUNS = Math.max(3, intFromEnv('CONFORMANCE_RUNS', 300));
const SEED = intFromEnv('FC_SEED', (Date.now() ^ (Math.random() * 0x7fffffff)) | 0);
const ops = operationsOf(loadSpec());

let data: DataDir;
let server: RunningServer;
let found: Discovery;
const ctx: RunContext = { url: '', token: ACME_KEY, counts: new Map(), statuses: new Map() };

beforeAll(async () => {
  console.log(`conformance: FC_SEED=${SEED} CONFORMANCE_RUNS=${RUNS} (replay a failure with FC_SEED=${SEED})`);
  data = await seededDataDir();
  server = await startServer({ dataDir: data.dir });
  ctx.url = server.url;
  found = await discover(server.url, ops, ACME_KEY);
}, 180_000);

afterAll(async () => {
  await server?.close();
  data?.remove();
  if (ctx.counts.size === 0) return;
  const rows = [...ctx.counts].map(([op, byLabel]) => {
    const seen = ctx.statuses?.get(op) ?? new Map<number, number>();
    const documented = [...(ops.find((o) => o.operationId === op)?.responses.keys() ?? [])];
    return {
      op,
      total: [...byLabel.values()].reduce((a, b) => a + b, 0),
      byLabel: Object.fromEntries(byLabel),
      statuses: Object.fromEntries([...seen].sort(([a], [b]) => a - b)),
      documentedNotSeen: documented.filter((s) => !seen.has(Number(s))),
    };
  });
  const total = rows.reduce((a, r) => a + r.total, 0);
  console.log(
    `conformance cases per operation (seed ${SEED}, discovery ${found?.requests ?? 0} requests):\n` +
      rows
        .map(
          (r) =>
            `  ${r.op.padEnd(18)} ${String(r.total).padStart(5)}  ${Object.entries(r.byLabel).map(([k, v]) => `${k} ${v}`).join(', ')}\n` +
            `  ${''.padEnd(24)} statuses ${Object.entries(r.statuses).map(([k, v]) => `${k}×${v}`).join(' ')}; documented, not produced here: ${r.documentedNotSeen.join(' ') || 'none'}`,
        )
        .join('\n') +
      `\n  ${'total'.padEnd(18)} ${String(total).padStart(5)}`,
  );
  const dir = path.join(ROOT, 'reports/conformance');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'cases.json'), JSON.stringify({ seed: SEED, runsPerOperation: RUNS, total, operations: rows }, null, 2) + '\n');
});

describe('every operation of the contract', () => {
  it('is found by the discovery crawl with real values for its required parameters', () => {
    for (const op of ops) {
      const needs = op.parameters.some((p) => p.required);
      if (needs) expect(found.bindings.get(op.operationId)?.length ?? 0, `${op.operationId}: no real binding found`).toBeGreaterThan(0);
    }
  });

  for (const op of ops) {
    describe(op.operationId, () => {
      const inputs = () => ({ op, bindings: found.bindings.get(op.operationId) ?? [], realValues: realValuesFor(op, found.records) });
      it('boundary values (each enum value, min/max, shortest/longest strings, real ids, cursors, ETags) get a documented answer', async () => {
        const failures: string[] = [];
        for (const c of boundaryCases(inputs())) await runCase(ctx, op, c).catch((e: Error) => failures.push(e.message));
        expect(failures).toEqual([]);
      });
      it('valid requests get a documented answer that matches its schema', async () => {
        await checkOperation(ctx, inputs(), 'valid', { numRuns: Math.ceil(RUNS / 3), seed: SEED });
      });
      it('invalid requests get a documented 400 problem naming the parameter, never a 5xx', async () => {
        // Without parameters the only mutation is an unknown one: a tenth of the budget says all there is to say.
        const runs = RUNS - Math.ceil(RUNS / 3);
        await checkOperation(ctx, inputs(), 'invalid', { numRuns: op.parameters.length ? runs : Math.ceil(runs / 10), seed: SEED });
      });
    });
  }
});

describe('known findings (support/findings.ts) still reproduce', () => {
  // A finding that no longer reproduces was fixed: delete it, and the cases it excused are held to the contract.
  it.each(FINDINGS.map((f) => [f.id, f] as const))('%s', async (_id, f) => {
    const op = ops.find((o) => o.operationId === f.probe.operationId)!;
    const req = f.probe.request(found.bindings.get(op.operationId)?.[0]);
    const headers: Record<string, string> = op.public ? {} : { Authorization: `Bearer ${ACME_KEY}` };
    const answer = await send(server.url, { ...req, headers: { ...headers, ...req.headers } });
    const sent = { method: req.method, target: req.target, headers, answer };
    const violations = judge(op, verdict(op, caseOf(req.target)), sent);
    const { explainedBy, unexplained } = triage(op, sent, violations);
    console.log(`known finding ${f.id}: ${f.summary}`);
    expect(unexplained).toEqual([]);
    expect([...explainedBy]).toContain(f.id);
  });
});

/** A raw target as a Case, so the oracle can judge a hand-written probe like a generated request. */
function caseOf(target: string): Case {
  const [pathPart, queryPart = ''] = target.split('?') as [string, string?];
  const op = ops.find((o) => new RegExp(`^${o.path.replace(/\{\w+\}/g, '[^/]*')}$`).test(pathPart))!;
  const names: string[] = [];
  const re = new RegExp(`^${op.path.replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]*)'))}$`);
  const m = re.exec(pathPart)!;
  const query = queryPart ? queryPart.split('&').map((kv) => [kv.split('=')[0]!, kv.split('=').slice(1).join('=')] as [string, string]) : [];
  return { kind: 'invalid', label: 'probe', binding: 0, path: Object.fromEntries(names.map((n, i) => [n, m[i + 1]!])), query, headers: {}, dynamic: [] };
}
