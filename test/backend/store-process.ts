/**
 * One process of a "several processes at once" test (run with `node --import tsx`): opens the SQL store on
 * DATABASE_URL (read through src/config.ts, like the server; opening migrates it), says `ready`, waits for `go` on
 * stdin so that every process starts the racy part in the same instant, then does its part and prints one JSON line
 * with the result.
 *
 *   STORE_PROCESS_TASK=migrate  open the store only after `go` (the migrations race)
 *   STORE_PROCESS_TASK=seed     open before `ready`, seed the demo data if the database is empty after `go`
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import { seedDemoIfEmpty } from '../../src/backend/sql/seed.js';
import { openSqlStore, type SqlStore } from '../../src/backend/sql/store.js';
import { loadConfig } from '../../src/config.js';
import { LocalBlobStore } from '../../src/files/local.js';

const task = process.env.STORE_PROCESS_TASK;
const { databaseUrl, dir: dataDir } = loadConfig().data;
if ((task !== 'migrate' && task !== 'seed') || !databaseUrl) throw new Error('STORE_PROCESS_TASK (migrate|seed) and DATABASE_URL are required');

const open = () => openSqlStore({ dataDir, databaseUrl, poolSize: 2 });
let store: SqlStore | undefined = task === 'seed' ? await open() : undefined;

const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.on('line', (l) => l === 'go' && resolve()));
process.stdout.write('ready\n');
await go;
lines.close();

let result: unknown;
if (task === 'migrate') {
  store = await open();
  result = { migrated: true };
} else {
  result = { seeded: (await seedDemoIfEmpty(store!, new LocalBlobStore(path.join(dataDir, 'blobs')))) !== null };
}
await store!.close();
process.stdout.write(`${JSON.stringify({ pid: process.pid, ...(result as object) })}\n`);
