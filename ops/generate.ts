/**
 * Generates, from ops/slo.ts:
 *   ops/prometheus/portal-api.rules.yaml   recording + alerting rules (multiwindow, multi-burn-rate)
 *   ops/tests/*.yaml                        promtool rule unit tests: every alert fires, and stays quiet
 *   ops/grafana/portal-api.json             the Grafana dashboard
 * and, from ops/canary.ts (the canary gate's checks, built by ops/promql.ts like the recording rules):
 *   ops/tests/rules/canary-gate.yaml        the checks as test-only alerts (local and cluster window)
 *   ops/tests/canary-analysis.yaml          promtool tests: each check fires on the traffic it is for, else quiet
 *   ops/kubernetes/analysis-template.yaml   the Argo Rollouts AnalysisTemplate, the same queries
 * `tsx ops/generate.ts` writes them; `--check` fails when a committed file differs (run by `npm run check:rules`).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { buildDashboard } from './dashboard.js';
import { BURN_TIERS, ERROR_SLOS, LATENCY_BUDGET, LATENCY_SLOS, P99_ALERT_SECONDS, WINDOWS, leLabel } from '../src/observability/slo.js';
import { errorRatio, latencyQuantile, requestRate, slowRatio } from './promql.js';
import { analysisTemplate } from './argo.js';
import { canaryGateRules, canaryGateTests } from './canary-tests-spec.js';
import { buildTests } from './tests-spec.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Repository-relative: point it at your code host when deploying (Alertmanager templates can prefix it). */
const RUNBOOK = 'ops/README.md';

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function recordingRules(): Array<{ name: string; interval?: string; rules: Rule[] }> {
  const errorRules: Rule[] = [];
  for (const slo of ERROR_SLOS) {
    errorRules.push({ record: 'portal:slo_error_budget', expr: `vector(${slo.budget})`, labels: { sli: slo.name } });
    for (const w of WINDOWS) {
      errorRules.push({
        record: `portal:http_error_ratio:rate${w}`,
        expr: errorRatio(slo, w),
        labels: { sli: slo.name },
      });
    }
  }

  const latencyRules: Rule[] = [];
  for (const [objective, budget] of Object.entries(LATENCY_BUDGET)) {
    latencyRules.push({ record: 'portal:slo_latency_budget', expr: `vector(${budget})`, labels: { objective } });
  }
  for (const slo of LATENCY_SLOS) {
    for (const objective of ['p95', 'p99'] as const) {
      const le = leLabel(slo[objective]);
      for (const w of WINDOWS) {
        latencyRules.push({
          record: `portal:http_slow_ratio:rate${w}`,
          expr: slowRatio(slo, objective, w),
          labels: { slo: slo.name, objective, threshold_seconds: le },
        });
      }
    }
    for (const q of ['0.5', '0.95', '0.99']) {
      latencyRules.push({
        record: `portal:http_request_duration_seconds:p${Number(q) * 100}_rate5m`,
        expr: latencyQuantile(Number(q), slo.routes, '5m'),
        labels: { slo: slo.name },
      });
    }
  }

  const traffic: Rule[] = [
    { record: 'portal:http_requests:rate5m', expr: requestRate('5m', { by: ['route', 'status_code'] }) },
    { record: 'portal:backend_calls:rate5m', expr: 'sum by (operation, outcome) (rate(portal_backend_call_duration_seconds_count[5m]))' },
  ];
  return [
    { name: 'portal-api.slo.errors', rules: errorRules },
    { name: 'portal-api.slo.latency', rules: latencyRules },
    { name: 'portal-api.traffic', rules: traffic },
  ];
}

/** `a{w=long} > factor×budget and a{w=short} > factor×budget`, joined on the budget's label. */
function burn(metric: string, joinOn: string, budget: string, long: string, short: string, factor: number): string {
  const over = (w: string) => `${metric}:rate${w} > on(${joinOn}) group_left() (${factor} * ${budget})`;
  return `(\n  ${over(long)}\n)\nand\n(\n  ${over(short)}\n)`;
}

export function alertingRules(): Rule[] {
  const rules: Rule[] = [];
  for (const t of BURN_TIERS) {
    rules.push({
      alert: `PortalErrorBudgetBurn${t.tier}`,
      expr: burn('portal:http_error_ratio', 'sli', 'portal:slo_error_budget', t.long, t.short, t.factor),
      for: t.for,
      labels: { severity: t.severity, window: `${t.long}/${t.short}` },
      annotations: {
        summary: `Portal API burns its "{{ $labels.sli }}" error budget ${t.factor}x too fast (${t.long} and ${t.short} windows)`,
        description: `The share of requests counted against the "{{ $labels.sli }}" SLI (${ERROR_SLOS.map((s) => `${s.name}: ${s.description}, SLO < ${s.budget * 100}%`).join('; ')}) is above ${t.factor}x its budget over both the ${t.long} and the ${t.short} window.`,
        runbook_url: `${RUNBOOK}#error-budget-burn`,
      },
    });
  }
  for (const t of BURN_TIERS) {
    rules.push({
      alert: `PortalLatencyBudgetBurn${t.tier}`,
      expr: burn('portal:http_slow_ratio', 'objective', 'portal:slo_latency_budget', t.long, t.short, t.factor),
      for: t.for,
      labels: { severity: t.severity, window: `${t.long}/${t.short}` },
      annotations: {
        summary: `Portal API {{ $labels.slo }} {{ $labels.objective }} latency budget burns ${t.factor}x too fast (> {{ $labels.threshold_seconds }}s)`,
        description: `More than ${t.factor}x the allowed share of {{ $labels.slo }} requests (p95: 5%, p99: 1%) took longer than {{ $labels.threshold_seconds }}s over both the ${t.long} and the ${t.short} window.`,
        runbook_url: `${RUNBOOK}#latency-budget-burn`,
      },
    });
  }
  rules.push({
    alert: 'PortalLatencyP99High',
    expr: `portal:http_request_duration_seconds:p99_rate5m > ${P99_ALERT_SECONDS}`,
    for: '10m',
    labels: { severity: 'page' },
    annotations: {
      summary: 'Portal API {{ $labels.slo }} p99 latency above 1s for 10 minutes',
      description: `The estimated p99 of {{ $labels.slo }} requests has been above ${P99_ALERT_SECONDS * 1000} ms for 10 minutes (threshold raised from 800 ms after the v1 release load test).`,
      runbook_url: `${RUNBOOK}#p99-latency`,
    },
  });
  return rules;
}

export function rulesDocument(): unknown {
  return {
    groups: [...recordingRules(), { name: 'portal-api.alerts', rules: alertingRules() }],
  };
}

const HEADER = '# Generated by ops/generate.ts from ops/slo.ts — edit those, then `npx tsx ops/generate.ts`.\n';
const CANARY_HEADER = '# Generated by ops/generate.ts from ops/canary.ts (PromQL from ops/promql.ts) — edit those, then `npm run ops:generate`.\n';

function outputs(): Map<string, string> {
  const files = new Map<string, string>();
  files.set('prometheus/portal-api.rules.yaml', HEADER + stringify(rulesDocument(), { lineWidth: 0 }));
  for (const [name, doc] of buildTests(alertingRules())) files.set(`tests/${name}.yaml`, HEADER + stringify(doc, { lineWidth: 0 }));
  files.set('grafana/portal-api.json', `${JSON.stringify(buildDashboard(), null, 2)}\n`);
  // The canary gate: its checks as test-only alerts, their promtool tests, and the Argo Rollouts AnalysisTemplate.
  files.set('tests/rules/canary-gate.yaml', CANARY_HEADER + stringify(canaryGateRules(), { lineWidth: 0 }));
  files.set('tests/canary-analysis.yaml', CANARY_HEADER + stringify(canaryGateTests(), { lineWidth: 0 }));
  files.set('kubernetes/analysis-template.yaml', CANARY_HEADER + stringify(analysisTemplate(), { lineWidth: 0 }));
  return files;
}

function main(): void {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [rel, content] of outputs()) {
    const file = path.join(HERE, rel);
    if (check) {
      let current = '';
      try {
        current = readFileSync(file, 'utf8');
      } catch {
        // missing counts as stale
      }
      if (current !== content) {
        console.error(`ops/${rel} is stale: run \`npx tsx ops/generate.ts\``);
        stale++;
      }
    } else {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
  }
  if (stale > 0) process.exit(1);
}

main();
