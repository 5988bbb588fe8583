/**
 * The SLI expressions in PromQL, in one place. The recording rules (ops/generate.ts) and the canary gate's checks
 * (ops/canary.ts: the local gate `npm run canary` and the Argo Rollouts AnalysisTemplate) are all built by these
 * functions, so a canary is judged by exactly the expressions the burn-rate alerts watch — narrowed to one track
 * by a label matcher, and grouped by route where the gate needs per-route figures.
 */
import { type ErrorSlo, type LatencySlo, leLabel, routeRegex } from '../src/observability/slo.js';

export const REQUESTS = 'http_server_requests_total';
export const DURATION = 'http_server_request_duration_seconds';

/** Narrows and groups an expression: `matchers` are added to every selector, `by` to every aggregation. */
export interface Scope {
  /** Label matchers, e.g. `track="canary"`. */
  matchers?: string[];
  /** Grouping labels kept by the aggregations, e.g. `['route']`. */
  by?: string[];
}

/** PromQL raw string (backticks): no escaping needed for the regex. */
export const raw = (s: string): string => `\`${s}\``;

/** `{a,b}` from the non-empty matchers, or nothing. */
export function selector(...matchers: (string | undefined)[]): string {
  const present = matchers.filter((m): m is string => Boolean(m));
  return present.length ? `{${present.join(',')}}` : '';
}

/** `sum` or `sum by (…) `, with `extra` grouping labels first (e.g. `le` for a histogram); followed by `(`. */
function sum(scope: Scope, extra: string[] = []): string {
  const by = [...extra, ...(scope.by ?? [])];
  return by.length ? `sum by (${by.join(', ')}) ` : 'sum';
}

export const routeMatcher = (routes: string[]): string => `route=~${raw(routeRegex(routes))}`;

/** Share of requests counted against an error SLI (5xx, or 5xx and 429) over `window`. */
export function errorRatio(slo: ErrorSlo, window: string, scope: Scope = {}): string {
  const m = scope.matchers ?? [];
  return `${sum(scope)}(rate(${REQUESTS}${selector(`status_code=~${raw(slo.badStatus)}`, ...m)}[${window}])) / ${sum(scope)}(rate(${REQUESTS}${selector(...m)}[${window}]))`;
}

/** Share of a latency class's requests slower than its p95 or p99 threshold over `window` (exact: the thresholds are bucket bounds). */
export function slowRatio(slo: LatencySlo, objective: 'p95' | 'p99', window: string, scope: Scope = {}): string {
  const m = scope.matchers ?? [];
  const routes = routeMatcher(slo.routes);
  return `1 - ${sum(scope)}(rate(${DURATION}_bucket${selector(routes, ...m, `le="${leLabel(slo[objective])}"`)}[${window}])) / ${sum(scope)}(rate(${DURATION}_count${selector(routes, ...m)}[${window}]))`;
}

/** Estimated quantile `q` of the latency of `routes` over `window`, from the histogram buckets. */
export function latencyQuantile(q: number, routes: string[], window: string, scope: Scope = {}): string {
  const m = scope.matchers ?? [];
  return `histogram_quantile(${q}, ${sum(scope, ['le'])}(rate(${DURATION}_bucket${selector(routeMatcher(routes), ...m)}[${window}])))`;
}

/** Requests of `routes` the histogram counted over `window` (how many samples a quantile rests on). */
export function requestCount(routes: string[], window: string, scope: Scope = {}): string {
  const m = scope.matchers ?? [];
  return `${sum(scope)}(increase(${DURATION}_count${selector(routeMatcher(routes), ...m)}[${window}]))`;
}

/** Requests per second over `window`. */
export function requestRate(window: string, scope: Scope = {}): string {
  return `${sum(scope)}(rate(${REQUESTS}${selector(...(scope.matchers ?? []))}[${window}]))`;
}
