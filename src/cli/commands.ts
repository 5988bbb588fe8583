/**
 * The admin CLI (`npm run admin -- …`, bin `portal-admin`): tenants, API keys and usage, against the same database the
 * server uses (PORTAL_DATA_DIR for SQLite, DATABASE_URL for PostgreSQL), read through loadConfig().
 *
 * Output contract: `api-keys create` prints the new secret exactly once, alone on the last line of stdout, so
 * scripts can take `| tail -n 1`. Nothing else ever prints a secret or its hash. Errors are one line on stderr
 * and a non-zero exit (2 for usage, 1 for everything else).
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { API_KEY_SCOPES } from '../backend/api-keys.js';
import { isDay, resolveUsageRange, usageReport, type Granularity, type UsageReport } from '../backend/usage-report.js';
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
  usage --tenant <tenantId> [--from <day>] [--to <day>] [--granularity day|month] [--json]
                                              a tenant's requests per day or month (UTC; default: the
                                              last 30 days), by status class, with 429s, downloads, bytes

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

/** The usage command's range from its flags, refused (exit 2) the way GET /v1/usage refuses its parameters. */
function usageRange(values: { from?: string; to?: string; granularity?: string }) {
  for (const flag of ['from', 'to'] as const) {
    const v = values[flag];
    if (v !== undefined && !isDay(v)) throw new UsageError(`--${flag} must be a day, YYYY-MM-DD (UTC)`);
  }
  if (values.granularity !== undefined && values.granularity !== 'day' && values.granularity !== 'month') throw new UsageError('--granularity must be day or month');
  const range = resolveUsageRange({ from: values.from, to: values.to, granularity: values.granularity as Granularity | undefined });
  if (Array.isArray(range)) throw new UsageError(range.map((e) => `--${e.name} ${e.message}`).join('; '));
  return range;
}

/** The report as JSON (the API's body), or two tables: the periods, then the operations over the whole range. */
function printUsage(report: UsageReport, json: boolean, io: Io): void {
  if (json) {
    io.out(JSON.stringify(report, null, 2));
    return;
  }
  io.out(`Usage of ${report.tenantId} from ${report.from} to ${report.to} (UTC), per ${report.granularity}:`);
  const n = (v: number) => String(v);
  const cls = (p: { operations: { statusClasses: Record<string, number> }[] }, c: string) => n(p.operations.reduce((s, o) => s + (o.statusClasses[c] ?? 0), 0));
  const periods = report.periods.map((p) => [p.start, n(p.requests), cls(p, '2xx'), cls(p, '3xx'), cls(p, '4xx'), cls(p, '5xx'), n(p.rateLimited), n(p.downloads), n(p.bytes)]);
  for (const line of table([['PERIOD', 'REQUESTS', '2XX', '3XX', '4XX', '5XX', '429', 'DOWNLOADS', 'BYTES'], ...periods])) io.out(line);
  const totals = new Map<string, Record<string, number>>();
  for (const o of report.periods.flatMap((p) => p.operations)) {
    const t = totals.get(o.operationId) ?? { requests: 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
    t.requests! += o.requests;
    for (const [c, v] of Object.entries(o.statusClasses)) t[c]! += v;
    totals.set(o.operationId, t);
  }
  if (totals.size === 0) return io.out('No requests in this range.');
  io.out('');
  const ops = [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([op, t]) => [op, n(t.requests!), n(t['2xx']!), n(t['3xx']!), n(t['4xx']!), n(t['5xx']!)]);
  for (const line of table([['OPERATION', 'REQUESTS', '2XX', '3XX', '4XX', '5XX'], ...ops])) io.out(line);
}

async function run(args: string[], io: Io, open: () => Promise<SqlStore>): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      tenant: { type: 'string' },
      scopes: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      granularity: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, action, ...rest] = positionals;
  const command = `${group ?? ''} ${action ?? ''}`.trim();
  const known = ['tenants create', 'tenants list', 'api-keys create', 'api-keys list', 'api-keys revoke', 'usage'];
  if (!known.includes(command)) throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
  const wantPositionals = command === 'tenants create' || command === 'api-keys revoke' ? 1 : 0;
  if (rest.length !== wantPositionals) throw new UsageError(`"${command}" takes ${wantPositionals === 1 ? 'one argument' : 'no arguments'}`);

  // Validate arguments before touching the database.
  const name = command === 'tenants create' ? required(values.name, '--name') : values.name;
  const tenant = command === 'api-keys create' || command === 'api-keys list' ? required(values.tenant, '--tenant') : undefined;
  const scopes = command === 'api-keys create' ? required(values.scopes, '--scopes').split(',') : [];
  const range = command === 'usage' ? usageRange(values) : undefined;
  const usageTenant = command === 'usage' ? required(values.tenant, '--tenant') : undefined;

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
      case 'usage': {
        if (!(await store.listTenants()).some((t) => t.id === usageTenant)) throw new AdminError(`Unknown tenant ${JSON.stringify(usageTenant)}`);
        const rows = await store.getUsage(usageTenant!, range!, AbortSignal.timeout(60_000));
        printUsage(usageReport(usageTenant!, range!, rows), values.json === true, io);
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
