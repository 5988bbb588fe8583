/**
 * `npm run slo-report -- <source> [--baseline <source>] [--json] [--strict]`
 *
 * A per-endpoint SLO compliance table from either
 *   - a Prometheus scrape: a saved `/metrics` text file or a URL (the admin listener's
 *     http://127.0.0.1:9464/metrics). With `--baseline` (an earlier scrape) only the requests in between count,
 *     which is how a benchmark run is judged. Percentiles are estimated from the histogram buckets as PromQL's
 *     histogram_quantile() does; the share of requests under each target is exact (targets are bucket bounds).
 *   - a benchmark JSON report: `npm run bench`'s reports/bench/bench.json (each endpoint's fixed-rate run of the full
 *     stack), or `{ "endpoints": [{ "name"|"route"|"path", "requests", "errors"?, "status"?: {"200": n…},
 *     "latencyMs": {"p50","p95","p99"} }] }`, or autocannon results (one object or an array; `title`/`url` name the
 *     endpoint; autocannon has no p95, so its p97.5 stands in, marked `≈`).
 * Targets come from src/observability/slo.ts (the same table as the alerts). `--strict` exits 1 when an
 * objective is missed.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { collectBuckets, parseExposition, quantileFromBuckets, type Sample } from '../src/observability/exposition.js';
import { ERROR_SLOS, LATENCY_SLOS, leLabel, type LatencySlo } from '../src/observability/slo.js';

export interface EndpointResult {
  slo: string;
  requests: number;
  p50?: number;
  p95?: number;
  p99?: number;
  /** p95 stands in for an approximation (autocannon's p97.5). */
  p95Approx?: boolean;
  /** Share of requests at or under the p95 / p99 targets (exact from a scrape; absent for bench input). */
  underP95?: number;
  underP99?: number;
  errorRatio?: number;
  serverErrorRatio?: number;
  target: { p95: number; p99: number };
  compliant: boolean;
  misses: string[];
}

const H = 'http_server_request_duration_seconds';
const ERRORS = new RegExp(`^(${ERROR_SLOS.find((s) => s.name === 'errors')!.badStatus})$`);
const SERVER_ERRORS = new RegExp(`^(${ERROR_SLOS.find((s) => s.name === '5xx')!.badStatus})$`);
const ERROR_BUDGET = ERROR_SLOS.find((s) => s.name === 'errors')!.budget;
const SERVER_ERROR_BUDGET = ERROR_SLOS.find((s) => s.name === '5xx')!.budget;

/** The SLO class of a route template or a concrete path (`/v1/contacts/con_…?limit=5`). */
export function sloFor(routeOrPath: string): LatencySlo | undefined {
  let path = routeOrPath;
  try {
    if (/^https?:\/\//.test(path)) path = new URL(path).pathname;
  } catch {
    // not a URL: use as is
  }
  path = path.split('?')[0]!.replace(/\/+$/, '') || '/';
  for (const slo of LATENCY_SLOS) {
    for (const route of slo.routes) {
      if (route === path) return slo;
      const re = new RegExp(`^${route.replace(/\{\w+\}/g, '[^/]+')}$`);
      if (re.test(path)) return slo;
    }
  }
  return undefined;
}

function judge(r: Omit<EndpointResult, 'compliant' | 'misses'>): EndpointResult {
  const misses: string[] = [];
  if (r.underP95 !== undefined ? r.underP95 < 0.95 : r.p95 !== undefined && r.p95 > r.target.p95) misses.push('p95');
  if (r.underP99 !== undefined ? r.underP99 < 0.99 : r.p99 !== undefined && r.p99 > r.target.p99) misses.push('p99');
  if (r.errorRatio !== undefined && r.errorRatio >= ERROR_BUDGET) misses.push('errors');
  if (r.serverErrorRatio !== undefined && r.serverErrorRatio >= SERVER_ERROR_BUDGET) misses.push('5xx');
  return { ...r, compliant: misses.length === 0 && r.requests > 0, misses: r.requests > 0 ? misses : ['no data'] };
}

function subtract(after: Sample[], before: Sample[] | undefined): Sample[] {
  if (!before) return after;
  const key = (s: Sample) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
  const base = new Map(before.map((s) => [key(s), s.value]));
  return after.map((s) => ({ ...s, value: s.value - (base.get(key(s)) ?? 0) }));
}

/** Compliance per SLO class from a scrape (optionally minus a baseline scrape). */
export function fromScrape(text: string, baselineText?: string): EndpointResult[] {
  const samples = subtract(parseExposition(text), baselineText === undefined ? undefined : parseExposition(baselineText));
  return LATENCY_SLOS.map((slo) => {
    const inSlo = (labels: Record<string, string>) => slo.routes.includes(labels.route ?? '');
    const buckets = collectBuckets(samples, H, inSlo);
    const total = buckets.at(-1)?.count ?? 0;
    const at = (le: number) => buckets.find((b) => leLabel(b.le) === leLabel(le))?.count;
    const requests = samples.filter((s) => s.name === 'http_server_requests_total' && inSlo(s.labels));
    const count = requests.reduce((a, s) => a + s.value, 0);
    const bad = (re: RegExp) => requests.filter((s) => re.test(s.labels.status_code ?? '')).reduce((a, s) => a + s.value, 0);
    const under95 = at(slo.p95);
    const under99 = at(slo.p99);
    return judge({
      slo: slo.name,
      requests: total,
      p50: quantileFromBuckets(0.5, buckets),
      p95: quantileFromBuckets(0.95, buckets),
      p99: quantileFromBuckets(0.99, buckets),
      underP95: total > 0 && under95 !== undefined ? under95 / total : undefined,
      underP99: total > 0 && under99 !== undefined ? under99 / total : undefined,
      errorRatio: count > 0 ? bad(ERRORS) / count : undefined,
      serverErrorRatio: count > 0 ? bad(SERVER_ERRORS) / count : undefined,
      target: { p95: slo.p95, p99: slo.p99 },
    });
  });
}

interface BenchEndpoint {
  name?: string;
  route?: string;
  path?: string;
  title?: string;
  url?: string;
  requests?: number | { total?: number };
  errors?: number;
  non2xx?: number;
  status?: Record<string, number>;
  latencyMs?: { p50?: number; p95?: number; p99?: number };
  /** autocannon */
  latency?: { p50?: number; p95?: number; p97_5?: number; p99?: number };
  /** `npm run bench` (reports/bench/bench.json): the SLO class and the fixed-rate run of the full stack. */
  slo?: string;
  full?: { atRate?: { requests: number; non2xx: number; errors: number; p50: number; p95: number; p99: number } };
}

/** Compliance per SLO class from a benchmark report (latencies in milliseconds). */
export function fromBench(report: unknown): EndpointResult[] {
  const list: BenchEndpoint[] = Array.isArray(report)
    ? (report as BenchEndpoint[])
    : Array.isArray((report as { endpoints?: unknown }).endpoints)
      ? (report as { endpoints: BenchEndpoint[] }).endpoints
      : [report as BenchEndpoint];
  const out: EndpointResult[] = [];
  for (const e of list) {
    const id = e.route ?? e.path ?? e.url ?? e.name ?? e.title ?? '';
    const slo = LATENCY_SLOS.find((s) => s.name === e.slo) ?? sloFor(id) ?? LATENCY_SLOS.find((s) => s.name === e.name || s.name === e.title);
    if (!slo) continue;
    const atRate = e.full?.atRate;
    const lat = e.latencyMs ?? atRate ?? e.latency ?? {};
    const p95 = lat.p95 ?? (e.latency?.p97_5 !== undefined ? e.latency.p97_5 : undefined);
    const requests = atRate ? atRate.requests : typeof e.requests === 'number' ? e.requests : (e.requests?.total ?? 0);
    const statuses = e.status ?? {};
    const statusTotal = Object.values(statuses).reduce((a, b) => a + b, 0);
    const count = statusTotal > 0 ? statusTotal : requests;
    const sumWhere = (re: RegExp) => Object.entries(statuses).filter(([code]) => re.test(code)).reduce((a, [, n]) => a + n, 0);
    // Without a status breakdown, every non-2xx answer and socket error counts as an error (bench endpoints answer 200).
    const errors = statusTotal > 0 ? sumWhere(ERRORS) : atRate ? atRate.non2xx + atRate.errors : (e.errors ?? 0);
    out.push(
      judge({
        slo: `${slo.name}${e.name && e.name !== slo.name ? ` (${e.name})` : ''}`,
        requests: count,
        p50: lat.p50 !== undefined ? lat.p50 / 1000 : undefined,
        p95: p95 !== undefined ? p95 / 1000 : undefined,
        p95Approx: lat.p95 === undefined && p95 !== undefined,
        p99: lat.p99 !== undefined ? lat.p99 / 1000 : undefined,
        errorRatio: count > 0 ? errors / count : undefined,
        serverErrorRatio: count > 0 && statusTotal > 0 ? sumWhere(SERVER_ERRORS) / count : undefined,
        target: { p95: slo.p95, p99: slo.p99 },
      }),
    );
  }
  return out;
}

const ms = (s: number | undefined) => (s === undefined || Number.isNaN(s) ? '–' : `${(s * 1000).toFixed(s < 0.1 ? 1 : 0)} ms`);
const pct = (r: number | undefined, digits = 2) => (r === undefined ? '–' : `${(r * 100).toFixed(digits)}%`);

export function renderTable(rows: EndpointResult[]): string {
  const head = '| Endpoint | Requests | p50 | p95 (target) | p99 (target) | ≤ p95 target | ≤ p99 target | Errors (5xx+429) | 5xx | Status |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|';
  const lines = rows.map((r) =>
    [
      r.slo,
      String(Math.round(r.requests)),
      ms(r.p50),
      `${r.p95Approx ? '≈' : ''}${ms(r.p95)} (${r.target.p95 * 1000} ms)`,
      `${ms(r.p99)} (${r.target.p99 * 1000} ms)`,
      pct(r.underP95),
      pct(r.underP99),
      pct(r.errorRatio, 3),
      pct(r.serverErrorRatio, 3),
      r.compliant ? '✅ met' : `❌ ${r.misses.join(', ')}`,
    ].join(' | '),
  );
  return [head, sep, ...lines.map((l) => `| ${l} |`)].join('\n');
}

async function load(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source);
    if (!res.ok) throw new Error(`GET ${source}: HTTP ${res.status}`);
    return res.text();
  }
  return readFileSync(source, 'utf8');
}

export async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => !a.startsWith('--'));
  const flag = (f: string) => argv.includes(f);
  const baselineIdx = argv.indexOf('--baseline');
  const baseline = baselineIdx >= 0 ? argv[baselineIdx + 1] : undefined;
  const source = args.find((a) => a !== baseline);
  if (!source) {
    console.error('usage: npm run slo-report -- <metrics file | metrics URL | bench JSON> [--baseline <earlier scrape>] [--json] [--strict]');
    return 2;
  }
  const text = await load(source);
  let rows: EndpointResult[];
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) rows = fromBench(JSON.parse(text));
  else rows = fromScrape(text, baseline ? await load(baseline) : undefined);
  if (flag('--json')) console.log(JSON.stringify(rows, null, 2));
  else {
    console.log(`SLO compliance — ${source}${baseline ? ` (minus ${baseline})` : ''}\n`);
    console.log(renderTable(rows));
    console.log(`\nObjectives: p95/p99 per endpoint (src/observability/slo.ts); errors (5xx or 429) < ${ERROR_BUDGET * 100}%; 5xx < ${SERVER_ERROR_BUDGET * 100}%.`);
  }
  return flag('--strict') && rows.some((r) => !r.compliant) ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`slo-report: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    },
  );
}
