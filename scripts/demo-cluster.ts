/**
 * `npm run demo:cluster`: two Portal API replicas on PostgreSQL + Redis, side by side, showing what a scale-out
 * deployment relies on: one shared rate-limit budget, signed URLs valid on any replica, and the survivor serving
 * when one replica dies. Uses a fresh database on the server at PORTAL_TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres) and Redis at PORTAL_TEST_REDIS_URL (default redis://127.0.0.1:6379);
 * drops the database and stops both replicas at the end. `-- --keep` leaves them running until Ctrl-C.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ACME_KEY } from './bench/portal-process.js';
import { issueKeys, onReplica, seedCluster, startCluster, type Cluster } from './bench/cluster.js';

process.env.PORTAL_TEST_DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
process.env.PORTAL_TEST_REDIS_URL ||= 'redis://127.0.0.1:6379';
const { createTestDatabase } = await import('../test/support/services.js');

const { values } = parseArgs({ options: { keep: { type: 'boolean' } } });
const say = (s: string) => console.log(s);
const json = async (url: string, key: string) => (await fetch(url, { headers: { Authorization: `Bearer ${key}` } })).json() as Promise<Record<string, unknown>>;

async function main(): Promise<number> {
  const db = await createTestDatabase('portal_demo_cluster');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-demo-cluster-'));
  const opts = { databaseUrl: db.url, redisUrl: process.env.PORTAL_TEST_REDIS_URL!, dataDir };
  let cluster: Cluster | undefined;
  try {
    say(`database ${new URL(db.url).pathname.slice(1)} (fresh), Redis ${opts.redisUrl}, shared blobs in ${dataDir}`);
    await seedCluster(opts);
    cluster = await startCluster(opts);
    const [a, b] = cluster.replicas;
    say(`replica A ${a.url} (admin ${a.adminUrl})\nreplica B ${b.url} (admin ${b.adminUrl})\n`);

    // 1. One budget across replicas.
    const [key] = await issueKeys(opts, 'ten_acme', 1);
    const counts = { A: 0, B: 0, limited: 0 };
    for (let i = 0; i < 40; i++) {
      for (const [name, r] of [['A', a], ['B', b]] as const) {
        const res = await fetch(`${r.url}/v1/contacts?limit=1`, { headers: { Authorization: `Bearer ${key}` } });
        await res.arrayBuffer();
        if (res.status === 200) counts[name] += 1;
        else if (res.status === 429) counts.limited += 1;
      }
    }
    say(`1. rate limit (60/min per key, counted in Redis): 80 requests alternating A/B → ${counts.A} allowed by A + ${counts.B} by B = ${counts.A + counts.B}, ${counts.limited} refused (429)`);

    // 2. A signed URL from A downloads from B.
    const jobs = (await json(`${a.url}/v1/jobs?limit=20`, ACME_KEY)).data as { id: string }[];
    let file: { downloadUrl: string; sha256: string; name: string } | undefined;
    for (const job of jobs) {
      file = ((await json(`${a.url}/v1/jobs/${job.id}/files`, ACME_KEY)).data as (typeof file & object)[])[0];
      if (file) break;
    }
    if (!file) throw new Error('no demo file found');
    const res = await fetch(onReplica(file.downloadUrl, b));
    const body = Buffer.from(await res.arrayBuffer());
    const ok = createHash('sha256').update(body).digest('hex') === file.sha256;
    say(`2. signed URL issued by A, fetched from B: ${res.status}, ${body.length} bytes of ${file.name}, sha256 ${ok ? 'matches' : 'MISMATCH'}`);

    // 3. Kill A mid-load; B keeps serving.
    const loadKeys = await issueKeys(opts, 'ten_acme', 2);
    let served = 0;
    let failed = 0;
    let stop = false;
    const loop = async (k: string) => {
      while (!stop && served < 100) {
        try {
          const r = await fetch(`${b.url}/v1/contacts?limit=5`, { headers: { Authorization: `Bearer ${k}` } });
          await r.arrayBuffer();
          if (r.status === 200) served += 1;
          else failed += 1;
        } catch {
          failed += 1;
        }
      }
    };
    const loops = loadKeys.map(loop);
    while (served < 20) await new Promise((r) => setTimeout(r, 10));
    const atKill = served;
    await a.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await Promise.all(loops);
    const ready = (await fetch(`${b.adminUrl}/readyz`)).status;
    say(`3. A killed (SIGKILL) after B had served ${atKill}; B went on to ${served} responses, ${failed} failures, B /readyz ${ready}`);
    const pass = counts.A + counts.B === 60 && ok && res.status === 200 && failed === 0 && served > atKill && ready === 200;
    say(`\n${pass ? 'OK' : 'FAILED'}: shared rate limits, cross-replica signed URLs, survivor keeps serving`);
    if (values.keep) {
      say('\n--keep: replica B stays up until Ctrl-C');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return pass ? 0 : 1;
  } finally {
    await cluster?.stop();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`demo:cluster: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
