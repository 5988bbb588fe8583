/**
 * Two replicas on the machine's PostgreSQL (a fresh database) and Redis, sharing signing keys and a blob
 * directory: the rate-limit budget is shared (60 a minute in total, not per replica), a signed URL issued by one
 * replica downloads from the other, and killing one replica mid-load leaves the other serving without a failure.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKeys, onReplica, seedCluster, startCluster, type Cluster, type ClusterOptions } from '../../scripts/bench/cluster.js';
import { createTestDatabase, hasPostgres, hasRedis, testRedisUrl } from '../support/services.js';
import { get, newOutcome, runClient } from './load-client.js';

const enabled = (await hasPostgres()) && (await hasRedis());
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!enabled)('two replicas on PostgreSQL + Redis', () => {
  let db: { url: string; drop: () => Promise<void> };
  let dataDir: string;
  let opts: ClusterOptions;
  let cluster: Cluster | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('portal_ops_cluster');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-ops-cluster-'));
    opts = { databaseUrl: db.url, redisUrl: testRedisUrl!, dataDir };
    await seedCluster(opts);
    cluster = await startCluster(opts);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(cluster?.replicas.map((p) => p.stop('SIGKILL')) ?? []);
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('both replicas serve the same data from the one database', async () => {
    const [a, b] = cluster!.replicas;
    const [key] = await issueKeys(opts, 'ten_acme', 1);
    const fromA = await get(`${a.url}/v1/contacts?limit=5`, { headers: bearer(key!) });
    const fromB = await get(`${b.url}/v1/contacts?limit=5`, { headers: bearer(key!) });
    expect(fromA.status).toBe(200);
    expect(fromB.status).toBe(200);
    expect(JSON.parse(fromB.body.toString())).toEqual(JSON.parse(fromA.body.toString()));
  });

  it('shares one rate-limit budget: 60 requests a minute in total across both replicas', async () => {
    const [a, b] = cluster!.replicas;
    const [key] = await issueKeys(opts, 'ten_acme', 1);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      for (const replica of [a, b]) statuses.push((await get(`${replica.url}/v1/contacts?limit=1`, { headers: bearer(key!) })).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    // Budget exhausted means exhausted on both, whichever replica answers next.
    expect((await get(`${a.url}/v1/contacts?limit=1`, { headers: bearer(key!) })).status).toBe(429);
    expect((await get(`${b.url}/v1/contacts?limit=1`, { headers: bearer(key!) })).status).toBe(429);
  });

  it('downloads a signed URL issued by one replica from the other', async () => {
    const [a, b] = cluster!.replicas;
    const [key] = await issueKeys(opts, 'ten_globex', 1);
    const jobs = JSON.parse((await get(`${a.url}/v1/jobs?limit=50`, { headers: bearer(key!) })).body.toString()) as { data: { id: string }[] };
    let file: { downloadUrl: string; sha256: string; size: number } | undefined;
    for (const job of jobs.data) {
      const files = JSON.parse((await get(`${a.url}/v1/jobs/${job.id}/files`, { headers: bearer(key!) })).body.toString()) as { data: (typeof file & object)[] };
      file = files.data[0];
      if (file) break;
    }
    expect(file).toBeDefined();
    expect(file!.downloadUrl.startsWith(`${a.url}/`)).toBe(true);

    const res = await get(onReplica(file!.downloadUrl, b));
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(file!.size);
    expect(createHash('sha256').update(res.body).digest('hex')).toBe(file!.sha256);
    // The signature still protects it on the other replica.
    const tampered = new URL(onReplica(file!.downloadUrl, b));
    tampered.searchParams.set('sig', `${tampered.searchParams.get('sig')!.slice(0, -2)}AA`);
    expect((await get(tampered.toString())).status).toBe(403);
  });

  it('keeps serving from one replica when the other is killed mid-load', async () => {
    const [a, b] = cluster!.replicas;
    const keys = await issueKeys(opts, 'ten_acme', 4);
    const onA = newOutcome();
    const onB = newOutcome();
    let stop = false;
    // 50 requests per key and replica keeps each key's budget (60/min, shared) from running out.
    const paced = (o: ReturnType<typeof newOutcome>) => () => stop || o.responses >= keys.length * 25;
    const clients = [
      ...keys.slice(0, 2).map((k) => runClient(`${a.url}/v1/contacts?limit=5`, bearer(k), onA, paced(onA))),
      ...keys.slice(2).map((k) => runClient(`${b.url}/v1/contacts?limit=5`, bearer(k), onB, paced(onB))),
    ];
    const waitFor = async (check: () => boolean) => {
      for (let i = 0; i < 400 && !check(); i++) await sleep(25);
      return check();
    };
    expect(await waitFor(() => onA.responses >= 10 && onB.responses >= 10)).toBe(true);
    const beforeKill = onB.responses;
    expect(await a.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

    expect(await waitFor(() => onB.responses >= beforeKill + 20)).toBe(true);
    stop = true;
    await Promise.all(clients);

    expect(onB.failures).toEqual([]);
    expect(onB.notAccepted).toBe(0);
    expect(Object.keys(onB.byStatus)).toEqual(['200']);
    expect((await get(`${b.adminUrl}/readyz`)).status).toBe(200);
    expect(JSON.parse((await get(`${b.url}/v1/health`)).body.toString())).toMatchObject({ status: 'ok' });
    // The killed replica's clients saw it go (reset or refused), as a load balancer's health check would.
    expect(onA.failures.length + onA.refused).toBeGreaterThan(0);
  });
});
