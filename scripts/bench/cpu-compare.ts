/**
 * `tsx scripts/bench/cpu-compare.ts [--path /v1/contacts] [--rate 300] [--seconds 8]`: server CPU time per request
 * (from /proc, so other load on the machine does not skew it) for the full stack with observability on, off, and
 * the bare Express baseline, at a fixed offered rate. A steadier signal than saturated throughput on a busy box.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuMicros, runLoad } from './load.js';
import { ACME_KEY, freePort, productionEnv, startPortal, type PortalProcess } from './portal-process.js';
import { seedDemoData } from './seed-data.js';

const { values } = parseArgs({ options: { path: { type: 'string', default: '/v1/contacts' }, rate: { type: 'string', default: '300' }, seconds: { type: 'string', default: '8' }, variant: { type: 'string', multiple: true } } });
const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'portal-cpu-'));
if (!process.env.BENCH_DATA_DIR) await seedDemoData({ dataDir });
const limits = { PORTAL_RATE_LIMIT_PER_MINUTE: '1000000', PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000', PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '1000000' };
const env = async (extra: Record<string, string> = {}) => productionEnv(await freePort(), await freePort(), { PORTAL_DATA_DIR: dataDir, ...limits, ...extra });
// --variant 'name:K=V,K=V' (repeatable) replaces the default trio with full-stack variants.
const variants = (values.variant ?? []).map((v) => {
  const [name, kv = ''] = v.split(':');
  return [name!, Object.fromEntries(kv.split(',').filter(Boolean).map((p) => p.split('=') as [string, string]))] as const;
});
const procs: [string, PortalProcess][] = variants.length > 0 ? [] : [
  ['full (observability on)', await startPortal({ env: await env(), discardStdout: true })],
  ['full (observability off)', await startPortal({ env: await env({ LOG_LEVEL: 'silent', PORTAL_TRACING: 'false', PORTAL_HTTP_METRICS: 'false' }), discardStdout: true })],
  ['bare express', await startPortal({ entry: 'scripts/bench/bare-express.ts', env: productionEnv(await freePort(), await freePort(), { PORTAL_DATA_DIR: dataDir }) })],
];
for (const [name, extra] of variants) procs.push([name, await startPortal({ env: await env(extra), discardStdout: true })]);
const headers = { Authorization: `Bearer ${ACME_KEY}` };
try {
  for (const [, p] of procs) await runLoad({ url: p.url + values.path, headers, connections: 10, durationSec: 2 });
  for (let round = 0; round < 2; round++) {
    for (const [name, p] of procs) {
      const before = cpuMicros(p.child.pid!);
      const r = await runLoad({ url: p.url + values.path, headers, connections: 20, durationSec: Number(values.seconds), rate: Number(values.rate) });
      console.log(`${name.padEnd(26)} ${Math.round((cpuMicros(p.child.pid!) - before) / r.requests)} µs CPU/request (${r.requests} requests, p99 ${r.p99} ms, non2xx ${r.non2xx})`);
    }
  }
} finally {
  await Promise.all(procs.map(([, p]) => p.stop()));
}
