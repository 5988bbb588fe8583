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
