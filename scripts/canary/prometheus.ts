/**
 * Prometheus (Debian's `prometheus`) for one canary run: scrapes both builds' admin ports every second under the
 * job and `track` labels the gate's checks select on (ops/canary.ts), with the project's own recording and alerting
 * rules loaded (ops/prometheus/portal-api.rules.yaml), on a free port and a throwaway TSDB. `query()` is the HTTP
 * API's instant query.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { LOCAL_SCRAPE_SECONDS, SCRAPE_JOB, TRACK_LABEL, type Track } from '../../ops/canary.js';
import { REPO_ROOT } from '../bench/portal-process.js';
import { startProcess, waitUntil, type Proc } from './processes.js';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? 'prometheus';
export const RULES_FILE = path.join(REPO_ROOT, 'ops/prometheus/portal-api.rules.yaml');

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface Prometheus {
  url: string;
  proc: Proc;
  /** Instant query; a vector's samples (a scalar comes back as one sample without labels). */
  query(expr: string): Promise<Sample[]>;
}

export interface ScrapeTarget {
  track: Track;
  adminPort: number;
  build: string;
}

export function prometheusConfig(targets: ScrapeTarget[]): string {
  return stringify({
    global: { scrape_interval: `${LOCAL_SCRAPE_SECONDS}s`, scrape_timeout: `${LOCAL_SCRAPE_SECONDS}s`, evaluation_interval: `${LOCAL_SCRAPE_SECONDS}s` },
    rule_files: [RULES_FILE],
    scrape_configs: [
      {
        job_name: SCRAPE_JOB,
        static_configs: targets.map((t) => ({ targets: [`127.0.0.1:${t.adminPort}`], labels: { [TRACK_LABEL]: t.track, build: t.build } })),
      },
    ],
  });
}

export async function startPrometheus(opts: { dir: string; port: number; targets: ScrapeTarget[] }): Promise<Prometheus> {
  const cfg = path.join(opts.dir, 'prometheus.yml');
  writeFileSync(cfg, prometheusConfig(opts.targets));
  const proc = startProcess(
    'prometheus',
    PROMETHEUS_BIN,
    [`--config.file=${cfg}`, `--storage.tsdb.path=${path.join(opts.dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${opts.port}`, '--storage.tsdb.retention.time=1d', '--log.level=warn'],
    { cwd: opts.dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, logFile: path.join(opts.dir, 'prometheus.log') },
  );
  const url = `http://127.0.0.1:${opts.port}`;
  const query = async (expr: string): Promise<Sample[]> => {
    const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }), signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
    if (body.status !== 'success' || !body.data) throw new Error(`prometheus query failed (${body.error ?? res.status}): ${expr}`);
    if (body.data.resultType === 'scalar') return [{ metric: {}, value: Number((body.data.result as [number, string])[1]) }];
    return (body.data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };
  await waitUntil('Prometheus ready', async () => (await fetch(`${url}/-/ready`)).ok, { timeoutMs: 30_000, proc, everyMs: 200 });
  await waitUntil('Prometheus scraping every build', async () => {
    const up = await query(`up{job="${SCRAPE_JOB}"} == 1`);
    return opts.targets.every((t) => up.some((s) => s.metric[TRACK_LABEL] === t.track));
  }, { timeoutMs: 30_000, proc, everyMs: 250 });
  return { url, proc, query };
}
