/**
 * `tsx scripts/bench/compare-builds.ts --build before=/path/to/other/checkout [--build after=.] [--path /v1/contacts]
 * [--rate 300] [--seconds 6] [--rounds 3]`: the same endpoint served by several checkouts of this project (e.g. the
 * commit before a change and this one) next to the bare Express baseline, from one seeded database, in alternating
 * rounds: server CPU µs per request at a fixed offered rate (from /proc, so other load on the machine does not count)
 * and saturated requests per second. Reports each build's median and its ratio to the baseline and to the first
 * build. A checkout needs its node_modules (a symlink to this one's works when the lockfiles agree).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuMicros, runLoad } from './load.js';
import { ACME_KEY, REPO_ROOT, freePort, productionEnv, startPortal, type PortalProcess } from './portal-process.js';
import { seedDemoData } from './seed-data.js';

const { values } = parseArgs({
  options: {
    build: { type: 'string', multiple: true },
    path: { type: 'string', default: '/v1/contacts' },
    rate: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
  },
});
const builds = (values.build?.length ? values.build : ['this=.']).map((b) => {
  const [name, dir = '.'] = b.includes('=') ? (b.split('=') as [string, string]) : [b, b];
  return { name, entry: path.resolve(REPO_ROOT, dir, 'src/server.ts') };
});
const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'portal-builds-'));
if (!process.env.BENCH_DATA_DIR) await seedDemoData({ dataDir });
const limits = { PORTAL_RATE_LIMIT_PER_MINUTE: '1000000', PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000', PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '1000000' };

const procs: { name: string; p: PortalProcess; cpu: number[]; rps: number[] }[] = [];
for (const b of builds) {
  const env = productionEnv(await freePort(), await freePort(), { PORTAL_DATA_DIR: dataDir, ...limits });
  procs.push({ name: b.name, p: await startPortal({ entry: b.entry, env, discardStdout: true }), cpu: [], rps: [] });
}
procs.push({ name: 'bare express', p: await startPortal({ entry: 'scripts/bench/bare-express.ts', env: productionEnv(await freePort(), await freePort(), { PORTAL_DATA_DIR: dataDir }) }), cpu: [], rps: [] });

const headers = { Authorization: `Bearer ${ACME_KEY}` };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  for (const { p } of procs) await runLoad({ url: p.url + values.path, headers, connections: 10, durationSec: 2 });
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const proc of procs) {
      const before = cpuMicros(proc.p.child.pid!);
      const paced = await runLoad({ url: proc.p.url + values.path, headers, connections: 20, durationSec: Number(values.seconds), rate: Number(values.rate) });
      if (paced.non2xx + paced.errors > 0) throw new Error(`${proc.name}: ${paced.non2xx} non-2xx, ${paced.errors} errors`);
      proc.cpu.push((cpuMicros(proc.p.child.pid!) - before) / paced.requests);
      proc.rps.push((await runLoad({ url: proc.p.url + values.path, headers, connections: 50, durationSec: Number(values.seconds) })).rps);
    }
  }
  const bare = procs.at(-1)!;
  const first = procs[0]!;
  console.log(`GET ${values.path}: median of ${values.rounds} alternating rounds; CPU at ${values.rate} req/s, rps at 50 connections`);
  console.log('| build | CPU µs/request | vs first | rps | rps / bare | vs first |\n|---|---:|---:|---:|---:|---:|');
  for (const proc of procs) {
    const cpu = median(proc.cpu);
    const rps = median(proc.rps);
    console.log(`| ${proc.name} | ${cpu.toFixed(0)} | ${(cpu / median(first.cpu)).toFixed(2)}× | ${rps.toFixed(0)} | ${(rps / median(bare.rps)).toFixed(2)}× | ${(rps / median(first.rps)).toFixed(2)}× |`);
  }
} finally {
  await Promise.all(procs.map(({ p }) => p.stop()));
}
