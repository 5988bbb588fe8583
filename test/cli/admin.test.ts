/**
 * The admin CLI as operators run it: a real child process (through the `portal-admin` bin launcher) against a real
 * database, checked through the store the server uses.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlStore } from '../../src/backend/sql/store.js';
import { createTestDatabase, hasPostgres } from '../support/services.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(repo, 'src/cli/portal-admin.mjs');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(env: Record<string, string>, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repo, env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function roundTrip(label: string, setup: () => Promise<{ env: Record<string, string>; dataDir: string; databaseUrl?: string; cleanup: () => Promise<void> }>) {
  describe(`portal-admin on ${label}`, () => {
    let ctx: Awaited<ReturnType<typeof setup>>;
    beforeAll(async () => {
      ctx = await setup();
    });
    afterAll(async () => ctx?.cleanup());

    it('round-trips create tenant → create key → authenticate by hash → revoke → revoked', async () => {
      const created = await cli(ctx.env, 'tenants', 'create', 'ten_cli-test', '--name', 'CLI Test Ltd');
      expect(created).toMatchObject({ code: 0, stderr: '' });
      expect(created.stdout).toContain('ten_cli-test');

      const listed = await cli(ctx.env, 'tenants', 'list');
      expect(listed.stdout).toMatch(/ten_cli-test\s+CLI Test Ltd/);

      const key = await cli(ctx.env, 'api-keys', 'create', '--tenant', 'ten_cli-test', '--scopes', 'contacts:read,jobs:read', '--name', 'ci robot');
      expect(key.code).toBe(0);
      const lines = key.stdout.trimEnd().split('\n');
      const secret = lines[lines.length - 1]!;
      expect(secret).toMatch(/^pk_live_[A-Za-z0-9_-]{43}$/);
      expect(lines.slice(0, -1).join('\n')).not.toContain(secret); // printed once
      const keyId = /key_[0-9A-Za-z]{22}/.exec(key.stdout)![0];

      const store = await openSqlStore({ dataDir: ctx.dataDir, databaseUrl: ctx.databaseUrl });
      try {
        const hash = createHash('sha256').update(secret).digest('hex');
        const found = await store.findApiKeyByHash(hash, new AbortController().signal);
        expect(found).toMatchObject({ id: keyId, tenantId: 'ten_cli-test', name: 'ci robot', scopes: ['contacts:read', 'jobs:read'], revokedAt: null });

        const keys = await cli(ctx.env, 'api-keys', 'list', '--tenant', 'ten_cli-test');
        expect(keys.code).toBe(0);
        expect(keys.stdout).toMatch(new RegExp(`${keyId}\\s+ci robot\\s+contacts:read,jobs:read\\s+\\S+\\s+active`));
        expect(keys.stdout).not.toContain(secret);
        expect(keys.stdout).not.toContain(hash);

        const revoked = await cli(ctx.env, 'api-keys', 'revoke', keyId);
        expect(revoked.code).toBe(0);
        const after = await store.findApiKeyByHash(hash, new AbortController().signal);
        expect(after?.revokedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect((await cli(ctx.env, 'api-keys', 'list', '--tenant', 'ten_cli-test')).stdout).toContain(`revoked ${after!.revokedAt}`);
        expect((await cli(ctx.env, 'api-keys', 'revoke', keyId)).stdout).toContain('already revoked');
      } finally {
        await store.close();
      }
    }, 180_000);

    it('fails with one clear line and a non-zero exit on bad input', async () => {
      // Independent invocations, run side by side to keep the suite quick.
      const [dup, unknownTenant, badScope, badId, revokeUnknown, usage] = await Promise.all([
        cli(ctx.env, 'tenants', 'create', 'ten_cli-test', '--name', 'Again'),
        cli(ctx.env, 'api-keys', 'create', '--tenant', 'ten_nobody', '--scopes', 'jobs:read'),
        cli(ctx.env, 'api-keys', 'create', '--tenant', 'ten_cli-test', '--scopes', 'jobs:write'),
        cli(ctx.env, 'tenants', 'create', 'Acme', '--name', 'x'),
        cli(ctx.env, 'api-keys', 'revoke', 'key_0000000000000000000000'),
        cli(ctx.env, 'tenants', 'frobnicate'),
      ]);
      expect(dup.code).toBe(1);
      expect(dup.stderr.trim()).toBe('portal-admin: Tenant ten_cli-test already exists');

      expect(unknownTenant.code).toBe(1);
      expect(unknownTenant.stderr.trim()).toBe('portal-admin: Unknown tenant "ten_nobody"');
      expect(unknownTenant.stdout).toBe('');

      expect(badScope.code).toBe(1);
      expect(badScope.stderr).toMatch(/^portal-admin: Unknown scope jobs:write/);

      expect(badId.code).toBe(1);
      expect(badId.stderr).toMatch(/^portal-admin: Invalid tenant id "Acme"/);

      expect(revokeUnknown.code).toBe(1);

      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/^portal-admin: unknown command "tenants frobnicate"\nusage: portal-admin/);
      for (const r of [dup, unknownTenant, badScope, badId, usage]) expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
    }, 180_000);

    it("usage: a tenant's requests per day or month, as tables or the API's JSON; bad flags exit 2", async () => {
      const store = await openSqlStore({ dataDir: ctx.dataDir, databaseUrl: ctx.databaseUrl });
      try {
        await store.createTenant('ten_cli-usage', 'CLI Usage');
        const row = { tenantId: 'ten_cli-usage', rateLimited: 0, bytes: 0 };
        await store.recordUsage(
          [
            { ...row, day: '2026-01-30', operationId: 'listJobs', statusClass: '2xx', requests: 10 },
            { ...row, day: '2026-01-30', operationId: 'listJobs', statusClass: '4xx', requests: 3, rateLimited: 2 },
            { ...row, day: '2026-02-01', operationId: 'downloadFile', statusClass: '2xx', requests: 2, bytes: 4096 },
            { ...row, tenantId: 'ten_cli-test', day: '2026-01-30', operationId: 'listJobs', statusClass: '2xx', requests: 500 },
          ],
          AbortSignal.timeout(10_000),
        );
      } finally {
        await store.close();
      }
      const [days, months, json, unknown, badDay, reversed] = await Promise.all([
        cli(ctx.env, 'usage', '--tenant', 'ten_cli-usage', '--from', '2026-01-30', '--to', '2026-02-01'),
        cli(ctx.env, 'usage', '--tenant', 'ten_cli-usage', '--from', '2026-01-01', '--to', '2026-02-28', '--granularity', 'month'),
        cli(ctx.env, 'usage', '--tenant', 'ten_cli-usage', '--from', '2026-01-30', '--to', '2026-01-31', '--json'),
        cli(ctx.env, 'usage', '--tenant', 'ten_nobody'),
        cli(ctx.env, 'usage', '--tenant', 'ten_cli-usage', '--from', '2026-02-30'),
        cli(ctx.env, 'usage', '--tenant', 'ten_cli-usage', '--from', '2026-03-01', '--to', '2026-02-01'),
      ]);
      expect(days).toMatchObject({ code: 0, stderr: '' });
      expect(days.stdout.split('\n').slice(0, 5)).toEqual([
        'Usage of ten_cli-usage from 2026-01-30 to 2026-02-01 (UTC), per day:',
        'PERIOD      REQUESTS  2XX  3XX  4XX  5XX  429  DOWNLOADS  BYTES',
        '2026-01-30  13        10   0    3    0    2    0          0',
        '2026-01-31  0         0    0    0    0    0    0          0',
        '2026-02-01  2         2    0    0    0    0    2          4096',
      ]);
      expect(days.stdout).toMatch(/^downloadFile\s+2\s+2\s+0\s+0\s+0$/m);
      expect(days.stdout).toMatch(/^listJobs\s+13\s+10\s+0\s+3\s+0$/m);
      expect(months.stdout).toMatch(/^2026-01-01\s+13\s/m);
      expect(months.stdout).toMatch(/^2026-02-01\s+2\s/m);
      const report = JSON.parse(json.stdout) as { tenantId: string; periods: { requests: number }[] };
      expect([report.tenantId, report.periods.map((p) => p.requests)]).toEqual(['ten_cli-usage', [13, 0]]);
      expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'portal-admin: Unknown tenant "ten_nobody"']);
      expect([badDay.code, badDay.stderr.split('\n')[0]]).toEqual([2, 'portal-admin: --from must be a day, YYYY-MM-DD (UTC)']);
      expect([reversed.code, reversed.stderr.split('\n')[0]]).toEqual([2, 'portal-admin: --from must be on or before to (2026-02-01)']);
    }, 180_000);
  });
}

function migrateProcess(env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(repo, 'scripts/migrate.ts')], { cwd: repo, env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: '', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
}

it('runs `npm run migrate` from three processes at once on a fresh SQLite data dir', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'portal-migproc-'));
  try {
    const results = await Promise.all([1, 2, 3].map(() => migrateProcess({ PORTAL_DATA_DIR: dataDir })));
    expect(results.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, ''], [0, '']]);
    expect(results.filter((r) => r.stdout.includes('applied 0001_initial'))).toHaveLength(1);
    const store = await openSqlStore({ dataDir, migrate: false }); // the schema is complete
    await store.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);

roundTrip('SQLite', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'portal-cli-'));
  return { env: { PORTAL_DATA_DIR: dataDir }, dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
});

describe.runIf(await hasPostgres())('PostgreSQL', () => {
  roundTrip('PostgreSQL', async () => {
    const db = await createTestDatabase('portal_cli');
    return { env: { DATABASE_URL: db.url, PORTAL_DATA_DIR: '/nonexistent' }, dataDir: '/nonexistent', databaseUrl: db.url, cleanup: db.drop };
  });

  it('runs `npm run migrate` from two processes at once on a fresh database', async () => {
    const db = await createTestDatabase('portal_migproc');
    try {
      const [a, b] = await Promise.all([migrateProcess({ DATABASE_URL: db.url }), migrateProcess({ DATABASE_URL: db.url })]);
      expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
      // Exactly one of them applied the migration; the other found it done.
      expect([a.stdout, b.stdout].filter((s) => s.includes('applied 0001_initial'))).toHaveLength(1);
      expect([a.stdout, b.stdout].filter((s) => s.includes('nothing to apply'))).toHaveLength(1);
    } finally {
      await db.drop();
    }
  }, 120_000);
});
