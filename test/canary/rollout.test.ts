/**
 * The canary gate end to end (`npm run canary`'s runCanary) on the real engines: HAProxy weights changed through its
 * runtime API, Prometheus scraping both builds with the project's rules, the builds on PostgreSQL and Redis, and
 * 400 req/s of paced load through HAProxy for the whole rollout.
 *   - A good canary is promoted 5 → 25 → 50 → 100 % with zero failed requests across every weight change, each
 *     phase sending the canary its share of the traffic. Two real builds: stable is the committed HEAD (a `git:`
 *     build, run from source), the canary this checkout as the container image lays it out (the Dockerfile's
 *     runtime stage assembled on disk, run compiled with `node dist/src/server.js`).
 *   - A canary answering 5 % with 500 and one adding 300 ms (the test-only faults) are each rolled back by the
 *     first analysis of phase 1, one interval after they got traffic; the canary gets no request after that, and
 *     the report counts exactly the requests each fault reached.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_GATE } from '../../ops/canary.js';
import { REPO_ROOT } from '../../scripts/bench/portal-process.js';
import { FAULTS } from '../../scripts/canary/builds.js';
import { HAPROXY_BIN } from '../../scripts/canary/haproxy.js';
import { PROMETHEUS_BIN } from '../../scripts/canary/prometheus.js';
import { formatReport } from '../../scripts/canary/report.js';
import { runCanary, type CanaryReport, type RolloutOptions } from '../../scripts/canary/rollout.js';
import { assembleRuntimeLayout } from '../support/dockerfile.js';
import { hasPostgres, hasRedis, requireServices, testDatabaseUrl, testRedisUrl } from '../support/services.js';

function installed(bin: string, versionFlag: string): boolean {
  try {
    execFileSync(bin, [versionFlag], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const engines = installed(HAPROXY_BIN, '-v') && installed(PROMETHEUS_BIN, '--version');
if (!engines) {
  if (requireServices) throw new Error(`the canary suite needs ${HAPROXY_BIN} and ${PROMETHEUS_BIN} (Debian: apt-get install haproxy prometheus)`);
  console.warn('\n*** SKIPPING the canary rollout tests: haproxy or prometheus is not installed ***\n');
}
const enabled = engines && (await hasPostgres()) && (await hasRedis());

const base = (): Omit<RolloutOptions, 'stable' | 'canary'> => ({
  bakeSeconds: LOCAL_GATE.bakeSeconds,
  intervalSeconds: LOCAL_GATE.intervalSeconds,
  warmupSeconds: 5,
  tailSeconds: 3,
  rate: LOCAL_GATE.rate,
  databaseUrl: testDatabaseUrl!,
  redisUrl: testRedisUrl!,
  log: () => {},
});

/** Prints the report (the test's evidence) and returns it. */
async function run(opts: RolloutOptions): Promise<CanaryReport> {
  const report = await runCanary(opts);
  console.log(formatReport(report));
  return report;
}

/**
 * Context for a failed verdict: latency verdicts judge the machine as much as the builds. When other work saturates
 * the two cores, the load client itself falls behind its schedule and stable alone misses the SLOs in the warm-up.
 */
function machine(r: CanaryReport): string {
  const health = r.warmup.readings?.stable.p99['/v1/health'];
  return `(load client behind schedule by ${r.load.sendLagMs.p99} ms at p99; stable alone in the warm-up: health p99 ${health ? Math.round(health.seconds * 1000) : '?'} ms; on a busy machine re-run \`npm run test:canary\` alone)`;
}

describe.skipIf(!enabled)('canary rollout on HAProxy + Prometheus + PostgreSQL + Redis', () => {
  let image: string | undefined;
  afterAll(() => {
    if (image) rmSync(image, { recursive: true, force: true });
  });

  it('promotes a good canary to 100% with zero failed requests across every weight change', async () => {
    image = mkdtempSync(path.join(os.tmpdir(), 'portal-canary-image-'));
    assembleRuntimeLayout(image);
    const r = await run({ ...base(), stable: { source: 'git:HEAD' }, canary: { source: image, label: 'canary-image' } });
    expect(r.outcome, `${r.reason} ${machine(r)}`).toBe('promoted');
    expect(r.phases.map((p) => [p.phase, p.status])).toEqual([
      [5, 'go'],
      [25, 'go'],
      [50, 'go'],
      [100, 'go'],
    ]);
    expect(r.load.failures).toEqual([]);
    expect(r.load.failed).toBe(0);
    // Open loop at the offered rate the whole time (warm-up + 4 phases + tail).
    expect(r.load.requests).toBeGreaterThan(0.95 * LOCAL_GATE.rate * (5 + 4 * LOCAL_GATE.bakeSeconds + 3));
    for (const p of r.phases) {
      const canary = p.load!.byTrack.canary?.requests ?? 0;
      const share = canary / p.load!.requests;
      expect(share).toBeGreaterThan(p.phase / 100 - 0.03);
      expect(share).toBeLessThanOrEqual(Math.min(1, p.phase / 100 + 0.03));
      expect(p.analyses).toHaveLength(LOCAL_GATE.bakeSeconds / LOCAL_GATE.intervalSeconds);
      expect(p.analyses.every((a) => a.failed.length === 0)).toBe(true);
      expect(p.readings!.canary.errorRatio['5xx']).toBe(0);
    }
    // At 100 % stable gets (next to) nothing once its weight is 0: HAProxy's weighted round robin may finish the
    // round it was in (seen: 0 to 3 requests, within milliseconds).
    expect(r.phases[3]!.afterStableZero!.requests).toBeLessThanOrEqual(10);
    expect(r.haproxy.canary!.weight).toBe(100);
    expect(r.haproxy.stable!.weight).toBe(0);
    expect(r.builds.stable.describe).toMatch(/^git HEAD .*from source$/);
    expect(r.builds.canary.describe).toMatch(/compiled dist\/$/);
  });

  it.each([
    ['errors', 'errors-5xx-slo'],
    ['latency', 'latency-'],
  ] as const)('rolls a canary with the %s fault back within one analysis interval', async (fault, check) => {
    const r = await run({ ...base(), stable: { source: REPO_ROOT, label: 'stable' }, canary: { source: REPO_ROOT, label: `canary-${fault}`, env: { ...FAULTS[fault] } } });
    expect(r.outcome).toBe('rolled back');
    expect(r.phases.map((p) => p.status), `rolled back at ${r.rollback?.phase}% ${machine(r)}`).toEqual(['no-go', 'not run', 'not run', 'not run']);
    const rb = r.rollback!;
    expect(rb.phase).toBe(5);
    expect(rb.analysisNumber).toBe(1);
    expect(rb.detectedAfterMs).toBeLessThanOrEqual(LOCAL_GATE.intervalSeconds * 1000 + 1000);
    expect(rb.failed.some((f) => f.check.startsWith(check))).toBe(true);
    expect(rb.canaryRequestsAfterRollback).toBe(0);
    expect(r.haproxy.canary!.weight).toBe(0);
    expect(r.haproxy.stable!.weight).toBe(100);
    expect(r.affected.canaryServed).toBeGreaterThan(100);
    // Stable failed nothing; every failed request is one the fault answered.
    expect(r.load.byTrack.stable!.failed).toBe(0);
    if (fault === 'errors') {
      // Every 20th request the canary answered was its injected 500.
      expect(r.affected.canary5xx).toBe(Math.floor(r.affected.canaryServed / 20));
      expect(r.load.failed).toBe(r.affected.canary5xx);
    } else {
      expect(r.affected.canary5xx).toBe(0);
      expect(r.load.failed).toBe(0);
      expect(r.affected.canarySlow).toBeGreaterThanOrEqual(0.95 * r.affected.canaryServed);
      // The in-flight delayed requests finish after the rollback (the drain), none is cut.
      expect(rb.canaryDrainedAfterMs).toBeLessThan(2000);
    }
  });
});
