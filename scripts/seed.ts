/**
 * `npm run seed`: (re)creates the demo tenants (ten_acme, ten_globex) with their files and demo API keys.
 * `npm run seed -- --scale N [--tenant ten_scale]`: adds a synthetic tenant with N jobs for benchmarks.
 * Uses PORTAL_DATA_DIR / DATABASE_URL like the server. Refused when NODE_ENV=production.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { seedScale } from '../src/backend/sql/scale.js';
import { DEMO_API_KEYS, seedDemo } from '../src/backend/sql/seed.js';
import { openSqlStore } from '../src/backend/sql/store.js';
import { LocalBlobStore } from '../src/files/local.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { scale: { type: 'string' }, tenant: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('usage: npm run seed [-- --scale N [--tenant ten_scale]]');
    return 0;
  }
  const config = loadConfig();
  if (config.env === 'production') {
    console.error('seed: refused in production (NODE_ENV=production): demo and synthetic tenants must never reach a real deployment');
    return 1;
  }
  const scale = values.scale === undefined ? undefined : Number(values.scale.replace(/_/g, ''));
  if (scale !== undefined && (!Number.isInteger(scale) || scale < 1 || scale > 100_000_000)) {
    console.error(`seed: --scale expects a whole number of jobs from 1 to 100000000, got ${JSON.stringify(values.scale)}`);
    return 2;
  }
  const store = await openSqlStore({ dataDir: config.data.dir, databaseUrl: config.data.databaseUrl, migrate: true });
  try {
    const t0 = Date.now();
    if (scale !== undefined) {
      let last = 0;
      const summary = await seedScale(store, {
        jobs: scale,
        tenantId: values.tenant,
        onProgress: (done, total) => {
          if (Date.now() - last > 2000 || done === total) {
            last = Date.now();
            console.log(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} jobs (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
          }
        },
      });
      const secs = summary.ms / 1000;
      console.log(`Seeded ${summary.tenantId} on ${store.dialect} (${store.where}): ${summary.jobs.toLocaleString('en')} jobs, ${summary.contacts.toLocaleString('en')} contacts in ${secs.toFixed(1)} s (${Math.round(summary.jobs / secs).toLocaleString('en')} jobs/s)`);
    } else {
      const blobs = new LocalBlobStore(path.join(config.data.dir, 'blobs'));
      const s = await seedDemo(store, blobs);
      console.log(`Seeded the demo on ${store.dialect} (${store.where}) in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
        `${s.tenants} tenants, ${s.contacts} contacts, ${s.jobs} jobs, ${s.files} files (${(s.bytes / 1e6).toFixed(1)} MB of blobs)`);
      console.log('Demo API keys (demo only):');
      for (const k of Object.values(DEMO_API_KEYS)) console.log(`  ${k.tenantId.padEnd(12)} ${k.secret}`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`seed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
