/**
 * The admin CLI (`npm run admin -- …`, bin `portal-admin`): tenants and API keys, against the same database the
 * server uses (PORTAL_DATA_DIR for SQLite, DATABASE_URL for PostgreSQL), read through loadConfig().
 *
 * Output contract: `api-keys create` prints the new secret exactly once, alone on the last line of stdout, so
 * scripts can take `| tail -n 1`. Nothing else ever prints a secret or its hash. Errors are one line on stderr
 * and a non-zero exit (2 for usage, 1 for everything else).
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { API_KEY_SCOPES } from '../backend/api-keys.js';
import { AdminError } from '../backend/sql/writes.js';
import { openSqlStore, sqlStoreOptions, StoreOpenError } from '../backend/sql/store.js';
import type { SqlStore } from '../backend/sql/store.js';

export const USAGE = `usage: portal-admin <command> [options]

  tenants create <tenantId> --name <name>     create a tenant (id like ten_acme)
  tenants list                                list tenants
  api-keys create --tenant <tenantId> --scopes <a,b,…> [--name <label>]
                                              create a key; prints its secret once, on the last line
  api-keys list --tenant <tenantId>           list a tenant's keys (never the secret)
  api-keys revoke <keyId>                     revoke a key at once

scopes: ${API_KEY_SCOPES.join(', ')}
database: PORTAL_DATA_DIR (SQLite, default ./data) or DATABASE_URL=postgres://…`;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

class UsageError extends Error {}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`missing ${flag}`);
  return value;
}

async function run(args: string[], io: Io, open: () => Promise<SqlStore>): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { name: { type: 'string' }, tenant: { type: 'string' }, scopes: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [group, action, ...rest] = positionals;
  const command = `${group ?? ''} ${action ?? ''}`.trim();
  const known = ['tenants create', 'tenants list', 'api-keys create', 'api-keys list', 'api-keys revoke'];
  if (!known.includes(command)) throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
  const wantPositionals = command === 'tenants create' || command === 'api-keys revoke' ? 1 : 0;
  if (rest.length !== wantPositionals) throw new UsageError(`"${command}" takes ${wantPositionals === 1 ? 'one argument' : 'no arguments'}`);

  // Validate arguments before touching the database.
  const name = command === 'tenants create' ? required(values.name, '--name') : values.name;
  const tenant = command === 'api-keys create' || command === 'api-keys list' ? required(values.tenant, '--tenant') : undefined;
  const scopes = command === 'api-keys create' ? required(values.scopes, '--scopes').split(',') : [];

  const store = await open();
  try {
    switch (command) {
      case 'tenants create': {
        const t = await store.createTenant(rest[0]!, name!);
        io.out(`Created tenant ${t.id} (${t.name}).`);
        break;
      }
      case 'tenants list': {
        const tenants = await store.listTenants();
        if (tenants.length === 0) io.out('No tenants.');
        else for (const line of table([['ID', 'NAME', 'CREATED'], ...tenants.map((t) => [t.id, t.name, t.createdAt])])) io.out(line);
        break;
      }
      case 'api-keys create': {
        const { key, secret } = await store.createApiKey({ tenantId: tenant!, scopes, name });
        io.out(`Created API key ${key.id} "${key.name}" for ${key.tenantId} with scopes ${key.scopes.join(', ')}.`);
        io.out('The secret below is shown once and cannot be recovered; store it now.');
        io.out(secret);
        break;
      }
      case 'api-keys list': {
        if (!(await store.listTenants()).some((t) => t.id === tenant)) throw new AdminError(`Unknown tenant ${JSON.stringify(tenant)}`);
        const keys = await store.listApiKeys(tenant!);
        if (keys.length === 0) io.out(`No API keys for ${tenant}.`);
        else {
          const rows = keys.map((k) => [k.id, k.name, k.scopes.join(','), k.createdAt, k.revokedAt ? `revoked ${k.revokedAt}` : 'active']);
          for (const line of table([['ID', 'NAME', 'SCOPES', 'CREATED', 'STATUS'], ...rows])) io.out(line);
        }
        break;
      }
      case 'api-keys revoke': {
        const before = await store.db.selectFrom('api_keys').select('revoked_at').where('id', '=', rest[0]!).executeTakeFirst();
        const key = await store.revokeApiKey(rest[0]!);
        if (!key) throw new AdminError(`Unknown API key ${JSON.stringify(rest[0])}`);
        io.out(before?.revoked_at != null ? `API key ${key.id} was already revoked at ${key.revokedAt}.` : `Revoked API key ${key.id} of ${key.tenantId} at ${key.revokedAt}.`);
        break;
      }
    }
  } finally {
    await store.close();
  }
}

/** Runs one CLI invocation; returns the exit code. Never throws. */
export async function runAdmin(args: string[], io: Io = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  if (args.includes('--help') || args.includes('-h') || args[0] === 'help') {
    io.out(USAGE);
    return 0;
  }
  try {
    await run(args, io, async () => {
      return openSqlStore(sqlStoreOptions(loadConfig()));
    });
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      io.err(`portal-admin: ${err.message}`);
      io.err(USAGE);
      return 2;
    }
    if (err instanceof ConfigError) io.err(`portal-admin: invalid configuration: ${err.problems.join('; ')}`);
    else if (err instanceof AdminError || err instanceof StoreOpenError) io.err(`portal-admin: ${err.message}`);
    else io.err(`portal-admin: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    return 1;
  }
}
