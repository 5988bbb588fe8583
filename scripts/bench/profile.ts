/**
 * `tsx scripts/bench/profile.ts [--path /v1/contacts] [--seconds 8] [--off]`: runs the production server under
 * `node --cpu-prof` on a seeded data dir (BENCH_DATA_DIR or a temp dir), loads one endpoint at 50 connections and
 * prints where the server's CPU went (self time per function and per package) during the load only.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from './load.js';
import { ACME_KEY, REPO_ROOT, freePort, productionEnv, startPortal } from './portal-process.js';
import { seedDemoData } from './seed-data.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values } = parseArgs({ options: { path: { type: 'string', default: '/v1/contacts' }, seconds: { type: 'string', default: '8' }, off: { type: 'boolean', default: false }, top: { type: 'string', default: '30' }, entry: { type: 'string' } } });
const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'portal-prof-'));
if (!process.env.BENCH_DATA_DIR) await seedDemoData({ dataDir });
const profDir = mkdtempSync(path.join(os.tmpdir(), 'portal-cpuprof-'));
const off: Record<string, string> = values.off ? { LOG_LEVEL: 'silent', PORTAL_TRACING: 'false', PORTAL_HTTP_METRICS: 'false' } : {};
const port = await freePort();
const portal = await startPortal({
  entry: values.entry,
  nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir],
  discardStdout: true,
  env: productionEnv(port, await freePort(), { PORT: String(port), PORTAL_DATA_DIR: dataDir, PORTAL_RATE_LIMIT_PER_MINUTE: '1000000', PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000', PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '1000000', ...off }),
});
const headers = { Authorization: `Bearer ${ACME_KEY}` };
await runLoad({ url: portal.url + values.path, headers, connections: 10, durationSec: 2 });
const from = Date.now();
const r = await runLoad({ url: portal.url + values.path, headers, connections: 50, durationSec: Number(values.seconds) });
const to = Date.now();
await portal.stop();
console.log(`${values.path}: ${r.rps} rps, p99 ${r.p99} ms, non2xx ${r.non2xx}`);

const file = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(profDir, f)).sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0]!;
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const short = (u: string) => u.replace(/.*node_modules\//, 'nm/').replace(`file://${REPO_ROOT}/`, '').replace(`${REPO_ROOT}/`, '');
const pkgOf = (u: string) => {
  const s = short(u);
  if (!s.startsWith('nm/')) return s || '(native)';
  const parts = s.split('/');
  return parts.slice(0, parts[1]!.startsWith('@') ? 3 : 2).join('/');
};
// Profile clock is µs since an arbitrary origin; map the load window by the profile's end ≈ stop time.
let t = prof.startTime;
const ends = prof.startTime + prof.timeDeltas.reduce((a, b) => a + b, 0);
const lo = ends - (Date.now() - from) * 1000;
const hi = ends - (Date.now() - to) * 1000;
const self = new Map<string, number>();
const pkg = new Map<string, number>();
// Inclusive time per package / source file: a sample counts once for every package on its (synchronous) stack.
const inclusive = new Map<string, number>();
// Per module of ours: each sample goes to the first src/ (or scripts/) frame from the leaf up, so library and
// runtime work is charged to the module of ours that called it (helmet → headers.ts, Kysely → read.ts). Work a
// library runs in its own promise continuation has no frame of ours on its stack: it is charged to the outermost
// library package on the stack instead (express-openapi-validator's stages run after its spec promise, so).
const ours = new Map<string, number>();
const ownModuleOf = (at: number | undefined): string => {
  let outermostPackage: string | undefined;
  for (; at !== undefined; at = parentOf.get(at)) {
    const s = short(byId.get(at)!.callFrame.url);
    if (s.startsWith('src/') || s.startsWith('scripts/')) return s;
    if (s.startsWith('nm/')) outermostPackage = pkgOf(byId.get(at)!.callFrame.url);
  }
  if (outermostPackage) return `${outermostPackage} (in its own continuation)`;
  return '(no module of ours: HTTP parsing and writing, GC, idle)';
};
let total = 0;
prof.samples.forEach((id, i) => {
  t += prof.timeDeltas[i]!;
  if (t < lo || t > hi) return;
  const n = byId.get(id)!;
  const d = prof.timeDeltas[i]!;
  total += d;
  const k = `${n.callFrame.functionName || '(anon)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber}`;
  self.set(k, (self.get(k) ?? 0) + d);
  pkg.set(pkgOf(n.callFrame.url), (pkg.get(pkgOf(n.callFrame.url)) ?? 0) + d);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) seen.add(pkgOf(byId.get(at)!.callFrame.url));
  for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + d);
  const own = ownModuleOf(id);
  ours.set(own, (ours.get(own) ?? 0) + d);
});
const perRequest = (m: Map<string, number>) =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)).map(([k, v]) => `${(v / r.requests).toFixed(1).padStart(7)} µs/request ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
const show = (m: Map<string, number>) =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)).map(([k, v]) => `${(v / 1000).toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
console.log(`profile ${file}\nCPU µs per request ≈ ${Math.round(total / r.requests)} (sampled, incl. idle)\n--- self time\n${show(self)}\n--- by package\n${show(pkg)}\n--- inclusive by package (synchronous stacks)\n${show(inclusive)}\n--- by module of ours (library work charged to its caller)\n${perRequest(ours)}`);
