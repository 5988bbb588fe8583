/**
 * One analysis of the local gate: every check of ops/canary.ts run as an instant query against the run's
 * Prometheus (a check fails when its query returns anything), and the readings the report shows per phase —
 * built by the same functions (ops/promql.ts) over the phase's own duration.
 */
import { ERROR_SLOS, LATENCY_SLOS } from '../../src/observability/slo.js';
import { TRACK_LABEL, canaryChecks, readingQueries, type CanaryCheck, type GateWindows } from '../../ops/canary.js';
import type { Prometheus } from './prometheus.js';

export interface FailedCheck {
  check: string;
  kind: CanaryCheck['kind'];
  summary: string;
  /** Labels of the failing sample (e.g. the route) and its value. */
  labels: Record<string, string>;
  value: number;
}

export interface Analysis {
  /** ms into the phase. */
  at: number;
  checks: number;
  failed: FailedCheck[];
}

export async function analyse(prom: Prometheus, windows: GateWindows): Promise<Omit<Analysis, 'at'>> {
  const checks = canaryChecks(windows);
  const results = await Promise.all(checks.map((c) => prom.query(c.expr)));
  const failed: FailedCheck[] = [];
  checks.forEach((c, i) => {
    for (const s of results[i]!) failed.push({ check: c.name, kind: c.kind, summary: c.summary, labels: s.metric, value: s.value });
  });
  return { checks: checks.length, failed };
}

/** "check: summary (route /v1/health, value 0.399)" */
export function describeFailure(f: FailedCheck): string {
  const where = Object.entries(f.labels)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const value = f.check.startsWith('latency-') ? `${f.check.includes('-p50-') ? 'p50' : 'p99'} ${Math.round(f.value * 1000)} ms` : f.check.startsWith('errors-') ? `ratio ${(f.value * 100).toFixed(2)}%` : `value ${f.value}`;
  return `${f.check}: ${f.summary} (${[where, value].filter(Boolean).join(', ')})`;
}

export interface TrackReading {
  requestRate?: number;
  /** SLI name → ratio (0 when the track served requests but none counted against it). */
  errorRatio: Record<string, number>;
  /** route → p99 seconds and the requests it rests on. */
  p99: Record<string, { seconds: number; target: number; requests: number }>;
}

export type Readings = Record<'stable' | 'canary', TrackReading>;

export async function readings(prom: Prometheus, window: string): Promise<Readings> {
  const q = readingQueries(window);
  const empty = (): TrackReading => ({ errorRatio: {}, p99: {} });
  const out: Readings = { stable: empty(), canary: empty() };
  const track = (m: Record<string, string>) => (m[TRACK_LABEL] === 'canary' || m[TRACK_LABEL] === 'stable' ? m[TRACK_LABEL] : undefined);
  for (const s of await prom.query(q.requestRate)) {
    const t = track(s.metric);
    if (t) out[t].requestRate = s.value;
  }
  for (const slo of ERROR_SLOS) {
    for (const t of ['stable', 'canary'] as const) if ((out[t].requestRate ?? 0) > 0) out[t].errorRatio[slo.name] = 0;
    for (const s of await prom.query(q.errorRatio[slo.name]!)) {
      const t = track(s.metric);
      if (t && Number.isFinite(s.value)) out[t].errorRatio[slo.name] = s.value;
    }
  }
  for (const slo of LATENCY_SLOS) {
    const counts = await prom.query(q.count[slo.name]!);
    for (const s of await prom.query(q.p99[slo.name]!)) {
      const t = track(s.metric);
      const route = s.metric.route;
      if (!t || !route || !Number.isFinite(s.value)) continue;
      const n = counts.find((c) => c.metric[TRACK_LABEL] === t && c.metric.route === route)?.value ?? 0;
      out[t].p99[route] = { seconds: s.value, target: slo.p99, requests: Math.round(n) };
    }
  }
  return out;
}
