/**
 * The canary run's report as text: the seed's timeline table (phase, planned duration, actual, status), each
 * phase's SLO readings for canary and stable side by side with the targets, the rollback (why, how fast, what the
 * canary still answered), and the load's failure count. The JSON report is the CanaryReport object itself.
 */
import { ERROR_SLOS, LATENCY_SLOS } from '../../src/observability/slo.js';
import type { CanaryReport, PhaseResult } from './rollout.js';

const s1 = (x: number) => `${Math.round(x * 10) / 10} s`;
const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);
const msOf = (x: number | undefined) => (x === undefined ? '—' : `${Math.round(x * 1000)} ms`);

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function status(p: PhaseResult): string {
  if (p.status === 'go') return '✅ go';
  if (p.status === 'no-go') return '❌ no-go: rolled back';
  return '⏭ not run';
}

export function timelineTable(r: CanaryReport): string {
  const rows = r.phases.map((p, i) => [`Phase ${i + 1} (${p.phase}%)`, `${s1(p.plannedSeconds)} (seed: ${p.seedPlanned})`, p.actualSeconds === undefined ? '—' : s1(p.actualSeconds), status(p)]);
  const planned = r.phases.reduce((n, p) => n + p.plannedSeconds, 0);
  const actual = r.phases.reduce((n, p) => n + (p.actualSeconds ?? 0), 0);
  rows.push(['Total', s1(planned), s1(actual), r.outcome === 'promoted' ? '✅ promoted to 100%' : `❌ rolled back at ${r.rollback?.phase}%`]);
  return table(['Phase', 'Planned Duration', 'Actual Duration', 'Status'], rows);
}

export function readingsTable(p: Pick<PhaseResult, 'readings'>): string {
  const r = p.readings;
  if (!r) return '(no readings)';
  const rows: string[][] = [];
  const rate = (x: number | undefined) => (x === undefined ? '—' : `${x.toFixed(1)}/s`);
  rows.push(['requests', '', rate(r.canary.requestRate), rate(r.stable.requestRate)]);
  for (const slo of ERROR_SLOS) rows.push([`${slo.name} ratio`, `< ${slo.budget * 100}%`, pct(r.canary.errorRatio[slo.name]), pct(r.stable.errorRatio[slo.name])]);
  for (const slo of LATENCY_SLOS) {
    const routes = [...new Set([...Object.keys(r.canary.p99), ...Object.keys(r.stable.p99)])].filter((route) => slo.routes.includes(route)).sort();
    for (const route of routes) {
      const c = r.canary.p99[route];
      const s = r.stable.p99[route];
      rows.push([`p99 ${route}`, `< ${msOf(slo.p99)}`, c ? `${msOf(c.seconds)} (n=${c.requests})` : '—', s ? `${msOf(s.seconds)} (n=${s.requests})` : '—']);
    }
  }
  return table(['SLI', 'SLO', 'canary', 'stable'], rows);
}

export function formatReport(r: CanaryReport): string {
  const out: string[] = [];
  out.push(`\nCanary rollout: ${r.builds.canary.label} over ${r.builds.stable.label} — ${r.outcome.toUpperCase()}`);
  out.push(`  stable: ${r.builds.stable.describe}`);
  out.push(`  canary: ${r.builds.canary.describe}${Object.keys(r.builds.canary.settings).length ? `; settings ${Object.entries(r.builds.canary.settings).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`);
  out.push(`  ${r.settings.rate} req/s paced through HAProxy (achieved ${r.load.achievedRate}/s), bake ${r.settings.bakeSeconds} s per phase, analysis every ${r.settings.intervalSeconds} s over ${r.settings.window}\n`);
  out.push('### Timeline');
  out.push(timelineTable(r));
  if (r.warmup.readings) {
    out.push(`\n### Warm-up: stable alone for ${r.warmup.seconds} s (the baseline)`);
    out.push(readingsTable(r.warmup));
  }
  for (const [i, p] of r.phases.entries()) {
    if (!p.readings) continue;
    out.push(`\n### Phase ${i + 1} (${p.phase}%): SLO readings over the phase (${s1(p.actualSeconds ?? 0)}), ${status(p)}`);
    out.push(readingsTable(p));
    const l = p.load;
    if (l) {
      const t = (k: string) => l.byTrack[k] ?? { requests: 0, failed: 0, p99: NaN };
      out.push(`load in this phase: ${l.requests} requests, ${l.failed} failed; canary answered ${t('canary').requests} (${t('canary').failed} failed), stable ${t('stable').requests} (${t('stable').failed} failed)`);
    }
    if (p.afterStableZero) out.push(`stable answered ${p.afterStableZero.requests} requests sent after its weight reached 0${p.afterStableZero.requests ? ` (the last sent ${p.afterStableZero.lastSentAfterMs} ms after)` : ''}`);
    out.push(`analyses: ${p.analyses.map((a) => `+${(a.at / 1000).toFixed(1)} s ${a.failed.length ? `FAILED (${[...new Set(a.failed.map((f) => f.check))].join(', ')})` : 'ok'}`).join('; ')}`);
  }
  if (r.rollback) {
    const rb = r.rollback;
    out.push(`\n### Rollback at ${rb.phase}%`);
    for (const reason of rb.reasons) out.push(`- ${reason}`);
    out.push(`detected by analysis #${rb.analysisNumber}, ${s1(rb.detectedAfterMs / 1000)} after the weight change (interval ${r.settings.intervalSeconds} s); canary weight 0 at +${(rb.weightZeroAfterMs / 1000).toFixed(2)} s (the weight commands took ${rb.weightCommandMs} ms)`);
    out.push(`canary requests sent after its weight reached 0: ${rb.canaryRequestsAfterRollback}; its last in-flight response ended ${rb.canaryDrainedAfterMs} ms after the rollback command`);
  }
  out.push('\n### Load');
  const rows = Object.entries(r.load.byTrack).map(([track, c]) => [track, String(c.requests), String(c.failed), String(c.status5xx), String(c.slow), `${c.p50} ms`, `${c.p99} ms`]);
  out.push(table(['answered by', 'requests', 'failed', '5xx', `≥ ${r.load.slowMs} ms`, 'p50', 'p99'], rows));
  out.push(`total: ${r.load.requests} requests, ${r.load.failed} failed (network errors, timeouts and every non-2xx answer)`);
  const lag = r.load.sendLagMs;
  out.push(`the load client sent on schedule within ${lag.p99} ms (p99; max ${lag.max} ms)${lag.p99 > 100 ? ' — it fell behind: the machine is overloaded, latencies here say more about it than about the builds' : ''}`);
  out.push(`affected by the canary: ${r.affected.canary5xx} answered 5xx, ${r.affected.canarySlow} answered in ≥ ${r.load.slowMs} ms, of ${r.affected.canaryServed} it answered`);
  const hp = Object.entries(r.haproxy).map(([name, s]) => `${name}: ${s.sessions} sessions, ${s.hrsp5xx} 5xx, ${s.connectionErrors} connection errors, ${s.responseErrors} response errors, ${s.retries} retries, ${s.redispatches} redispatches, ${s.downTransitions} times taken out by its health check${s.downTransitions ? ` (${s.downSeconds} s down)` : ''}, weight ${s.weight}`);
  out.push(`HAProxy: ${hp.join('; ')}`);
  const recorded = Object.values(r.recordedSeries).reduce((a, b) => a + b, 0);
  out.push(`Prometheus: ${recorded} series recorded by ops/prometheus/portal-api.rules.yaml (${Object.keys(r.recordedSeries).length} rules' names)`);
  if (r.load.failures.length) {
    out.push(`first failures: ${r.load.failures
      .slice(0, 5)
      .map((f) => `${f.track} ${f.path} → ${f.status || f.error}`)
      .join('; ')}`);
  }
  return out.join('\n');
}
