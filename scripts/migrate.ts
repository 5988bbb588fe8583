/**
 * `npm run migrate`: applies pending migrations to the configured database (PORTAL_DATA_DIR or DATABASE_URL).
 * Idempotent and safe to run from several processes at once.
 */
import { loadConfig } from '../src/config.js';
import { openSqlStore } from '../src/backend/sql/store.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const store = await openSqlStore({ dataDir: config.data.dir, databaseUrl: config.data.databaseUrl, migrate: true });
  const applied = store.appliedMigrations;
  console.log(`Database ${store.dialect} (${store.where}) is up to date${applied.length ? `; applied ${applied.join(', ')}` : '; nothing to apply'}.`);
  await store.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`migrate: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
