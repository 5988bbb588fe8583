/**
 * `npm run soak -- --minutes N [--rate R]`: the production server on a seeded temp dir under a steady offered
 * rate (a mix of list, get and file requests) for N minutes. Samples the server's RSS and V8 heap from its admin
 * /metrics. Memory under load is a GC sawtooth (here 50 → 150 MB of heap every ~45 s), and a straight line through
 * raw samples mostly measures where the run happened to stop on the last tooth; a leak shows as a rising floor.
 * So after a warm-up the samples are cut into windows (default 60 s), each window's minimum is taken, and a
 * least-squares line through those floors decides: growth along it over the measured span above
 * max(threshold, 10% of the mean floor) is an upward trend (exit 1). Writes reports/soak/soak.json and soak.md;
 * `--analyze FILE` re-judges the samples of an earlier run.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from './bench/load.js';
import { ACME_KEY, REPO_ROOT, freePort, productionEnv, startPortal } from './bench/portal-process.js';
import { seedDemoData } from './bench/seed-data.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '100' },
    'sample-seconds': { type: 'string', default: '1' },
    'warmup-fraction': { type: 'string', default: '0.2' },
    'window-seconds': { type: 'string', default: '60' },
    analyze: { type: 'string' },
    out: { type: 'string', default: 'reports/soak' },
  },
});
const minutes = Number(args.minutes);
const rate = Number(args.rate);
const sampleMs = Number(args['sample-seconds']) * 1000;
const MB = 1024 * 1024;

interface Sample {
  t: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
}

/** Least-squares slope (per minute) and R² of y over t (seconds). */
function trend(points: { t: number; y: number }[]): { slopePerMin: number; r2: number; mean: number } {
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const p of points) {
    sxy += (p.t - mt) * (p.y - my);
    sxx += (p.t - mt) ** 2;
    syy += (p.y - my) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slopePerMin: slope * 60, r2: sxx === 0 || syy === 0 ? 0 : (sxy * sxy) / (sxx * syy), mean: my };
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

interface Verdict {
  name: string;
  windows: number;
  slopeMbPerMin: number;
  r2: number;
  meanMb: number;
  growthMb: number;
  limitMb: number;
  upward: boolean;
  /** Same data, straight line through every raw sample (for comparison; sawtooth-biased). */
  rawSlopeMbPerMin: number;
}

interface SoakReport {
  when: string;
  minutes: number;
  rate: number;
  achievedRps: number;
  requests: number;
  errors: number;
  non2xx: number;
  latencyMs: { p50: number; p95: number; p99: number };
  warmupFraction: number;
  verdicts: Verdict[];
  samples: Sample[];
  ok: boolean;
}

function judge(samples: Sample[], warmupSec: number): Verdict[] {
  const windowSec = Number(args['window-seconds']);
  const measured = samples.filter((s) => s.t >= warmupSec);
  const one = (name: string, pick: (s: Sample) => number, floorMb: number): Verdict => {
    const floors = new Map<number, { t: number; y: number; first: number; last: number }>();
    for (const s of measured) {
      const w = Math.floor((s.t - warmupSec) / windowSec);
      const cur = floors.get(w) ?? { t: s.t, y: Infinity, first: s.t, last: s.t };
      if (pick(s) < cur.y) Object.assign(cur, { t: s.t, y: pick(s) });
      cur.last = s.t;
      floors.set(w, cur);
    }
    // A window that covers less than half its span (the final sample after the load, say) has no real floor.
    const points = [...floors.values()].filter((f) => f.last - f.first >= windowSec / 2);
    const tr = trend(points);
    const span = (points.at(-1)!.t - points[0]!.t) / 60;
    const growth = tr.slopePerMin * span;
    const limit = Math.max(floorMb, tr.mean * 0.1);
    const raw = trend(measured.map((s) => ({ t: s.t, y: pick(s) })));
    const r = (n: number, d = 10) => Math.round(n * d) / d;
    return { name, windows: points.length, slopeMbPerMin: r(tr.slopePerMin, 1000), r2: r(tr.r2, 100), meanMb: r(tr.mean), growthMb: r(growth), limitMb: r(limit), upward: growth > limit, rawSlopeMbPerMin: r(raw.slopePerMin, 1000) };
  };
  return [one('rss (floor)', (s) => s.rssMb, 10), one('heapUsed (floor)', (s) => s.heapUsedMb, 5)];
}

function write(report: SoakReport): number {
  const outDir = path.resolve(REPO_ROOT, args.out);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
  const md = [
    `# Soak: ${report.minutes} min at ${report.rate} requests/s`,
    '',
    `${report.when} · ${report.requests} requests (${report.achievedRps}/s achieved), ${report.errors} errors, ${report.non2xx} non-2xx · ` +
      `p50/p95/p99 ${report.latencyMs.p50}/${report.latencyMs.p95}/${report.latencyMs.p99} ms`,
    '',
    `| Series | windows | mean floor (MB) | slope (MB/min) | R² | growth over the span (MB) | limit (MB) | raw-sample slope (MB/min) | |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...report.verdicts.map((v) => `| ${v.name} | ${v.windows} | ${v.meanMb} | ${v.slopeMbPerMin} | ${v.r2} | ${v.growthMb} | ${v.limitMb} | ${v.rawSlopeMbPerMin} | ${v.upward ? '❌ upward' : '✅ flat'} |`),
    '',
    `First ${report.warmupFraction * 100}% of the run is warm-up (not fitted); floors = minimum per ${args['window-seconds']} s window; ` +
      `${report.samples.length} samples (RSS ${Math.min(...report.samples.map((s) => s.rssMb)).toFixed(0)}–${Math.max(...report.samples.map((s) => s.rssMb)).toFixed(0)} MB, ` +
      `heap used ${Math.min(...report.samples.map((s) => s.heapUsedMb)).toFixed(0)}–${Math.max(...report.samples.map((s) => s.heapUsedMb)).toFixed(0)} MB).`,
    '',
  ].join('\n');
  writeFileSync(path.join(outDir, 'soak.md'), md);
  console.log(`\n${md}\n${report.ok ? 'OK: no upward trend' : 'FAILED: upward memory trend or failed requests'}`);
  return report.ok ? 0 : 1;
}

async function main(): Promise<number> {
  if (args.analyze) {
    const earlier = JSON.parse(readFileSync(args.analyze, 'utf8')) as SoakReport;
    const verdicts = judge(earlier.samples, earlier.minutes * 60 * earlier.warmupFraction);
    return write({ ...earlier, verdicts, ok: verdicts.every((v) => !v.upward) && earlier.errors === 0 && earlier.non2xx === 0 });
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-soak-'));
  await seedDemoData({ dataDir });
  const portal = await startPortal({
    discardStdout: true,
    env: productionEnv(await freePort(), await freePort(), {
      PORTAL_DATA_DIR: dataDir,
      PORTAL_RATE_LIMIT_PER_MINUTE: '1000000',
      PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '1000000',
      PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000',
    }),
  });
  try {
    const auth = { Authorization: `Bearer ${ACME_KEY}` };
    const jobs = (await (await fetch(`${portal.url}/v1/jobs?limit=50`, { headers: auth })).json()) as { data: { id: string }[] };
    const job = jobs.data[0]!.id;
    const files = (await (await fetch(`${portal.url}/v1/jobs/${job}/files`, { headers: auth })).json()) as { data: { id: string; jobId: string }[] };
    // Round-robin over a realistic mix: lists with cursors, gets, file metadata (fresh signed URL each time).
    const paths = ['/v1/contacts', '/v1/jobs?limit=50', `/v1/jobs/${job}`, `/v1/jobs/${job}/files`, '/v1/health', '/v1/contacts?q=a', '/v1/jobs?status=failed'];
    if (files.data[0]) paths.push(`/v1/jobs/${job}/files/${files.data[0].id}`);

    const samples: Sample[] = [];
    const t0 = Date.now();
    const sample = async () => {
      const text = await (await fetch(`${portal.adminUrl}/metrics`)).text();
      samples.push({
        t: (Date.now() - t0) / 1000,
        rssMb: metric(text, 'process_resident_memory_bytes') / MB,
        heapUsedMb: metric(text, 'nodejs_heap_size_used_bytes') / MB,
        heapTotalMb: metric(text, 'nodejs_heap_size_total_bytes') / MB,
      });
      const s = samples.at(-1)!;
      if (samples.length % Math.max(1, Math.round(10_000 / sampleMs)) === 1) process.stdout.write(`  ${s.t.toFixed(0).padStart(5)} s  rss ${s.rssMb.toFixed(1)} MB  heap ${s.heapUsedMb.toFixed(1)} / ${s.heapTotalMb.toFixed(1)} MB\n`);
    };
    await sample();
    const timer = setInterval(() => void sample(), sampleMs);
    console.log(`soak: ${minutes} min at ${rate} requests/s over ${paths.length} routes (${portal.url})`);
    const load = await runLoad({ url: portal.url, headers: auth, connections: 20, durationSec: minutes * 60, rate, requests: paths.map((p) => ({ method: 'GET', path: p })) });
    clearInterval(timer);
    await sample();

    const verdicts = judge(samples, minutes * 60 * Number(args['warmup-fraction']));
    const ok = verdicts.every((v) => !v.upward) && load.errors === 0 && load.non2xx === 0;
    const report: SoakReport = { when: new Date().toISOString(), minutes, rate, achievedRps: load.rps, requests: load.requests, errors: load.errors, non2xx: load.non2xx, latencyMs: { p50: load.p50, p95: load.p95, p99: load.p99 }, warmupFraction: Number(args['warmup-fraction']), verdicts, samples, ok };
    return write(report);
  } finally {
    await portal.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`soak: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
