/**
 * The promtool rule unit tests, as scenarios: synthetic traffic (request counters and latency histograms exactly
 * as prom-client exposes them) and, for every alert, a case where it must fire and one where it must stay quiet.
 * Expected alerts are spelled out by hand per scenario; only their annotations are rendered from the rule
 * templates, because promtool compares them verbatim.
 */
import { HTTP_DURATION_BUCKETS } from '../src/observability/metrics.js';

interface Rule {
  alert?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Share of a minute's requests per duration (seconds); the rest take 10 ms. */
type Latency = Array<[seconds: number, share: number]>;

interface Phase {
  minutes: number;
  /** Requests per scrape interval. */
  perStep: number;
  /** status code → share of requests (the rest are 200). */
  statuses?: Record<string, number>;
  latency?: Latency;
}

interface Traffic {
  route: string;
  phases: Phase[];
}

interface Expect {
  at: string;
  alert: string;
  fires: Array<Record<string, string>>;
}

interface Scenario {
  name: string;
  traffic: Traffic[];
  expect: Expect[];
}

/** promtool expanding notation for a counter given its increment per step, phase by phase. */
function counter(increments: Array<{ steps: number; inc: number }>): string {
  let value = 0;
  const parts = ['0'];
  for (const { steps, inc } of increments) {
    if (steps <= 0) continue;
    parts.push(`${value + inc}+${inc}x${steps - 1}`);
    value += inc * steps;
  }
  return parts.join(' ');
}

function fmtLabels(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
}

function seriesFor(traffic: Traffic, stepMinutes: number): Array<{ series: string; values: string }> {
  const out: Array<{ series: string; values: string }> = [];
  const statuses = new Set<string>(['200']);
  for (const p of traffic.phases) for (const s of Object.keys(p.statuses ?? {})) statuses.add(s);
  const steps = (p: Phase) => Math.round(p.minutes / stepMinutes);
  for (const status of statuses) {
    const share = (p: Phase) => {
      const explicit = p.statuses ?? {};
      if (status !== '200') return explicit[status] ?? 0;
      return 1 - Object.values(explicit).reduce((a, b) => a + b, 0);
    };
    const labels = { method: 'GET', route: traffic.route, status_code: status };
    const incs = traffic.phases.map((p) => ({ steps: steps(p), inc: Math.round(p.perStep * share(p)) }));
    out.push({ series: `http_server_requests_total${fmtLabels(labels)}`, values: counter(incs) });
    out.push({ series: `http_server_request_duration_seconds_count${fmtLabels(labels)}`, values: counter(incs) });
    for (const le of [...HTTP_DURATION_BUCKETS, Infinity]) {
      const bucketIncs = traffic.phases.map((p) => {
        const n = p.perStep * share(p);
        const slowShares = p.latency ?? [];
        const fastShare = 1 - slowShares.reduce((a, [, s]) => a + s, 0);
        let within = le >= 0.01 ? fastShare : 0;
        for (const [seconds, s] of slowShares) if (seconds <= le) within += s;
        return { steps: steps(p), inc: Math.round(n * within) };
      });
      const leStr = le === Infinity ? '+Inf' : String(le);
      out.push({ series: `http_server_request_duration_seconds_bucket${fmtLabels({ ...labels, le: leStr })}`, values: counter(bucketIncs) });
    }
  }
  return out;
}

function render(template: string, labels: Record<string, string>): string {
  return template.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, k: string) => labels[k] ?? '');
}

function toTestGroup(s: Scenario, rules: Rule[], stepMinutes: number): unknown {
  return {
    name: s.name,
    interval: `${stepMinutes}m`,
    input_series: s.traffic.flatMap((t) => seriesFor(t, stepMinutes)),
    alert_rule_test: s.expect.map((e) => {
      const rule = rules.find((r) => r.alert === e.alert);
      if (!rule) throw new Error(`no alert ${e.alert}`);
      return {
        eval_time: e.at,
        alertname: e.alert,
        exp_alerts: e.fires.map((labels) => {
          const all = { ...labels, ...rule.labels };
          return {
            exp_labels: all,
            exp_annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, render(v, all)])),
          };
        }),
      };
    }),
  };
}

const ERR = { sli: 'errors' };
const E5XX = { sli: '5xx' };
const lat = (slo: string, objective: 'p95' | 'p99', threshold: string) => ({ slo, objective, threshold_seconds: threshold });

/** 1-minute scrapes: fast and medium tiers, the p99 alert. */
const MINUTE_SCENARIOS: Scenario[] = [
  {
    name: 'error budget: 20% 5xx for 70 min pages on both SLIs (fast), nothing before',
    traffic: [{ route: '/v1/contacts', phases: [{ minutes: 70, perStep: 1000, statuses: { '500': 0.2 } }] }],
    expect: [
      { at: '1m', alert: 'PortalErrorBudgetBurnFast', fires: [] },
      { at: '10m', alert: 'PortalErrorBudgetBurnFast', fires: [ERR, E5XX] },
      { at: '65m', alert: 'PortalErrorBudgetBurnFast', fires: [ERR, E5XX] },
    ],
  },
  {
    name: 'error budget: 10% 5xx is below 14.4x (fast quiet) but above 6x (medium fires after 15m)',
    traffic: [{ route: '/v1/jobs', phases: [{ minutes: 70, perStep: 1000, statuses: { '503': 0.1 } }] }],
    expect: [
      { at: '65m', alert: 'PortalErrorBudgetBurnFast', fires: [E5XX] },
      { at: '10m', alert: 'PortalErrorBudgetBurnMedium', fires: [] },
      { at: '65m', alert: 'PortalErrorBudgetBurnMedium', fires: [ERR, E5XX] },
    ],
  },
  {
    name: 'error budget: a 3-minute outage then recovery does not page (long window stays under 14.4x)',
    traffic: [
      {
        route: '/v1/contacts',
        phases: [
          { minutes: 57, perStep: 1000 },
          { minutes: 3, perStep: 1000, statuses: { '500': 1 } },
          { minutes: 10, perStep: 1000 },
        ],
      },
    ],
    expect: [
      { at: '62m', alert: 'PortalErrorBudgetBurnFast', fires: [] },
      { at: '68m', alert: 'PortalErrorBudgetBurnFast', fires: [] },
    ],
  },
  {
    name: 'error budget: once errors stop, the short window ends the page though the long window is still hot',
    traffic: [
      {
        route: '/v1/contacts',
        phases: [
          { minutes: 60, perStep: 1000, statuses: { '500': 0.3 } },
          { minutes: 15, perStep: 1000 },
        ],
      },
    ],
    expect: [
      { at: '59m', alert: 'PortalErrorBudgetBurnFast', fires: [ERR, E5XX] },
      { at: '72m', alert: 'PortalErrorBudgetBurnFast', fires: [] },
    ],
  },
  {
    name: 'error budget: 429s burn the error SLI only, not the 5xx SLI',
    traffic: [{ route: '/v1/contacts', phases: [{ minutes: 70, perStep: 1000, statuses: { '429': 0.1 } }] }],
    expect: [
      { at: '65m', alert: 'PortalErrorBudgetBurnMedium', fires: [ERR] },
      { at: '65m', alert: 'PortalErrorBudgetBurnFast', fires: [] },
    ],
  },
  {
    name: 'error budget: 4% 5xx burns only the 5xx SLI at 6x; 2% stays quiet; 4xx never count',
    traffic: [
      { route: '/v1/contacts', phases: [{ minutes: 70, perStep: 1000, statuses: { '500': 0.04, '404': 0.3, '401': 0.1 } }] },
    ],
    expect: [
      { at: '65m', alert: 'PortalErrorBudgetBurnMedium', fires: [E5XX] },
      { at: '65m', alert: 'PortalErrorBudgetBurnFast', fires: [] },
    ],
  },
  {
    name: 'error budget: healthy traffic (0.2% 5xx, many 404s) is quiet on every tier',
    traffic: [{ route: '/v1/jobs', phases: [{ minutes: 400, perStep: 1000, statuses: { '500': 0.002, '404': 0.2 } }] }],
    expect: [
      { at: '65m', alert: 'PortalErrorBudgetBurnFast', fires: [] },
      { at: '390m', alert: 'PortalErrorBudgetBurnMedium', fires: [] },
    ],
  },
  {
    name: 'latency budget: 20% of contacts requests over 600 ms burns the p99 budget 14.4x (not the p95 one)',
    traffic: [{ route: '/v1/contacts/{contactId}', phases: [{ minutes: 70, perStep: 1000, latency: [[0.8, 0.2]] }] }],
    expect: [
      { at: '1m', alert: 'PortalLatencyBudgetBurnFast', fires: [] },
      { at: '65m', alert: 'PortalLatencyBudgetBurnFast', fires: [lat('contacts', 'p99', '0.6')] },
      { at: '65m', alert: 'PortalLatencyBudgetBurnMedium', fires: [lat('contacts', 'p99', '0.6')] },
    ],
  },
  {
    name: 'latency budget: 80% of health checks over 50 ms burns the p95 budget; each class has its own thresholds',
    traffic: [
      { route: '/v1/health', phases: [{ minutes: 70, perStep: 600, latency: [[0.1, 0.8]] }] },
      // 400 ms is slow for contacts (p95 300 ms) but within the jobs target (p95 400 ms).
      { route: '/v1/contacts', phases: [{ minutes: 70, perStep: 600, latency: [[0.4, 1]] }] },
      { route: '/v1/jobs', phases: [{ minutes: 70, perStep: 600, latency: [[0.4, 1]] }] },
    ],
    expect: [
      { at: '65m', alert: 'PortalLatencyBudgetBurnFast', fires: [lat('health', 'p95', '0.05'), lat('contacts', 'p95', '0.3')] },
    ],
  },
  {
    name: 'latency budget: 10% over the p99 threshold is quiet at 14.4x, fires at 6x',
    traffic: [{ route: '/v1/jobs/{jobId}', phases: [{ minutes: 70, perStep: 1000, latency: [[1, 0.1]] }] }],
    expect: [
      { at: '65m', alert: 'PortalLatencyBudgetBurnFast', fires: [] },
      { at: '65m', alert: 'PortalLatencyBudgetBurnMedium', fires: [lat('jobs', 'p99', '0.8')] },
    ],
  },
  {
    name: 'latency budget: files within targets (p95 ≤ 500 ms, p99 ≤ 1 s) is quiet on every tier',
    traffic: [{ route: '/v1/jobs/{jobId}/files', phases: [{ minutes: 400, perStep: 1000, latency: [[0.4, 0.5], [0.5, 0.04], [1, 0.009]] }] }],
    expect: [
      { at: '65m', alert: 'PortalLatencyBudgetBurnFast', fires: [] },
      { at: '390m', alert: 'PortalLatencyBudgetBurnMedium', fires: [] },
      { at: '390m', alert: 'PortalLatencyP99High', fires: [] },
    ],
  },
  {
    name: 'p99 alert: files with 3% of requests at 2 s estimate p99 > 1 s and page after 10 min; 0.5% does not',
    traffic: [
      { route: '/v1/jobs/{jobId}/files/{fileId}', phases: [{ minutes: 40, perStep: 1000, latency: [[2, 0.03]] }] },
      { route: '/v1/jobs', phases: [{ minutes: 40, perStep: 1000, latency: [[2, 0.005]] }] },
    ],
    expect: [
      { at: '8m', alert: 'PortalLatencyP99High', fires: [] },
      { at: '30m', alert: 'PortalLatencyP99High', fires: [{ slo: 'files' }] },
    ],
  },
  {
    name: 'p99 alert: a p99 of ~930 ms is under the adjusted 1000 ms threshold',
    traffic: [{ route: '/v1/contacts', phases: [{ minutes: 40, perStep: 1000, latency: [[1, 0.03]] }] }],
    expect: [{ at: '30m', alert: 'PortalLatencyP99High', fires: [] }],
  },
];

/** 5-minute scrapes over three days: the slow (ticket) tier. */
const SLOW_SCENARIOS: Scenario[] = [
  {
    name: 'slow burn: 1.5% 5xx for 3 days opens a ticket on both error SLIs; fast and medium stay quiet',
    traffic: [{ route: '/v1/contacts', phases: [{ minutes: 4320, perStep: 5000, statuses: { '500': 0.015 } }] }],
    expect: [
      { at: '4320m', alert: 'PortalErrorBudgetBurnSlow', fires: [ERR, E5XX] },
      { at: '4320m', alert: 'PortalErrorBudgetBurnMedium', fires: [] },
      { at: '4320m', alert: 'PortalErrorBudgetBurnFast', fires: [] },
    ],
  },
  {
    name: 'slow burn: 0.4% 5xx for 3 days is within both budgets',
    traffic: [{ route: '/v1/contacts', phases: [{ minutes: 4320, perStep: 5000, statuses: { '500': 0.004 } }] }],
    expect: [{ at: '4320m', alert: 'PortalErrorBudgetBurnSlow', fires: [] }],
  },
  {
    name: 'slow burn: 2% of jobs requests over 800 ms for 3 days opens a latency ticket; 0.5% does not',
    traffic: [
      { route: '/v1/jobs', phases: [{ minutes: 4320, perStep: 5000, latency: [[1, 0.02]] }] },
      { route: '/v1/contacts', phases: [{ minutes: 4320, perStep: 5000, latency: [[1, 0.005]] }] },
    ],
    expect: [
      { at: '4320m', alert: 'PortalLatencyBudgetBurnSlow', fires: [lat('jobs', 'p99', '0.8')] },
      { at: '4320m', alert: 'PortalLatencyBudgetBurnMedium', fires: [] },
    ],
  },
];

export function buildTests(rules: Rule[]): Array<[string, unknown]> {
  const file = (scenarios: Scenario[], step: number) => ({
    rule_files: ['../prometheus/portal-api.rules.yaml'],
    evaluation_interval: `${step}m`,
    tests: scenarios.map((s) => toTestGroup(s, rules, step)),
  });
  return [
    ['burn-rate-fast-medium', file(MINUTE_SCENARIOS, 1)],
    ['burn-rate-slow', file(SLOW_SCENARIOS, 5)],
  ];
}
