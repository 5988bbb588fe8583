/**
 * Two Portal API replicas as they run in a scale-out deployment: one PostgreSQL database, one Redis, the same
 * signing keys and a blob directory they share (standing in for S3), each on its own ports. Used by the
 * two-replica test and `npm run demo:cluster`.
 */
import { API_KEY_SCOPES } from '../../src/backend/api-keys.js';
import { openSqlStore } from '../../src/backend/sql/store.js';
import { freePort, productionEnv, startPortal, type PortalProcess } from './portal-process.js';
import { seedDemoData } from './seed-data.js';

export interface ClusterOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Shared blob directory (local blobs; S3 in a real deployment). */
  dataDir: string;
  extraEnv?: Record<string, string>;
}

export interface Cluster {
  replicas: [PortalProcess, PortalProcess];
  stop(): Promise<void>;
}

/** Seeds the demo tenants into the (fresh) database and the shared blob dir. */
export async function seedCluster(opts: ClusterOptions): Promise<void> {
  await seedDemoData({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl });
}

/** Issues `count` fresh all-scopes API keys for a tenant: fresh keys mean fresh rate-limit budgets in Redis. */
export async function issueKeys(opts: ClusterOptions, tenantId: string, count: number): Promise<string[]> {
  const store = await openSqlStore({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, migrate: false });
  try {
    const keys: string[] = [];
    for (let i = 0; i < count; i++) keys.push((await store.createApiKey({ tenantId, scopes: [...API_KEY_SCOPES], name: `cluster ${i}` })).secret);
    return keys;
  } finally {
    await store.close();
  }
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const envFor = async () =>
    productionEnv(await freePort(), await freePort(), {
      DATABASE_URL: opts.databaseUrl,
      REDIS_URL: opts.redisUrl,
      PORTAL_DATA_DIR: opts.dataDir,
      PORTAL_SHUTDOWN_DRAIN_MS: '200',
      LOG_LEVEL: 'warn',
      ...opts.extraEnv,
    });
  const [envA, envB] = [await envFor(), await envFor()];
  const started = await Promise.allSettled([startPortal({ env: envA }), startPortal({ env: envB })]);
  const ok = started.filter((s): s is PromiseFulfilledResult<PortalProcess> => s.status === 'fulfilled').map((s) => s.value);
  if (ok.length < 2) {
    await Promise.all(ok.map((p) => p.stop('SIGKILL')));
    throw (started.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
  }
  const replicas = ok as [PortalProcess, PortalProcess];
  return {
    replicas,
    stop: async () => {
      await Promise.all(replicas.map((p) => p.stop()));
    },
  };
}

/** The same URL on another replica (what a load balancer does when it routes the next request elsewhere). */
export function onReplica(url: string, replica: PortalProcess): string {
  const u = new URL(url);
  const target = new URL(replica.url);
  u.protocol = target.protocol;
  u.host = target.host;
  return u.toString();
}
