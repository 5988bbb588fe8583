/**
 * One canary rollout, end to end, on real engines: a fresh PostgreSQL database seeded by the stable build, Redis,
 * both builds side by side (production mode, shared blob directory standing in for S3), HAProxy in front with the
 * canary at weight 0, Prometheus scraping both admin ports with the project's rules (each build gets 2 s of direct
 * requests first, before the first scrape, so that no phase compares a cold process). Then, under steady paced
 * load through HAProxy for the whole run: a warm-up on stable alone, and the phases 5 → 25 → 50 → 100 % — each
 * set by the runtime API, baked for `bakeSeconds` and analysed every `intervalSeconds` (ops/canary.ts's checks).
 * A failed analysis is a no-go: the canary's weight goes to 0 at once (stable's up first, so at 100 % there is
 * never a moment without a server) and the run stops promoting; passing the last analysis of a phase is a go.
 * Everything it started is stopped and the database dropped at the end, whatever happened.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { CANARY_PHASES, SEED_PLAN, localWindows, type Track } from '../../ops/canary.js';
import { ACME_KEY, LOCAL_SIGNING_KEYS, freePort } from '../bench/portal-process.js';
import { seedDemoData } from '../bench/seed-data.js';
import { analyse, describeFailure, readings, type Analysis, type FailedCheck, type Readings } from './analysis.js';
import { prepareBuild, type Build, type BuildSpec } from './builds.js';
import { startHaproxy, type Haproxy, type ServerStats } from './haproxy.js';
import { PacedLoad, type LoadCounts } from './load.js';
import { startPrometheus, type Prometheus } from './prometheus.js';
import { sleep, startProcess, stopAll, waitUntil, type Proc } from './processes.js';

export interface RolloutOptions {
  stable: BuildSpec;
  canary: BuildSpec;
  /** Bake time of each phase (seconds). */
  bakeSeconds: number;
  /** Analysis every this many seconds during a bake (the last one at its end). */
  intervalSeconds: number;
  /** Load on stable alone before the first phase. */
  warmupSeconds: number;
  /** Load after the last weight change (promotion or rollback), to show the steady state it left. */
  tailSeconds: number;
  /** Requests per second through HAProxy, evenly paced. */
  rate: number;
  /** A PostgreSQL server: a fresh database is created on it and dropped at the end. */
  databaseUrl: string;
  redisUrl: string;
  log?: (line: string) => void;
  /** Keep the run's directory (configs, logs, TSDB) for inspection. */
  keepWorkDir?: boolean;
  signal?: AbortSignal;
}

export interface PhaseResult {
  phase: number;
  plannedSeconds: number;
  /** The seed's planned duration of this phase. */
  seedPlanned: string;
  status: 'go' | 'no-go' | 'not run';
  /** ms since the load started. */
  startedAt?: number;
  endedAt?: number;
  actualSeconds?: number;
  analyses: Analysis[];
  readings?: Readings;
  load?: Omit<LoadCounts, 'failures'>;
  /** At 100 %: requests sent during the phase, after stable's weight reached 0, that stable still answered, and when the last was sent. */
  afterStableZero?: { requests: number; lastSentAfterMs: number };
}

export interface RollbackResult {
  phase: number;
  reasons: string[];
  failed: FailedCheck[];
  /** ms from the phase's weight change to the analysis that failed (its scheduled time). */
  detectedAfterMs: number;
  /** ms from the phase's weight change until the canary's weight was 0 (analysis queries and weight commands included). */
  weightZeroAfterMs: number;
  /** Which analysis of the phase it was (1 = the first, one interval in). */
  analysisNumber: number;
  /** ms the two runtime API commands took. */
  weightCommandMs: number;
  /** Requests sent after the canary's weight reached 0 that the canary still answered (must be 0). */
  canaryRequestsAfterRollback: number;
  /** ms after the rollback command the canary's last in-flight response ended (the drain). */
  canaryDrainedAfterMs: number;
}

export interface CanaryReport {
  outcome: 'promoted' | 'rolled back';
  reason: string;
  startedAt: string;
  durationSeconds: number;
  builds: Record<Track, { label: string; describe: string; settings: Record<string, string> }>;
  settings: { phases: number[]; bakeSeconds: number; intervalSeconds: number; window: string; warmupSeconds: number; tailSeconds: number; rate: number; paths: string[] };
  /** Stable alone under the load before phase 1: the baseline (a machine too busy to meet the SLOs shows here). */
  warmup: { seconds: number; readings?: Readings };
  phases: PhaseResult[];
  rollback?: RollbackResult;
  load: Omit<LoadCounts, 'failures'> & { failures: LoadCounts['failures']; achievedRate: number; slowMs: number; sendLagMs: { p99: number; max: number } };
  /** Requests the canary's faults (if any) reached: its 5xx answers, its answers at or over `load.slowMs`, all it answered. */
  affected: { canaryServed: number; canary5xx: number; canarySlow: number };
  haproxy: Record<string, ServerStats>;
  /** Series recorded by the project's rules (ops/prometheus/portal-api.rules.yaml) in the run's Prometheus, by name. */
  recordedSeries: Record<string, number>;
  workDir?: string;
}

/**
 * The run's Redis database: the one `redisUrl` names, else database 15 — the builds count hundreds of requests a
 * second from 127.0.0.1 against the rate limiters' fixed `portal:rl:` keys, which must not spend the public budget
 * of whatever else uses database 0 of the same Redis (a replica, another test run).
 */
export const CANARY_REDIS_DB = 15;
export function runRedisUrl(redisUrl: string): string {
  const u = new URL(redisUrl);
  if (u.pathname.length > 1) return redisUrl;
  u.pathname = `/${CANARY_REDIS_DB}`;
  return u.toString();
}

async function freshDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `portal_canary_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Demo tenants and files, by the stable build's own seed script when it has one (its schema, its data). */
async function seed(stable: Build, databaseUrl: string, dataDir: string, workDir: string): Promise<void> {
  if (!existsSync(path.join(stable.root, 'scripts/seed.ts'))) {
    await seedDemoData({ dataDir, databaseUrl });
    return;
  }
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'development', DATABASE_URL: databaseUrl, PORTAL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  const p = startProcess('seed', process.execPath, ['--import', 'tsx', 'scripts/seed.ts'], { cwd: stable.root, env, logFile: path.join(workDir, 'seed.log') });
  const exit = await p.exited;
  if (exit.code !== 0) throw new Error(`seeding with the stable build failed (${exit.code ?? exit.signal}):\n${p.tail()}`);
}

interface Running {
  build: Build;
  proc: Proc;
  port: number;
  adminPort: number;
}

async function startBuild(build: Build, env: Record<string, string>, workDir: string): Promise<Running> {
  const port = await freePort();
  const adminPort = await freePort();
  const args = build.compiled ? ['dist/src/server.js'] : ['--import', 'tsx', 'src/server.ts'];
  const proc = startProcess(`portal ${build.track}`, process.execPath, args, {
    cwd: build.root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env, PORT: String(port), PORTAL_ADMIN_PORT: String(adminPort), PORTAL_REVISION: build.label, ...build.env },
    logFile: path.join(workDir, `portal-${build.track}.log`),
  });
  await waitUntil(`${build.track} build ready`, async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`, { signal: AbortSignal.timeout(1000) })).ok, { timeoutMs: 90_000, proc, everyMs: 200 });
  return { build, proc, port, adminPort };
}

/** Paths of the load: one route of each latency class (fewer routes, more samples for each route's p99). */
async function loadPaths(url: string): Promise<string[]> {
  const get = async (p: string) => {
    const res = await fetch(`${url}${p}`, { headers: { Authorization: `Bearer ${ACME_KEY}` } });
    if (!res.ok) throw new Error(`GET ${url}${p}: ${res.status}`);
    return (await res.json()) as { data: Array<{ id: string }> };
  };
  let jobWithFiles: string | undefined;
  for (const job of (await get('/v1/jobs?status=succeeded&limit=50')).data) {
    if ((await get(`/v1/jobs/${job.id}/files`)).data.length > 0) {
      jobWithFiles = job.id;
      break;
    }
  }
  if (!jobWithFiles) throw new Error('the seeded data has no job with files');
  return ['/v1/health', '/v1/contacts?limit=10', '/v1/jobs?limit=10', `/v1/jobs/${jobWithFiles}/files`];
}

/** The load's paths in turn, 8 at a time, for 200 requests or 2 s (a build with an added delay gets fewer). */
async function warmUp(url: string, paths: string[]): Promise<void> {
  const until = Date.now() + 2000;
  let sent = 0;
  const worker = async () => {
    while (sent < 200 && Date.now() < until) {
      const p = paths[sent++ % paths.length]!;
      const res = await fetch(`${url}${p}`, { headers: { Authorization: `Bearer ${ACME_KEY}` }, signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

export async function runCanary(opts: RolloutOptions): Promise<CanaryReport> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const abortable = async (ms: number) => {
    if (opts.signal?.aborted) throw new Error('aborted');
    await sleep(ms);
    if (opts.signal?.aborted) throw new Error('aborted');
  };
  const started = Date.now();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'portal-canary-'));
  const builds: Partial<Record<Track, Build>> = {};
  let db: { url: string; drop: () => Promise<void> } | undefined;
  try {
    builds.stable = prepareBuild('stable', opts.stable, workDir, log);
    builds.canary = prepareBuild('canary', opts.canary, workDir, log);
    const stable = builds.stable;
    const canary = builds.canary;
    log(`stable: ${stable.label} — ${stable.describe}`);
    log(`canary: ${canary.label} — ${canary.describe}${Object.keys(canary.env).length ? `, settings ${Object.entries(canary.env).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`);

    db = await freshDatabase(opts.databaseUrl);
    const dataDir = path.join(workDir, 'data');
    mkdirSync(dataDir);
    await seed(stable, db.url, dataDir, workDir);
    const redisUrl = runRedisUrl(opts.redisUrl);
    log(`PostgreSQL database ${new URL(db.url).pathname.slice(1)} seeded by the stable build; Redis ${redisUrl}`);

    const frontendPort = await freePort();
    // The run's own environment for both builds: production mode on the shared stores behind one proxy hop.
    // Rate limits are raised because the synthetic load is one client key at hundreds of requests a second.
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORTAL_ADMIN_HOST: '127.0.0.1',
      PORTAL_PUBLIC_URL: `http://127.0.0.1:${frontendPort}`,
      PORTAL_SIGNING_KEYS: LOCAL_SIGNING_KEYS,
      PORTAL_SEED_DEMO: 'false',
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      PORTAL_DATA_DIR: dataDir,
      PORTAL_TRUST_PROXY: '1',
      PORTAL_RATE_LIMIT_PER_MINUTE: '1000000',
      PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '1000000',
      PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000',
      // HAProxy checks /readyz every 500 ms and takes a server out after 2 failures.
      PORTAL_SHUTDOWN_DRAIN_MS: '1500',
      LOG_LEVEL: 'warn',
    };
    const [s, c] = await Promise.all([startBuild(stable, env, workDir), startBuild(canary, env, workDir)]);
    // The load's paths, then a direct warm-up of each build before Prometheus first scrapes it: the comparison is
    // between warm processes. A fresh process's first requests run cold code (tens of ms each); at 5 % of the load
    // they would be the canary's whole p99 sample, a no-go for a start-up cost rather than for a regression.
    const paths = await loadPaths(`http://127.0.0.1:${s.port}`);
    for (const r of [s, c]) await warmUp(`http://127.0.0.1:${r.port}`, paths);
    const haproxy: Haproxy = await startHaproxy({
      dir: workDir,
      frontendPort,
      servers: [
        { name: 'stable', port: s.port, adminPort: s.adminPort, weight: 100 },
        { name: 'canary', port: c.port, adminPort: c.adminPort, weight: 0 },
      ],
    });
    const prom: Prometheus = await startPrometheus({
      dir: workDir,
      port: await freePort(),
      targets: [
        { track: 'stable', adminPort: s.adminPort, build: stable.label },
        { track: 'canary', adminPort: c.adminPort, build: canary.label },
      ],
    });
    log(`HAProxy ${haproxy.url} (runtime API ${haproxy.socket}), Prometheus ${prom.url}`);

    const windows = localWindows(opts.intervalSeconds);
    const window = windows.window;
    const slowMs = Number(canary.env.PORTAL_TEST_FAULT_DELAY_MS) || 300;
    const load = new PacedLoad({ url: haproxy.url, headers: { Authorization: `Bearer ${ACME_KEY}` }, rate: opts.rate, paths });
    const phases: PhaseResult[] = CANARY_PHASES.map((phase) => ({
      phase,
      plannedSeconds: opts.bakeSeconds,
      seedPlanned: SEED_PLAN.find((p) => p.phase === phase)!.planned,
      status: 'not run',
      analyses: [],
    }));
    let rollback: RollbackResult | undefined;
    let rollbackDoneAt = Infinity;
    let rollbackCommandAt = Infinity;
    const weights = { stable: 100, canary: 0 };
    /** Raise first, then lower: the two are never 0 together (at 100 % stable is 0). */
    const setWeights = async (canaryWeight: number) => {
      const next = { stable: 100 - canaryWeight, canary: canaryWeight };
      const order = (['stable', 'canary'] as const).slice().sort((a, b) => next[b] - weights[b] - (next[a] - weights[a]));
      for (const t of order) if (next[t] !== weights[t]) await haproxy.setWeight(t, next[t]);
      Object.assign(weights, next);
    };

    log(`load: ${opts.rate} req/s, evenly paced, open loop, through HAProxy over ${paths.length} paths; warm-up ${opts.warmupSeconds} s on stable`);
    load.start();
    let warmupReadings: Readings | undefined;
    try {
      await abortable(opts.warmupSeconds * 1000);
      if (opts.warmupSeconds >= 2) warmupReadings = await readings(prom, `${Math.floor(opts.warmupSeconds)}s`);
      for (const [i, p] of phases.entries()) {
        await setWeights(p.phase);
        p.startedAt = load.now();
        log(`phase ${i + 1} (${p.phase}%): weights stable ${weights.stable} / canary ${weights.canary}; bake ${opts.bakeSeconds} s, analysis every ${opts.intervalSeconds} s over ${window}`);
        const ticks = Math.ceil(opts.bakeSeconds / opts.intervalSeconds);
        let failed: Analysis | undefined;
        for (let k = 1; k <= ticks; k++) {
          const due = p.startedAt + Math.min(k * opts.intervalSeconds, opts.bakeSeconds) * 1000;
          await abortable(Math.max(0, due - load.now()));
          const a = { at: Math.round(load.now() - p.startedAt), ...(await analyse(prom, windows)) };
          p.analyses.push(a);
          if (a.failed.length === 0) {
            log(`  +${(a.at / 1000).toFixed(1)} s: ${a.checks} checks passed`);
            continue;
          }
          rollbackCommandAt = load.now();
          await setWeights(0);
          rollbackDoneAt = load.now();
          failed = a;
          const reasons = [...new Set(a.failed.map(describeFailure))];
          log(`  +${(a.at / 1000).toFixed(1)} s: NO-GO, canary weight 0 (set in ${(rollbackDoneAt - rollbackCommandAt).toFixed(1)} ms):\n${reasons.map((r) => `    - ${r}`).join('\n')}`);
          rollback = {
            phase: p.phase,
            reasons,
            failed: a.failed,
            detectedAfterMs: a.at,
            weightZeroAfterMs: Math.round(rollbackDoneAt - p.startedAt),
            analysisNumber: k,
            weightCommandMs: Math.round((rollbackDoneAt - rollbackCommandAt) * 10) / 10,
            canaryRequestsAfterRollback: 0,
            canaryDrainedAfterMs: 0,
          };
          break;
        }
        p.endedAt = load.now();
        p.actualSeconds = Math.round((p.endedAt - p.startedAt) / 100) / 10;
        p.status = failed ? 'no-go' : 'go';
        p.readings = await readings(prom, `${Math.max(2, Math.floor(p.actualSeconds))}s`);
        if (failed) break;
        log(`  phase ${i + 1} (${p.phase}%): GO after ${p.actualSeconds} s`);
      }
      if (!rollback) log('promoted: the canary serves 100%');
      await abortable(opts.tailSeconds * 1000);
    } finally {
      await load.stop();
    }

    for (const p of phases) {
      if (p.startedAt === undefined || p.endedAt === undefined) continue;
      const { failures: _f, ...counts } = load.counts(p.startedAt, p.endedAt, slowMs);
      p.load = counts;
    }
    const full = phases.find((p) => p.phase === 100 && p.startedAt !== undefined);
    if (full) {
      // Until the phase ended, or until a rollback at 100 % gave stable its weight back.
      const until = rollback?.phase === 100 ? rollbackCommandAt : full.endedAt!;
      const late = load.outcomes.filter((o) => o.track === 'stable' && o.sent >= full.startedAt! && o.sent < until);
      full.afterStableZero = { requests: late.length, lastSentAfterMs: Math.round(late.reduce((m, o) => Math.max(m, o.sent - full.startedAt!), 0)) };
    }
    const all = load.counts(0, Infinity, slowMs);
    const canaryOutcomes = load.outcomes.filter((o) => o.track === 'canary');
    if (rollback) {
      rollback.canaryRequestsAfterRollback = canaryOutcomes.filter((o) => o.sent >= rollbackDoneAt).length;
      const lastEnd = canaryOutcomes.reduce((m, o) => Math.max(m, Math.max(o.at, o.sent) + o.ms), 0);
      rollback.canaryDrainedAfterMs = Math.max(0, Math.round(lastEnd - rollbackCommandAt));
    }
    const report: CanaryReport = {
      outcome: rollback ? 'rolled back' : 'promoted',
      reason: rollback ? `no-go at ${rollback.phase}%: ${rollback.reasons.join('; ')}` : `every phase passed its analyses; the canary serves 100%`,
      startedAt: new Date(started).toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 100) / 10,
      builds: {
        stable: { label: stable.label, describe: stable.describe, settings: stable.env },
        canary: { label: canary.label, describe: canary.describe, settings: canary.env },
      },
      settings: { phases: [...CANARY_PHASES], bakeSeconds: opts.bakeSeconds, intervalSeconds: opts.intervalSeconds, window, warmupSeconds: opts.warmupSeconds, tailSeconds: opts.tailSeconds, rate: opts.rate, paths },
      warmup: { seconds: opts.warmupSeconds, readings: warmupReadings },
      phases,
      rollback,
      // The first 100 failures in full (a broken canary at 100 % could fail thousands); `failed` counts them all.
      load: { ...all, failures: all.failures.slice(0, 100), achievedRate: load.achievedRate(), slowMs, sendLagMs: load.sendLag() },
      affected: {
        canaryServed: canaryOutcomes.length,
        canary5xx: canaryOutcomes.filter((o) => o.status >= 500).length,
        canarySlow: canaryOutcomes.filter((o) => o.ms >= slowMs).length,
      },
      haproxy: await haproxy.stats(),
      recordedSeries: Object.fromEntries((await prom.query('count by (__name__) ({__name__=~"portal:.+"})')).map((s) => [s.metric.__name__!, s.value])),
      workDir: opts.keepWorkDir ? workDir : undefined,
    };
    return report;
  } finally {
    await stopAll();
    await db?.drop().catch((err: unknown) => log(`dropping the run's database failed: ${(err as Error).message}`));
    for (const b of Object.values(builds)) b.cleanup();
    if (!opts.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
    else log(`run directory kept: ${workDir}`);
  }
}
