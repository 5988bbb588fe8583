/**
 * `npm run canary -- [options]`: a phased canary rollout of one build over another on HAProxy, Prometheus,
 * PostgreSQL and Redis, with SLO go/no-go gates and automatic rollback, under steady load (scripts/canary/
 * rollout.ts). Prints the timeline and each phase's SLO readings, writes the JSON report.
 *
 * Exit code: 0 when the outcome is the expected one (`--expect`, default promoted), 2 when it is not, 1 when the
 * run itself failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_GATE } from '../../ops/canary.js';
import { REPO_ROOT } from '../bench/portal-process.js';
import { FAULTS, parseSetting, type Fault } from './builds.js';
import { formatReport } from './report.js';
import { runCanary } from './rollout.js';

const USAGE = `usage: npm run canary -- [options]

Builds (each: git:<ref> of this repository, or a directory with an installed build; default: this checkout)
  --stable <build>             the build serving now
  --canary <build>             the build to roll out
  --stable-label / --canary-label <text>    name in the report and portal_build_info{revision}
  --stable-env / --canary-env KEY=VALUE     a setting of that build (repeatable)
  --canary-fault errors|latency             TEST ONLY: the canary answers 5% with 500 / adds 300 ms
                                            (sets PORTAL_TEST_FAULTS=enabled and the fault on the canary)
Rollout
  --bake <s>          bake time of each phase (5/25/50/100 %), default ${LOCAL_GATE.bakeSeconds}
  --interval <s>      analysis interval, default ${LOCAL_GATE.intervalSeconds}
  --warmup <s>        load on stable alone before phase 1, default 5
  --tail <s>          load after the last weight change, default 3
  --rate <req/s>      paced load through HAProxy for the whole run, default ${LOCAL_GATE.rate}
Services
  --database-url <url>   PostgreSQL server (a fresh database is created and dropped);
                         default $PORTAL_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres
  --redis-url <url>      default $PORTAL_TEST_REDIS_URL or redis://127.0.0.1:6379 (database 15 unless the URL names one)
Output
  --json <file>          default reports/canary/canary-<time>.json
  --expect promoted|rolled-back   which outcome exits 0 (default promoted)
  --keep                 keep the run's directory (configs, logs, TSDB)`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stable: { type: 'string', default: '.' },
      canary: { type: 'string', default: '.' },
      'stable-label': { type: 'string' },
      'canary-label': { type: 'string' },
      'stable-env': { type: 'string', multiple: true, default: [] },
      'canary-env': { type: 'string', multiple: true, default: [] },
      'canary-fault': { type: 'string' },
      bake: { type: 'string', default: String(LOCAL_GATE.bakeSeconds) },
      interval: { type: 'string', default: String(LOCAL_GATE.intervalSeconds) },
      warmup: { type: 'string', default: '5' },
      tail: { type: 'string', default: '3' },
      rate: { type: 'string', default: String(LOCAL_GATE.rate) },
      'database-url': { type: 'string', default: process.env.PORTAL_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres' },
      'redis-url': { type: 'string', default: process.env.PORTAL_TEST_REDIS_URL || 'redis://127.0.0.1:6379' },
      json: { type: 'string' },
      expect: { type: 'string', default: 'promoted' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const num = (name: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name}: expected a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return n;
  };
  const fault = values['canary-fault'];
  if (fault !== undefined && !(fault in FAULTS)) throw new Error(`--canary-fault: expected ${Object.keys(FAULTS).join(' or ')}, got ${JSON.stringify(fault)}`);
  if (!['promoted', 'rolled-back'].includes(values.expect)) throw new Error('--expect: promoted or rolled-back');
  const settings = (list: string[]) => Object.fromEntries(list.map(parseSetting));
  const canaryEnv = { ...settings(values['canary-env']), ...(fault ? FAULTS[fault as Fault] : {}) };

  const controller = new AbortController();
  const onSignal = () => {
    console.error('\ncanary: interrupted, stopping everything it started…');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const report = await runCanary({
    stable: { source: values.stable, label: values['stable-label'] ?? (values.stable === '.' ? 'stable' : undefined), env: settings(values['stable-env']) },
    canary: { source: values.canary, label: values['canary-label'] ?? (values.canary === '.' ? `canary${fault ? `-${fault}-fault` : ''}` : undefined), env: canaryEnv },
    bakeSeconds: num('bake', values.bake, 1, 86_400),
    intervalSeconds: num('interval', values.interval, 1, 3600),
    warmupSeconds: num('warmup', values.warmup, 0, 3600),
    tailSeconds: num('tail', values.tail, 0, 3600),
    rate: num('rate', values.rate, 1, 5000),
    databaseUrl: values['database-url'],
    redisUrl: values['redis-url'],
    keepWorkDir: values.keep,
    signal: controller.signal,
  });
  console.log(formatReport(report));
  const file = values.json ?? path.join(REPO_ROOT, 'reports/canary', `canary-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nJSON report: ${path.relative(process.cwd(), file) || file}`);
  const expected = values.expect === 'promoted' ? 'promoted' : 'rolled back';
  return report.outcome === expected ? 0 : 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`canary: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
