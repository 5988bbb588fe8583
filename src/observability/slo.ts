/**
 * The service level objectives, in one place. ops/generate.ts turns them into the Prometheus recording and
 * alerting rules, the rule unit tests and the Grafana dashboard; scripts/slo-report.ts reads the same targets.
 *
 * Targets are the seed's post-release report (p95/p99 per endpoint; error ratio < 1 %, 5xx < 0.5 %; the p99
 * alert moved from 800 ms to 1000 ms after it fired on a load test). Every latency threshold is a bucket
 * boundary of http_server_request_duration_seconds, so the ratios below are exact, not interpolated.
 */

export interface LatencySlo {
  /** The `slo` label value. */
  name: string;
  /** Route templates (the `route` label) this objective covers. */
  routes: string[];
  /** Seconds: 95 % of requests must be faster. */
  p95: number;
  /** Seconds: 99 % of requests must be faster. */
  p99: number;
}

export const LATENCY_SLOS: LatencySlo[] = [
  { name: 'health', routes: ['/v1/health'], p95: 0.05, p99: 0.1 },
  { name: 'contacts', routes: ['/v1/contacts', '/v1/contacts/{contactId}'], p95: 0.3, p99: 0.6 },
  { name: 'jobs', routes: ['/v1/jobs', '/v1/jobs/{jobId}'], p95: 0.4, p99: 0.8 },
  // Signed downloads (/v1/downloads/{fileId}) are left out: their duration is the body transfer, which depends
  // on file size and the client's bandwidth, not on us.
  { name: 'files', routes: ['/v1/jobs/{jobId}/files', '/v1/jobs/{jobId}/files/{fileId}'], p95: 0.5, p99: 1 },
];

/** Share of requests allowed over the threshold, per latency objective. */
export const LATENCY_BUDGET = { p95: 0.05, p99: 0.01 } as const;

export interface ErrorSlo {
  /** The `sli` label value. */
  name: string;
  /** status_code regex of the bad requests. */
  badStatus: string;
  /** Allowed share of bad requests. */
  budget: number;
  description: string;
}

export const ERROR_SLOS: ErrorSlo[] = [
  // 429s count: to the user a refused request failed. 4xx otherwise are the client's doing.
  { name: 'errors', badStatus: '5..|429', budget: 0.01, description: 'requests answered 5xx or 429' },
  { name: '5xx', badStatus: '5..', budget: 0.005, description: 'requests answered 5xx' },
];

/** The seed's adjusted p99 alert threshold (seconds), for every endpoint class. */
export const P99_ALERT_SECONDS = 1;

/** SRE workbook multiwindow, multi-burn-rate alerting: long window, short window, burn factor. */
export const BURN_TIERS = [
  { tier: 'Fast', long: '1h', short: '5m', factor: 14.4, for: '2m', severity: 'page' },
  { tier: 'Medium', long: '6h', short: '30m', factor: 6, for: '15m', severity: 'page' },
  { tier: 'Slow', long: '3d', short: '6h', factor: 1, for: '1h', severity: 'ticket' },
] as const;

export const WINDOWS = ['5m', '30m', '1h', '6h', '3d'] as const;

/** Prometheus label matcher value (regex, fully anchored) for a set of route templates. */
export function routeRegex(routes: string[]): string {
  return routes.map((r) => r.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

/** The `le` label exactly as prom-client prints it. */
export function leLabel(seconds: number): string {
  return String(seconds);
}
