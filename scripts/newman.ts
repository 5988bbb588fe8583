/**
 * `npm run test:newman`: the generated Postman collection (generated/postman/) run with newman against a real
 * server — the production pipeline on a freshly seeded temp data dir (SQLite), with the demo ACME key — writing
 * newman's JSON report to `reports/newman/newman-results.json` (the evidence the v1 release kept). Exits non-zero
 * on any failed assertion or request error, or when the run asserted nothing.
 *
 * Options (env): NEWMAN_COLLECTION (another collection file), NEWMAN_REPORT (another report path).
 * `runNewman({collection, baseUrl, token, reportFile})` is exported for the tests.
 */
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { DEMO_API_KEYS } from '../src/backend/sql/seed.js';
import { createLogger } from '../src/observability/logger.js';
import { openDependencies } from '../src/runtime/dependencies.js';
import { ROOT } from './lib/spec.js';

export const DEFAULT_COLLECTION = path.join(ROOT, 'generated/postman/portal-api.postman_collection.json');
export const DEFAULT_REPORT = path.join(ROOT, 'reports/newman/newman-results.json');

/** The part of newman's run summary this script reads. */
export interface NewmanSummary {
  run: {
    stats: Record<'requests' | 'assertions' | 'testScripts', { total: number; failed: number }>;
    failures: { error: { name?: string; message: string; test?: string }; source?: { name?: string } }[];
    executions: { item: { name: string }; response?: { code: number }; assertions?: { assertion: string; error?: { message: string } }[] }[];
  };
}

interface Newman {
  run(options: Record<string, unknown>, cb: (err: Error | null, summary: NewmanSummary) => void): void;
}
const newman = createRequire(import.meta.url)('newman') as Newman;

export interface NewmanOptions {
  collection: object;
  baseUrl: string;
  token: string;
  /** Where the JSON report goes; none when omitted. */
  reportFile?: string;
  /** Print newman's CLI report (default true). */
  cli?: boolean;
}

export function runNewman(opts: NewmanOptions): Promise<NewmanSummary> {
  if (opts.reportFile) mkdirSync(path.dirname(opts.reportFile), { recursive: true });
  const reporters = [...(opts.cli === false ? [] : ['cli']), ...(opts.reportFile ? ['json'] : [])];
  return new Promise((resolve, reject) =>
    newman.run(
      {
        collection: opts.collection,
        envVar: [
          { key: 'baseUrl', value: opts.baseUrl },
          { key: 'token', value: opts.token },
        ],
        reporters,
        reporter: opts.reportFile ? { json: { export: opts.reportFile } } : {},
        timeoutRequest: 30_000,
        // The signed download answers with the file's bytes; keep them out of the report.
        insecure: false,
        bail: false,
      },
      (err, summary) => (err ? reject(err) : resolve(summary)),
    ),
  );
}

/**
 * The report is an artifact people download: the bearer token and URL signatures in it (request headers, the
 * environment, captured variables, signed URLs inside JSON answers) are replaced, like everywhere else credentials
 * could surface. Answers that are not JSON (the file bytes) are left out of the report; their size stays.
 */
export function redactReport(file: string, secrets: string[]): void {
  const redact = (text: string) => {
    for (const s of secrets.filter(Boolean)) text = text.split(s).join('REDACTED');
    return text.replace(/([?&]sig=)[A-Za-z0-9_-]+/g, '$1REDACTED');
  };
  const report = JSON.parse(readFileSync(file, 'utf8')) as { run?: { executions?: { response?: { stream?: { type: string; data: number[] }; header?: { key: string; value: string }[] } }[] } };
  for (const ex of report.run?.executions ?? []) {
    const res = ex.response;
    if (!res?.stream || res.stream.type !== 'Buffer') continue;
    const type = res.header?.find((h) => h.key.toLowerCase() === 'content-type')?.value ?? '';
    const bytes = Buffer.from(res.stream.data);
    res.stream = { type: 'Buffer', data: /json/.test(type) ? [...Buffer.from(redact(bytes.toString('utf8')))] : [] };
  }
  let text = redact(JSON.stringify(report, null, 2));
  text = text.replace(/("key":\s*"sig",\s*"value":\s*")[^"]*"/g, '$1REDACTED"');
  writeFileSync(file, text + '\n');
}

/** What makes a run a failure: any failed assertion or request, or a run that asserted nothing at all. */
export function verdictOf(summary: NewmanSummary): string[] {
  const s = summary.run.stats;
  const problems = summary.run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.test ? `${f.error.test}: ` : ''}${f.error.message}`);
  if (s.assertions.total === 0) problems.push('the run made no assertions');
  if (s.requests.total === 0) problems.push('the run sent no requests');
  return problems;
}

export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

/** The app over a freshly seeded SQLite data dir in a temp dir, on 127.0.0.1 and a free port. */
export async function startSeededServer(env: Record<string, string> = {}, logFile?: string): Promise<LocalServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-newman-'));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({ NODE_ENV: 'test', PORTAL_DATA_DIR: dir, PORTAL_SEED_DEMO: 'true', PORTAL_PUBLIC_URL: url, LOG_LEVEL: 'warn', ...env });
  // Server logs go to a file next to the report (the console is newman's).
  if (logFile) mkdirSync(path.dirname(logFile), { recursive: true });
  const logger = createLogger({ level: config.observability.logLevel, debugLogSampleRate: 1 }, logFile ? createWriteStream(logFile) : undefined);
  const deps = await openDependencies(config, logger);
  const app = createApp({ config, backend: deps.backend, blobs: deps.blobs, logger });
  server.on('request', app);
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.locals.rateLimiters.close();
      await deps.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<number> {
  const collectionFile = path.resolve(process.env.NEWMAN_COLLECTION ?? DEFAULT_COLLECTION);
  const reportFile = path.resolve(process.env.NEWMAN_REPORT ?? DEFAULT_REPORT);
  const collection = JSON.parse(readFileSync(collectionFile, 'utf8')) as object;
  const server = await startSeededServer({}, path.join(path.dirname(reportFile), 'server.log'));
  try {
    const token = DEMO_API_KEYS.acme.secret;
    const summary = await runNewman({ collection, baseUrl: server.url, token, reportFile });
    redactReport(reportFile, [token]);
    const s = summary.run.stats;
    const problems = verdictOf(summary);
    // `npm test` (scripts/run-tests.ts) counts each assertion as a test when this file exists.
    const totals = path.join(ROOT, 'reports/tests/newman.totals.json');
    mkdirSync(path.dirname(totals), { recursive: true });
    writeFileSync(totals, JSON.stringify({ passed: s.assertions.total - s.assertions.failed, failed: s.assertions.failed + s.requests.failed, skipped: 0 }) + '\n');
    console.log(`newman: ${s.requests.total} requests, ${s.assertions.total} assertions (${s.assertions.failed} failed); report: ${path.relative(ROOT, reportFile)}`);
    if (problems.length) {
      console.error(`newman: the collection failed against the live server:\n  ${problems.join('\n  ')}`);
      return 1;
    }
    return 0;
  } finally {
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
