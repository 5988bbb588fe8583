/**
 * `npm run bench`: the full stack in production mode on the embedded default (SQLite + local blobs, demo data in
 * a temp dir) against a bare Express 5 server reading the same rows through the same store, per endpoint:
 * (i) saturated throughput at 50 connections (autocannon), (ii) p50/p95/p99 at a fixed offered rate (1,000
 * requests/s), next to the seed's SLO targets. Also the cost of observability (server CPU per request, on vs off)
 * and list latency at 10k vs 1M jobs. Writes reports/bench/bench.json and bench.md.
 *
 * On (ii): the fixed rate is open-loop and evenly spaced (one request every 1/rate s over a keep-alive pool, each
 * latency counted from the moment the request was due, so a server that falls behind is charged for the wait:
 * no coordinated omission). autocannon's `overallRate` is not a fixed offered rate: it lets each connection send
 * its share as fast as answers come at the start of every second, so the load arrives as one burst of up to N
 * concurrent requests per second and its p99 is the time to drain that burst (≈ N / capacity). That figure is
 * still measured and reported, as "burst".
 *
 * Options: --duration S (per run, default 5), --rate N (default 1000), --connections N (default 50),
 * --scale-small N (10000), --scale-large N (1000000), --skip-scale, --data-dir DIR (reuse a seeded dir),
 * --only name,name (what runs: endpoints by name prefix, and the sections observability, scale, runtimes, metering,
 * usage; default everything), --usage-rate N (10: paced rate of GET /v1/usage; a year per day is ~400 KB),
 * --metering-pairs N (6), --out DIR (reports/bench), --rounds N (3), --obs-pairs N (6), --obs-seconds S (4),
 * --obs-rate N (800: the paced rate of the observability pairs), --scale-rate N (200: paced rate of the 10k/1M list
 * rounds, which alternate), --runtimes 20,24,26 (the Node.js majors measured side by side), --runtime-seconds S
 * (3: per server and measurement in that section), --skip-runtimes, --database-url postgres://… (the scale-out
 * store: the demo data, and the scale tenants unless --skip-scale, are seeded into that database — its demo
 * tenants re-created —, and both servers read it; blobs stay in the data dir).
 *
 * Usage (scripts/bench/usage.ts): metering on vs off (server CPU per request, alternating pairs, with the bare
 * Express baseline of the same run); GET /v1/usage p99 over a year of history on SQLite, and on PostgreSQL with
 * --database-url.
 *
 * Runtimes side by side: the same code, full stack and bare Express, on each Node.js major (official builds from
 * the npm registry, scripts/bench/runtimes.ts): saturated throughput and p99 at the fixed rate per endpoint, each
 * against bare Express on the same runtime, in one run. Shorter than the main section (one round each).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuMicros, pool, runLoad, runPaced, type LoadResult } from './bench/load.js';
import { ACME_KEY, REPO_ROOT, freePort, productionEnv, startPortal, type PortalProcess } from './bench/portal-process.js';
import { renderMarkdown, type BenchReport, type EndpointRow, type RuntimeColumn, type SLO } from './bench/report.js';
import { prepareRuntime } from './bench/runtimes.js';
import { seedDemoData, seedScaleTenant } from './bench/seed-data.js';
import { measureMetering, measureUsage, seedUsageHistory, type UsageLatency } from './bench/usage.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rate: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '50' },
    'scale-small': { type: 'string', default: '10000' },
    'scale-large': { type: 'string', default: '1000000' },
    'skip-scale': { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string', default: 'reports/bench' },
    rounds: { type: 'string', default: '3' },
    'obs-pairs': { type: 'string', default: '6' },
    'obs-seconds': { type: 'string', default: '4' },
    'obs-rate': { type: 'string', default: '800' },
    'scale-rate': { type: 'string', default: '200' },
    runtimes: { type: 'string', default: '20,24,26' },
    'runtime-seconds': { type: 'string', default: '3' },
    'skip-runtimes': { type: 'boolean', default: false },
    'database-url': { type: 'string' },
    'usage-rate': { type: 'string', default: '10' },
    'metering-pairs': { type: 'string', default: '6' },
  },
});
/** `--only`: endpoints by name prefix, and these sections by name; without it everything runs. */
const SECTIONS = ['observability', 'scale', 'runtimes', 'metering', 'usage'] as const;
const only = args.only?.split(',').map((s) => s.trim());
const wants = (section: (typeof SECTIONS)[number]) => !only || only.includes(section);
const endpointNames = only?.filter((o) => !(SECTIONS as readonly string[]).includes(o));
const wantsEndpoint = (name: string) => !endpointNames || endpointNames.some((o) => name.startsWith(o));
const durationSec = Number(args.duration);
const rate = Number(args.rate);
const connections = Number(args.connections);
// The machine may be shared: full and bare (and on/off) alternate in short rounds and the medians are reported.
const rounds = Math.max(1, Number(args.rounds));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const log = (s: string) => process.stdout.write(`${s}\n`);

const RAISED_LIMITS = {
  PORTAL_RATE_LIMIT_PER_MINUTE: '1000000',
  PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '1000000',
  PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000',
};
const OBSERVABILITY_OFF = { LOG_LEVEL: 'silent', PORTAL_TRACING: 'false', PORTAL_HTTP_METRICS: 'false' };

async function getJson<T>(url: string, key = ACME_KEY): Promise<T> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${key}` } });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Target {
  name: string;
  slo: keyof typeof SLO;
  /** Path on the full stack and on the bare server. */
  full: string;
  bare: string;
  auth: boolean;
}

/** Ids for the get endpoints and a signed download URL (a mid-sized file), found through the API itself. */
async function discoverTargets(portal: PortalProcess): Promise<Target[]> {
  const contacts = await getJson<{ data: { id: string }[] }>(`${portal.url}/v1/contacts?limit=1`);
  const jobs = await getJson<{ data: { id: string }[] }>(`${portal.url}/v1/jobs?limit=100`);
  const files: { jobId: string; id: string; size: number; downloadUrl: string }[] = [];
  for (const job of jobs.data.slice(0, 30)) {
    files.push(...(await getJson<{ data: (typeof files)[number][] }>(`${portal.url}/v1/jobs/${job.id}/files`)).data);
  }
  const withFiles = files[0]!;
  const sorted = [...files].sort((a, b) => a.size - b.size);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  const download = new URL(mid.downloadUrl);
  const contactId = contacts.data[0]!.id;
  const jobId = withFiles.jobId;
  return [
    { name: 'health', slo: 'health', full: '/v1/health', bare: '/v1/health', auth: false },
    { name: 'contacts list', slo: 'contacts', full: '/v1/contacts', bare: '/v1/contacts', auth: true },
    { name: 'contact get', slo: 'contacts', full: `/v1/contacts/${contactId}`, bare: `/v1/contacts/${contactId}`, auth: true },
    { name: 'jobs list', slo: 'jobs', full: '/v1/jobs', bare: '/v1/jobs', auth: true },
    { name: 'job get', slo: 'jobs', full: `/v1/jobs/${jobId}`, bare: `/v1/jobs/${jobId}`, auth: true },
    { name: 'files list', slo: 'files', full: `/v1/jobs/${jobId}/files`, bare: `/v1/jobs/${jobId}/files`, auth: true },
    { name: 'file get', slo: 'files', full: `/v1/jobs/${jobId}/files/${withFiles.id}`, bare: `/v1/jobs/${jobId}/files/${withFiles.id}`, auth: true },
    { name: `download (${Math.round(mid.size / 1024)} KB)`, slo: 'files', full: `${download.pathname}${download.search}`, bare: download.pathname, auth: false },
  ];
}

const databaseUrl = args['database-url'];
/** Where the rows live: SQLite under the data dir, or the PostgreSQL database of --database-url. */
const storeEnv = (dataDir: string): Record<string, string> => ({ PORTAL_DATA_DIR: dataDir, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });

async function prepareData(dir: string, small: number, large: number, withScale: boolean): Promise<{ smallKey?: string; largeKey?: string }> {
  const target = { dataDir: dir, databaseUrl };
  // A PostgreSQL database is seeded once per data dir (the marker), like a SQLite file.
  const seeded = databaseUrl ? path.join(dir, 'bench-postgres-seeded') : path.join(dir, 'portal.db');
  if (!existsSync(seeded)) {
    log(`seeding the demo data into ${databaseUrl ? 'PostgreSQL' : dir}`);
    await seedDemoData(target);
    if (databaseUrl) writeFileSync(seeded, '');
  }
  if (!withScale) return {};
  const marker = path.join(dir, `bench-scale-${databaseUrl ? 'postgres-' : ''}${small}-${large}.json`);
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8')) as { smallKey: string; largeKey: string };
  const t0 = Date.now();
  log(`seeding ${small.toLocaleString('en')} and ${large.toLocaleString('en')} jobs (npm run seed -- --scale)…`);
  const smallKey = await seedScaleTenant(target, small, 'ten_bench-small');
  let last = 0;
  const largeKey = await seedScaleTenant(target, large, 'ten_bench-large', (done, total) => {
    if (Date.now() - last > 10_000) {
      last = Date.now();
      log(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`);
    }
  });
  log(`  seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  writeFileSync(marker, JSON.stringify({ smallKey, largeKey }));
  return { smallKey, largeKey };
}

async function main(): Promise<number> {
  const started = Date.now();
  const ownDir = !args['data-dir'];
  const dataDir = args['data-dir'] ? path.resolve(args['data-dir']) : mkdtempSync(path.join(os.tmpdir(), 'portal-bench-'));
  mkdirSync(dataDir, { recursive: true });
  const small = Number(args['scale-small']);
  const large = Number(args['scale-large']);
  const processes: PortalProcess[] = [];
  try {
    const keys = await prepareData(dataDir, small, large, !args['skip-scale'] && wants('scale'));
    const env = async (extra: Record<string, string> = {}) =>
      productionEnv(await freePort(), await freePort(), { ...storeEnv(dataDir), ...RAISED_LIMITS, ...extra });
    const portal = await startPortal({ env: await env(), discardStdout: true });
    processes.push(portal);
    const bare = await startPortal({ entry: 'scripts/bench/bare-express.ts', env: productionEnv(await freePort(), await freePort(), storeEnv(dataDir)) });
    processes.push(bare);

    const targets = (await discoverTargets(portal)).filter((t) => wantsEndpoint(t.name));
    const auth = { Authorization: `Bearer ${ACME_KEY}` };
    const rows: EndpointRow[] = [];
    for (const t of targets) {
      const headers = t.auth ? auth : undefined;
      // A warm-up so both servers have compiled their hot paths (a 1 s warm-up left the first round ~25% slower).
      await runLoad({ url: portal.url + t.full, headers, connections, durationSec: 3 });
      await runLoad({ url: bare.url + t.bare, connections, durationSec: 3 });
      const fullSats: LoadResult[] = [];
      const bareSats: LoadResult[] = [];
      for (let i = 0; i < rounds; i++) {
        fullSats.push(await runLoad({ url: portal.url + t.full, headers, connections, durationSec: durationSec / rounds }));
        bareSats.push(await runLoad({ url: bare.url + t.bare, connections, durationSec: durationSec / rounds }));
      }
      const pickMedian = (rs: LoadResult[]) => [...rs].sort((a, b) => a.rps - b.rps)[Math.floor(rs.length / 2)]!;
      const fullSat = pickMedian(fullSats);
      const bareSat = pickMedian(bareSats);
      const ratio = median(fullSats.map((f, i) => f.rps / bareSats[i]!.rps));
      // (ii) at the fixed offered rate, evenly paced; then autocannon's bursty overallRate at the same rate.
      // In alternating rounds with the latencies pooled: one slow moment of the box then weighs on both servers.
      const fullRuns: Awaited<ReturnType<typeof runPaced>>[] = [];
      const bareRuns: Awaited<ReturnType<typeof runPaced>>[] = [];
      for (let i = 0; i < rounds; i++) {
        fullRuns.push(await runPaced({ url: portal.url + t.full, headers, rate, durationSec }));
        bareRuns.push(await runPaced({ url: bare.url + t.bare, rate, durationSec }));
      }
      const fullRate = pool(fullRuns, durationSec);
      const bareRate = pool(bareRuns, durationSec);
      const fullBurst = await runLoad({ url: portal.url + t.full, headers, connections, durationSec, rate });
      const bareBurst = await runLoad({ url: bare.url + t.bare, connections, durationSec, rate });
      const row: EndpointRow = { name: t.name, slo: t.slo, path: t.full.split('?')[0]!, ratio, full: { saturated: fullSat, atRate: fullRate, burst: fullBurst }, bare: { saturated: bareSat, atRate: bareRate, burst: bareBurst } };
      rows.push(row);
      const bad = fullSat.non2xx + fullRate.non2xx + fullBurst.non2xx + fullSat.errors + fullRate.errors + fullBurst.errors;
      log(`${t.name.padEnd(22)} full ${fullSat.rps} rps / bare ${bareSat.rps} rps (×${ratio.toFixed(2)}); ` +
        `at ${rate}/s full p50/p95/p99 ${fullRate.p50}/${fullRate.p95}/${fullRate.p99} ms (bare p99 ${bareRate.p99} ms); burst p99 full ${fullBurst.p99} / bare ${bareBurst.p99} ms` +
        `${bad > 0 ? ` non-2xx or errors: ${bad}` : ''}`);
    }

    // Observability cost: server CPU per request at the same offered rate, everything on vs everything off.
    let observability: BenchReport['observability'];
    if (wants('observability')) {
      const quiet = await startPortal({ env: await env(OBSERVABILITY_OFF), discardStdout: true });
      processes.push(quiet);
      // Server CPU per request (from /proc, so CPU taken by other processes does not count) at the same evenly paced
      // rate for both, in alternating on/off pairs; the median difference is the cost, the spread of the differences
      // its noise. A paced rate rather than saturation: both servers then batch the same way per event-loop turn.
      const obsRate = Number(args['obs-rate']);
      const cpuPerRequest = async (p: PortalProcess) => {
        const before = cpuMicros(p.child.pid!);
        const r = await runPaced({ url: `${p.url}/v1/contacts`, headers: auth, rate: obsRate, durationSec: Number(args['obs-seconds']) });
        return { us: (cpuMicros(p.child.pid!) - before) / r.requests, rps: r.rps };
      };
      await runLoad({ url: `${quiet.url}/v1/contacts`, headers: auth, connections: 10, durationSec: 1 });
      const pairs: { on: number; off: number; rpsOn: number; rpsOff: number }[] = [];
      for (let i = 0; i < Number(args['obs-pairs']); i++) {
        const on = await cpuPerRequest(portal);
        const off = await cpuPerRequest(quiet);
        pairs.push({ on: Math.round(on.us), off: Math.round(off.us), rpsOn: on.rps, rpsOff: off.rps });
      }
      const diffs = pairs.map((p) => p.on - p.off);
      observability = {
        method: `server CPU µs per request at an evenly paced ${obsRate}/s (GET /v1/contacts), alternating on/off pairs, medians`,
        rate: obsRate,
        cpuUsPerRequestOn: Math.round(median(pairs.map((p) => p.on))),
        cpuUsPerRequestOff: Math.round(median(pairs.map((p) => p.off))),
        costUsPerRequest: Math.round(median(diffs)),
        noiseUs: Math.round((Math.max(...diffs) - Math.min(...diffs)) / 2),
        pairs,
      };
      log(`observability: ${observability.cpuUsPerRequestOn} µs CPU/request on vs ${observability.cpuUsPerRequestOff} off → ` +
        `${observability.costUsPerRequest} ± ${observability.noiseUs} µs`);
      await quiet.stop();
    }

    let metering: BenchReport['metering'];
    if (wants('metering')) {
      const off = await startPortal({ env: await env({ PORTAL_USAGE_METERING: 'false' }), discardStdout: true });
      processes.push(off);
      metering = await measureMetering({ on: portal, off, bare, headers: auth, rate: Number(args['obs-rate']), seconds: Number(args['obs-seconds']), pairs: Number(args['metering-pairs']) });
      log(`metering: ${metering.cpuUsPerRequestOn} µs CPU/request on vs ${metering.cpuUsPerRequestOff} off → ${metering.costUsPerRequest} ± ${metering.noiseUs} µs ` +
        `(bare Express ${metering.bareCpuUsPerRequest ?? '–'} µs; record() ${metering.recordNsPerCall} ns in process)`);
      await off.stop();
    }

    const usage: UsageLatency[] = [];
    if (wants('usage')) {
      // Its own SQLite file (a tenant with a year of history on every operation), and the --database-url database.
      const stores = [{ name: 'sqlite', dataDir: path.join(dataDir, 'usage-sqlite'), databaseUrl: undefined as string | undefined }];
      if (databaseUrl) stores.push({ name: 'postgresql', dataDir, databaseUrl });
      for (const s of stores) {
        mkdirSync(s.dataDir, { recursive: true });
        const key = await seedUsageHistory(s);
        const env = productionEnv(await freePort(), await freePort(), { PORTAL_DATA_DIR: s.dataDir, ...(s.databaseUrl ? { DATABASE_URL: s.databaseUrl } : {}), ...RAISED_LIMITS });
        const p = await startPortal({ env, discardStdout: true });
        processes.push(p);
        const u = await measureUsage({ portal: p, key, store: s.name, rate: Number(args['usage-rate']), seconds: durationSec, rounds });
        usage.push(u);
        log(`GET /v1/usage (a year, ${u.counters.toLocaleString('en')} counters) on ${s.name} at ${u.rate}/s: per day p50/p99 ${u.day.p50}/${u.day.p99} ms (${Math.round(u.day.bytes / 1024)} KB), per month ${u.month.p50}/${u.month.p99} ms`);
        await p.stop();
      }
    }
    let scale: BenchReport['scale'];
    if (keys.smallKey && keys.largeKey && wants('scale')) {
      const scaleRate = Number(args['scale-rate']);
      const headersOf = (key: string) => ({ Authorization: `Bearer ${key}` });
      for (const key of [keys.smallKey, keys.largeKey]) await runLoad({ url: `${portal.url}/v1/jobs`, headers: headersOf(key), connections: 10, durationSec: 2 });
      // Alternating rounds, so a slow moment of the box lands on both sizes; the round with the median p99 is kept.
      const smalls: LoadResult[] = [];
      const larges: LoadResult[] = [];
      for (let i = 0; i < rounds; i++) {
        smalls.push(await runPaced({ url: `${portal.url}/v1/jobs`, headers: headersOf(keys.smallKey), rate: scaleRate, durationSec }));
        larges.push(await runPaced({ url: `${portal.url}/v1/jobs`, headers: headersOf(keys.largeKey), rate: scaleRate, durationSec }));
      }
      const byP99 = (rs: (LoadResult & { latencies?: number[] })[]) => {
        const { latencies: _raw, ...median } = [...rs].sort((a, b) => a.p99 - b.p99)[Math.floor(rs.length / 2)]!;
        return median;
      };
      const s = byP99(smalls);
      const l = byP99(larges);
      scale = {
        rate: scaleRate,
        small: { jobs: small, ...s },
        large: { jobs: large, ...l },
        ratioP99: Math.round((l.p99 / s.p99) * 100) / 100,
        p99Rounds: { small: smalls.map((r) => r.p99), large: larges.map((r) => r.p99) },
      };
      log(`list jobs at ${scaleRate}/s: ${small.toLocaleString('en')} jobs p99 ${s.p99} ms, ${large.toLocaleString('en')} jobs p99 ${l.p99} ms (×${scale.ratioP99}); rounds ${smalls.map((r) => r.p99).join('/')} vs ${larges.map((r) => r.p99).join('/')} ms`);
    }

    const runtimes: RuntimeColumn[] = [];
    if (!args['skip-runtimes'] && wants('runtimes')) {
      await portal.stop();
      await bare.stop();
      const seconds = Number(args['runtime-seconds']);
      for (const major of args.runtimes.split(',').map((m) => Number(m.trim()))) {
        const runtime = prepareRuntime(major);
        const rFull = await startPortal({ env: await env(), discardStdout: true, runtime });
        processes.push(rFull);
        const rBare = await startPortal({ entry: 'scripts/bench/bare-express.ts', env: productionEnv(await freePort(), await freePort(), storeEnv(dataDir)), runtime });
        processes.push(rBare);
        const column: RuntimeColumn = { major, version: runtime.version, endpoints: [] };
        // Found again on this server: a signed download URL from the start of a long run may have expired.
        const rTargets = (await discoverTargets(rFull)).filter((t) => wantsEndpoint(t.name));
        for (const t of rTargets) {
          const headers = t.auth ? auth : undefined;
          await runLoad({ url: rFull.url + t.full, headers, connections, durationSec: 2 });
          await runLoad({ url: rBare.url + t.bare, connections, durationSec: 2 });
          const fullSat = await runLoad({ url: rFull.url + t.full, headers, connections, durationSec: seconds });
          const bareSat = await runLoad({ url: rBare.url + t.bare, connections, durationSec: seconds });
          const fullPaced = await runPaced({ url: rFull.url + t.full, headers, rate, durationSec: seconds });
          const barePaced = await runPaced({ url: rBare.url + t.bare, rate, durationSec: seconds });
          const errors = fullSat.non2xx + fullSat.errors + fullPaced.non2xx + fullPaced.errors;
          column.endpoints.push({ name: t.name, full: { rps: fullSat.rps, p99: fullPaced.p99 }, bare: { rps: bareSat.rps, p99: barePaced.p99 }, ratio: Math.round((fullSat.rps / bareSat.rps) * 100) / 100, errors });
          log(`Node ${runtime.version} ${t.name.padEnd(22)} full ${fullSat.rps} / bare ${bareSat.rps} rps (×${(fullSat.rps / bareSat.rps).toFixed(2)}); p99 at ${rate}/s full ${fullPaced.p99} / bare ${barePaced.p99} ms${errors ? `; non-2xx or errors: ${errors}` : ''}`);
        }
        runtimes.push(column);
        await rFull.stop();
        await rBare.stop();
      }
    }

    const report: BenchReport = {
      when: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '?', node: process.version, loadavg: os.loadavg().map((n) => Math.round(n * 100) / 100) },
      settings: { durationSec, rate, connections, rounds, store: databaseUrl ? 'postgresql (--database-url)' : 'sqlite (embedded default)', mode: 'NODE_ENV=production, LOG_LEVEL=info (stdout → /dev/null), rate limits raised' },
      endpoints: rows,
      observability,
      metering,
      usage: usage.length ? usage : undefined,
      scale,
      runtimes: runtimes.length ? { seconds: Number(args['runtime-seconds']), rate, columns: runtimes } : undefined,
      totalSeconds: Math.round((Date.now() - started) / 1000),
    };
    const outDir = path.resolve(REPO_ROOT, args.out);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(outDir, 'bench.md'), renderMarkdown(report));
    log(`\nwrote ${path.relative(REPO_ROOT, outDir)}/bench.json and bench.md in ${report.totalSeconds} s`);
    log(renderMarkdown(report));
    return 0;
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
