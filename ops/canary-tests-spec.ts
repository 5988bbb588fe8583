/**
 * promtool unit tests of the canary gate's checks (ops/canary.ts). Each check becomes an alert `CanaryNoGo`
 * labelled with the check's name and window, in a rule file used only by these tests
 * (ops/tests/rules/canary-gate.yaml); its expression is the check's PromQL verbatim, for the local gate's
 * default window and the cluster gate's (the strings in the Argo Rollouts AnalysisTemplate). Every scenario lists
 * the checks that must fire, with their labels; all others must stay quiet, so every scenario tests each check
 * both ways.
 */
import { HTTP_DURATION_BUCKETS } from '../src/observability/metrics.js';
import { CLUSTER_GATE, LOCAL_GATE, canaryChecks, localWindows, type GateWindows, type Track } from './canary.js';

/** The local gate's default analysis interval (scripts/canary) gives this window. */
const LOCAL = localWindows(LOCAL_GATE.intervalSeconds);
export const TESTED_LOCAL_WINDOW = LOCAL.window;
export const TESTED_WINDOWS: GateWindows[] = [LOCAL, CLUSTER_GATE];

/** One route per latency class. */
const ROUTES = { health: '/v1/health', contacts: '/v1/contacts', jobs: '/v1/jobs', files: '/v1/jobs/{jobId}/files' } as const;
type RouteClass = keyof typeof ROUTES;

interface TrackTraffic {
  track: Track;
  /** Requests per second on each route (0: the track serves nothing). */
  rps: number;
  /** Share answered 500. */
  errorShare?: number;
  /** Seconds every request takes (default 8 ms), per route class. */
  latency?: Partial<Record<RouteClass, number>> & { all?: number };
  /** The scrape's `up` (default 1). */
  up?: number;
  circuitState?: number;
  rateLimitStoreErrorsPerSecond?: number;
  /** Its requests stop at this second (default: they go on to the end). */
  stopsAt?: number;
}

interface Scenario {
  name: string;
  traffic: TrackTraffic[];
  /** check name → the label sets it fires with (beyond `check` and `window`); both windows unless overridden. */
  fires: Record<string, Array<Record<string, string>>>;
  /** Per-window overrides of `fires` (by the `window` of the pair). */
  firesIn?: Partial<Record<string, Record<string, Array<Record<string, string>>>>>;
}

const STEP_SECONDS = 1;
const STEPS = 140;
const EVAL_AT = `130s`;
/** Rules are evaluated every 10 s (no `for:`, so only the last evaluation matters); series are scraped every second. */
const EVAL_EVERY = `10s`;

const route = (c: RouteClass) => ({ route: ROUTES[c] });
const allRoutes = () => (Object.keys(ROUTES) as RouteClass[]).map(route);

const SCENARIOS: Scenario[] = [
  {
    name: 'healthy canary, same as stable: every check quiet',
    traffic: [
      { track: 'stable', rps: 20 },
      { track: 'canary', rps: 5 },
    ],
    fires: {},
  },
  {
    name: 'canary answers 5% with 500: both error SLOs and both comparisons with stable fail',
    traffic: [
      { track: 'stable', rps: 20 },
      { track: 'canary', rps: 5, errorShare: 0.05 },
    ],
    fires: { 'errors-errors-slo': [{}], 'errors-5xx-slo': [{}], 'errors-errors-vs-stable': [{}], 'errors-5xx-vs-stable': [{}] },
  },
  {
    name: 'canary answers 0.3% with 500, stable none: inside both SLOs, but worse than stable',
    traffic: [
      { track: 'stable', rps: 20 },
      { track: 'canary', rps: 20, errorShare: 0.003 },
    ],
    fires: { 'errors-errors-vs-stable': [{}], 'errors-5xx-vs-stable': [{}] },
  },
  {
    name: 'canary and stable both answer 0.3% with 500: no worse than stable, inside the SLOs',
    traffic: [
      { track: 'stable', rps: 20, errorShare: 0.003 },
      { track: 'canary', rps: 20, errorShare: 0.003 },
    ],
    fires: {},
  },
  {
    name: 'both answer 2% with 500 (a database incident): the SLOs stable misses too are not held against the canary',
    traffic: [
      { track: 'stable', rps: 20, errorShare: 0.02 },
      { track: 'canary', rps: 5, errorShare: 0.02 },
    ],
    fires: {},
  },
  {
    name: 'canary adds 300 ms to every route: p99 and median worse than stable on each route; only health misses its SLO (100 ms)',
    traffic: [
      { track: 'stable', rps: 20 },
      { track: 'canary', rps: 5, latency: { all: 0.308 } },
    ],
    fires: {
      'latency-health-p99-slo': [route('health')],
      'latency-health-p99-vs-stable': [route('health')],
      'latency-contacts-p99-vs-stable': [route('contacts')],
      'latency-jobs-p99-vs-stable': [route('jobs')],
      'latency-files-p99-vs-stable': [route('files')],
      ...Object.fromEntries((Object.keys(ROUTES) as RouteClass[]).map((c) => [`latency-${c}-p50-vs-stable`, [route(c)]])),
    },
  },
  {
    name: 'both tracks slow alike (a loaded machine): stable misses the health SLO too, so only the comparison judges, and passes',
    traffic: [
      { track: 'stable', rps: 20, latency: { all: 0.308 } },
      { track: 'canary', rps: 5, latency: { all: 0.308 } },
    ],
    fires: {},
  },
  {
    name: 'stable misses the health SLO (150 ms), the canary is far worse (600 ms): the comparison with stable fails',
    traffic: [
      { track: 'stable', rps: 20, latency: { health: 0.15 } },
      { track: 'canary', rps: 5, latency: { health: 0.6 } },
    ],
    fires: { 'latency-health-p99-vs-stable': [route('health')], 'latency-health-p50-vs-stable': [route('health')] },
  },
  {
    name: 'canary jobs at 900 ms: the jobs p99 SLO (800 ms) and the comparison fail; files (1 s) at 900 ms pass the SLO',
    traffic: [
      { track: 'stable', rps: 20, latency: { files: 0.9 } },
      { track: 'canary', rps: 5, latency: { jobs: 0.9, files: 0.9 } },
    ],
    fires: { 'latency-jobs-p99-slo': [route('jobs')], 'latency-jobs-p99-vs-stable': [route('jobs')], 'latency-jobs-p50-vs-stable': [route('jobs')] },
  },
  {
    name: `too few canary requests for a p99: not judged in the ${TESTED_LOCAL_WINDOW} window, judged over ${CLUSTER_GATE.window}`,
    traffic: [
      { track: 'stable', rps: 20 },
      { track: 'canary', rps: 0.5, latency: { all: 0.308 } },
    ],
    fires: {},
    firesIn: {
      [CLUSTER_GATE.window]: {
        'latency-health-p99-slo': [route('health')],
        ...Object.fromEntries((Object.keys(ROUTES) as RouteClass[]).flatMap((c) => [`p99`, `p50`].map((q) => [`latency-${c}-${q}-vs-stable`, [route(c)]]))),
      },
    },
  },
  {
    name: "canary's circuit breaker open",
    traffic: [
      { track: 'stable', rps: 20 },
      { track: 'canary', rps: 5, circuitState: 2 },
    ],
    fires: { 'circuit-open': [{}] },
  },
  {
    name: "canary's rate-limit store failing",
    traffic: [
      { track: 'stable', rps: 20 },
      { track: 'canary', rps: 5, rateLimitStoreErrorsPerSecond: 0.5 },
    ],
    fires: { 'rate-limit-store-errors': [{}] },
  },
  {
    name: 'both circuits open and both rate-limit stores failing (the database and Redis are down): not the canary\'s doing',
    traffic: [
      { track: 'stable', rps: 20, circuitState: 2, rateLimitStoreErrorsPerSecond: 2 },
      { track: 'canary', rps: 5, circuitState: 2, rateLimitStoreErrorsPerSecond: 0.5 },
    ],
    fires: {},
  },
  {
    name: 'canary down (not scraped, no traffic): scraped and serving fail, nothing else can be judged',
    traffic: [
      { track: 'stable', rps: 20 },
      { track: 'canary', rps: 0, up: 0 },
    ],
    fires: { 'canary-scraped': [{}], 'canary-serving': [{}] },
  },
  {
    name: 'canary up but out of rotation (scraped, serving nothing)',
    traffic: [
      { track: 'stable', rps: 20 },
      { track: 'canary', rps: 0 },
    ],
    fires: { 'canary-serving': [{}] },
  },
  {
    name: 'phase 100%: stable serves nothing, a canary answering 5% with 500 fails the SLOs (no comparison without a baseline)',
    traffic: [
      { track: 'stable', rps: 0 },
      { track: 'canary', rps: 20, errorShare: 0.05 },
    ],
    fires: { 'errors-errors-slo': [{}], 'errors-5xx-slo': [{}] },
  },
  {
    name: `phase 100% just began (stable stopped 10 s ago): no comparison over ${TESTED_LOCAL_WINDOW}, stable's recent minute still counts over ${CLUSTER_GATE.window}`,
    traffic: [
      { track: 'stable', rps: 20, stopsAt: 120 },
      { track: 'canary', rps: 20, latency: { health: 0.15 } },
    ],
    fires: { 'latency-health-p99-slo': [route('health')] },
    firesIn: { [CLUSTER_GATE.window]: { 'latency-health-p99-slo': [route('health')], 'latency-health-p99-vs-stable': [route('health')], 'latency-health-p50-vs-stable': [route('health')] } },
  },
  {
    name: 'phase 100%: stable serves nothing, a healthy canary passes every check',
    traffic: [
      { track: 'stable', rps: 0 },
      { track: 'canary', rps: 20 },
    ],
    fires: {},
  },
];

function fmt(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
}

/** promtool expanding notation for a series that grows by `inc` each step from 0 (until step `stop`, then flat). */
function counter(inc: number, stop = STEPS): string {
  const n = (x: number) => Number(x.toFixed(6));
  if (stop >= STEPS) return `0+${n(inc)}x${STEPS}`;
  return `0+${n(inc)}x${stop} ${n(inc * (stop + 1))}+0x${STEPS - stop - 1}`;
}
const constant = (v: number) => `${v}+0x${STEPS}`;

function seriesFor(t: TrackTraffic): Array<{ series: string; values: string }> {
  const out: Array<{ series: string; values: string }> = [];
  const track = { track: t.track };
  out.push({ series: `up${fmt({ job: 'portal-api', ...track })}`, values: constant(t.up ?? 1) });
  out.push({ series: `portal_backend_circuit_state${fmt({ job: 'portal-api', ...track })}`, values: constant(t.circuitState ?? 0) });
  if (t.rateLimitStoreErrorsPerSecond) {
    out.push({ series: `portal_rate_limit_store_errors_total${fmt({ job: 'portal-api', ...track, limiter: 'api' })}`, values: counter(t.rateLimitStoreErrorsPerSecond * STEP_SECONDS) });
  }
  if (t.rps <= 0) return out;
  for (const c of Object.keys(ROUTES) as RouteClass[]) {
    const seconds = t.latency?.[c] ?? t.latency?.all ?? 0.008;
    const statuses: Array<[string, number]> = [['200', 1 - (t.errorShare ?? 0)]];
    if (t.errorShare) statuses.push(['500', t.errorShare]);
    for (const [status, share] of statuses) {
      const labels = { job: 'portal-api', ...track, method: 'GET', route: ROUTES[c], status_code: status };
      const perStep = t.rps * STEP_SECONDS * share;
      const stop = t.stopsAt === undefined ? STEPS : t.stopsAt / STEP_SECONDS;
      out.push({ series: `http_server_requests_total${fmt(labels)}`, values: counter(perStep, stop) });
      out.push({ series: `http_server_request_duration_seconds_count${fmt(labels)}`, values: counter(perStep, stop) });
      for (const le of [...HTTP_DURATION_BUCKETS, Infinity]) {
        const leStr = le === Infinity ? '+Inf' : String(le);
        out.push({ series: `http_server_request_duration_seconds_bucket${fmt({ ...labels, le: leStr })}`, values: counter(seconds <= le ? perStep : 0, stop) });
      }
    }
  }
  return out;
}

/** The rule file the tests load: one alert per check and window, the check's PromQL verbatim. */
export function canaryGateRules(): unknown {
  return {
    groups: TESTED_WINDOWS.map((w) => ({
      name: `canary-gate-${w.window}`,
      rules: canaryChecks(w).map((c) => ({ alert: 'CanaryNoGo', expr: c.expr, labels: { check: c.name, window: w.window } })),
    })),
  };
}

export function canaryGateTests(): unknown {
  const names = new Set(canaryChecks(LOCAL).map((c) => c.name));
  for (const s of SCENARIOS) {
    for (const n of [...Object.keys(s.fires), ...Object.values(s.firesIn ?? {}).flatMap((f) => Object.keys(f ?? {}))]) {
      if (!names.has(n)) throw new Error(`scenario "${s.name}" names an unknown check ${n}`);
    }
  }
  return {
    rule_files: ['rules/canary-gate.yaml'],
    evaluation_interval: EVAL_EVERY,
    tests: SCENARIOS.map((s) => ({
      name: s.name,
      interval: `${STEP_SECONDS}s`,
      input_series: s.traffic.flatMap(seriesFor),
      alert_rule_test: [
        {
          eval_time: EVAL_AT,
          alertname: 'CanaryNoGo',
          exp_alerts: TESTED_WINDOWS.flatMap(({ window }) =>
            Object.entries(s.firesIn?.[window] ?? s.fires).flatMap(([check, labelSets]) => labelSets.map((labels) => ({ exp_labels: { ...labels, check, window } }))),
          ),
        },
      ],
    })),
  };
}

/** All route classes, for callers that want to assert coverage. */
export const TESTED_ROUTES = allRoutes();
