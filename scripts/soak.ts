/**
 * `npm run soak -- --minutes N [--rate R]`: the production server on a seeded temp dir under a steady offered
 * rate (a mix of list, get, file and download requests) for N minutes. Samples the server's RSS and V8 heap from
 * its admin /metrics, fits a least-squares line to each after a warm-up, and fails (exit 1) on an upward trend:
 * growth along the fitted line over the measured window above max(threshold, 10% of the mean).
 * Writes reports/soak/soak.json and soak.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
    'sample-seconds': { type: 'string', default: '5' },
    'warmup-fraction': { type: 'string', default: '0.2' },
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
export function trend(points: { t: number; y: number }[]): { slopePerMin: number; r2: number; mean: number } {
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

async function main(): Promise<number> {
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
      process.stdout.write(`  ${s.t.toFixed(0).padStart(5)} s  rss ${s.rssMb.toFixed(1)} MB  heap ${s.heapUsedMb.toFixed(1)} / ${s.heapTotalMb.toFixed(1)} MB\n`);
    };
    await sample();
    const timer = setInterval(() => void sample(), sampleMs);
    console.log(`soak: ${minutes} min at ${rate} requests/s over ${paths.length} routes (${portal.url})`);
    const load = await runLoad({ url: portal.url, headers: auth, connections: 20, durationSec: minutes * 60, rate, requests: paths.map((p) => ({ method: 'GET', path: p })) });
    clearInterval(timer);
    await sample();

    const measured = samples.filter((s) => s.t >= minutes * 60 * Number(args['warmup-fraction']));
    const span = (measured.at(-1)!.t - measured[0]!.t) / 60;
    const judge = (name: string, pick: (s: Sample) => number, floorMb: number) => {
      const tr = trend(measured.map((s) => ({ t: s.t, y: pick(s) })));
      const growth = tr.slopePerMin * span;
      const limit = Math.max(floorMb, tr.mean * 0.1);
      return { name, slopeMbPerMin: Math.round(tr.slopePerMin * 1000) / 1000, r2: Math.round(tr.r2 * 100) / 100, meanMb: Math.round(tr.mean * 10) / 10, growthMb: Math.round(growth * 10) / 10, limitMb: Math.round(limit * 10) / 10, upward: growth > limit };
    };
    const verdicts = [judge('rss', (s) => s.rssMb, 10), judge('heapUsed', (s) => s.heapUsedMb, 5)];
    const ok = verdicts.every((v) => !v.upward) && load.errors === 0 && load.non2xx === 0;
    const report = { when: new Date().toISOString(), minutes, rate, achievedRps: load.rps, requests: load.requests, errors: load.errors, non2xx: load.non2xx, latencyMs: { p50: load.p50, p95: load.p95, p99: load.p99 }, warmupFraction: Number(args['warmup-fraction']), verdicts, samples, ok };
    const outDir = path.resolve(REPO_ROOT, args.out);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
    const md = [
      `# Soak: ${minutes} min at ${rate} requests/s`,
      '',
      `${report.when} · ${load.requests} requests (${load.rps}/s achieved), ${load.errors} errors, ${load.non2xx} non-2xx · p50/p95/p99 ${load.p50}/${load.p95}/${load.p99} ms`,
      '',
      '| Series | mean (MB) | slope (MB/min) | R² | growth over the measured window (MB) | limit (MB) | |',
      '|---|---:|---:|---:|---:|---:|---|',
      ...verdicts.map((v) => `| ${v.name} | ${v.meanMb} | ${v.slopeMbPerMin} | ${v.r2} | ${v.growthMb} | ${v.limitMb} | ${v.upward ? '❌ upward' : '✅ flat'} |`),
      '',
      `First ${Number(args['warmup-fraction']) * 100}% of the run is warm-up (not fitted). ${samples.length} samples every ${sampleMs / 1000} s.`,
      '',
    ].join('\n');
    writeFileSync(path.join(outDir, 'soak.md'), md);
    console.log(`\n${md}\n${ok ? 'OK: no upward trend' : 'FAILED: upward memory trend or failed requests'}`);
    return ok ? 0 : 1;
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
