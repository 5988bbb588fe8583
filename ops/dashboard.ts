/**
 * The Grafana dashboard (ops/grafana/portal-api.json), built from the same SLO table as the rules so the
 * target lines on the latency panels cannot drift from the alerts. Datasource: a `datasource` template
 * variable (any Prometheus); `job` selects the scrape job.
 */
import { ERROR_SLOS, LATENCY_SLOS } from '../src/observability/slo.js';

interface Target {
  expr: string;
  legendFormat: string;
}

let nextId = 1;
const DS = { type: 'prometheus', uid: '${datasource}' };

function panel(title: string, targets: Target[], opts: { x: number; y: number; w?: number; h?: number; unit?: string; description?: string; thresholds?: number[]; stack?: boolean }): object {
  return {
    id: nextId++,
    type: 'timeseries',
    title,
    description: opts.description ?? '',
    datasource: DS,
    gridPos: { x: opts.x, y: opts.y, w: opts.w ?? 12, h: opts.h ?? 8 },
    fieldConfig: {
      defaults: {
        unit: opts.unit ?? 'short',
        custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: opts.stack ? 30 : 0, stacking: { mode: opts.stack ? 'normal' : 'none' }, thresholdsStyle: { mode: opts.thresholds ? 'line+area' : 'off' } },
        thresholds: {
          mode: 'absolute',
          steps: [{ color: 'green', value: null }, ...(opts.thresholds ?? []).map((value) => ({ color: 'red', value }))],
        },
      },
      overrides: [],
    },
    options: { legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: DS, expr: t.expr, legendFormat: t.legendFormat })),
  };
}

function row(title: string, y: number): object {
  return { id: nextId++, type: 'row', title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] };
}

const J = '{job=~"$job"}';
const sel = (extra = '') => `{job=~"$job"${extra ? `,${extra}` : ''}}`;

export function buildDashboard(): object {
  nextId = 1;
  const panels: object[] = [];
  let y = 0;

  panels.push(row('Service level objectives', y++));
  panels.push(
    panel(
      'Error ratio vs SLO',
      [
        ...ERROR_SLOS.map((s) => ({ expr: `portal:http_error_ratio:rate5m{sli="${s.name}"}`, legendFormat: `${s.name} (5m)` })),
        ...ERROR_SLOS.map((s) => ({ expr: `portal:http_error_ratio:rate1h{sli="${s.name}"}`, legendFormat: `${s.name} (1h)` })),
      ],
      { x: 0, y, unit: 'percentunit', thresholds: [0.005, 0.01], description: ERROR_SLOS.map((s) => `${s.name}: ${s.description}, SLO < ${s.budget * 100}%`).join('; ') },
    ),
  );
  panels.push(
    panel(
      'Error budget burn rate (1h window; 14.4 = fast-burn page)',
      ERROR_SLOS.map((s) => ({ expr: `portal:http_error_ratio:rate1h{sli="${s.name}"} / ${s.budget}`, legendFormat: s.name })),
      { x: 12, y, thresholds: [1, 6, 14.4] },
    ),
  );
  y += 8;
  LATENCY_SLOS.forEach((slo, i) => {
    panels.push(
      panel(
        `${slo.name} latency (targets p95 ${slo.p95 * 1000} ms, p99 ${slo.p99 * 1000} ms)`,
        [
          { expr: `portal:http_request_duration_seconds:p50_rate5m{slo="${slo.name}"}`, legendFormat: 'p50' },
          { expr: `portal:http_request_duration_seconds:p95_rate5m{slo="${slo.name}"}`, legendFormat: 'p95' },
          { expr: `portal:http_request_duration_seconds:p99_rate5m{slo="${slo.name}"}`, legendFormat: 'p99' },
        ],
        { x: (i % 2) * 12, y: y + Math.floor(i / 2) * 8, unit: 's', thresholds: [slo.p95, slo.p99], description: `Routes: ${slo.routes.join(', ')}` },
      ),
    );
  });
  y += 16;
  panels.push(
    panel(
      'Share of requests over the latency threshold (1h) / budget',
      [{ expr: 'portal:http_slow_ratio:rate1h / on(objective) group_left() portal:slo_latency_budget', legendFormat: '{{slo}} {{objective}}' }],
      { x: 0, y, w: 24, thresholds: [1, 6, 14.4], description: 'Burn rate of each latency objective: 1 = exactly on budget (p95: 5%, p99: 1% of requests slower than the target).' },
    ),
  );
  y += 8;

  panels.push(row('Traffic', y++));
  panels.push(panel('Requests per second by route', [{ expr: `sum by (route) (rate(http_server_requests_total${J}[$__rate_interval]))`, legendFormat: '{{route}}' }], { x: 0, y, unit: 'reqps', stack: true }));
  panels.push(panel('Responses by status', [{ expr: `sum by (status_code) (rate(http_server_requests_total${J}[$__rate_interval]))`, legendFormat: '{{status_code}}' }], { x: 12, y, unit: 'reqps', stack: true }));
  y += 8;

  panels.push(row('Backend', y++));
  panels.push(
    panel(
      'Backend call latency p95 by operation',
      [{ expr: `histogram_quantile(0.95, sum by (le, operation) (rate(portal_backend_call_duration_seconds_bucket${J}[$__rate_interval])))`, legendFormat: '{{operation}}' }],
      { x: 0, y, unit: 's' },
    ),
  );
  panels.push(panel('Backend calls by outcome', [{ expr: `sum by (outcome) (rate(portal_backend_call_duration_seconds_count${J}[$__rate_interval]))`, legendFormat: '{{outcome}}' }], { x: 12, y, unit: 'ops', stack: true }));
  y += 8;
  panels.push(panel('Circuit breaker (0 closed, 1 half-open, 2 open)', [{ expr: `max(portal_backend_circuit_state${J})`, legendFormat: 'state' }], { x: 0, y, thresholds: [1, 2] }));
  panels.push(
    panel(
      'Retries, timeouts, bulkhead rejections',
      [
        { expr: `sum(rate(portal_backend_retries_total${J}[$__rate_interval]))`, legendFormat: 'retries' },
        { expr: `sum(rate(portal_backend_timeouts_total${J}[$__rate_interval]))`, legendFormat: 'timeouts' },
        { expr: `sum(rate(portal_backend_bulkhead_rejections_total${J}[$__rate_interval]))`, legendFormat: 'bulkhead rejections' },
      ],
      { x: 12, y, unit: 'ops' },
    ),
  );
  y += 8;

  panels.push(row('Security and files', y++));
  panels.push(
    panel(
      'Refused requests',
      [
        { expr: `sum by (limiter) (rate(portal_rate_limited_total${J}[$__rate_interval]))`, legendFormat: 'rate limited: {{limiter}}' },
        { expr: `sum(rate(portal_cors_blocked_total${J}[$__rate_interval]))`, legendFormat: 'CORS blocked' },
        { expr: `sum(rate(portal_cross_tenant_attempts_total${J}[$__rate_interval]))`, legendFormat: 'cross-tenant attempts' },
      ],
      { x: 0, y, unit: 'reqps' },
    ),
  );
  panels.push(panel('Authentication failures by reason', [{ expr: `sum by (reason) (rate(portal_auth_failures_total${J}[$__rate_interval]))`, legendFormat: '{{reason}}' }], { x: 12, y, unit: 'reqps', stack: true }));
  y += 8;
  panels.push(
    panel(
      'Signed URLs and downloads',
      [
        { expr: `sum(rate(portal_signed_urls_issued_total${J}[$__rate_interval]))`, legendFormat: 'URLs issued' },
        { expr: `sum by (outcome) (rate(portal_downloads_total${J}[$__rate_interval]))`, legendFormat: 'downloads: {{outcome}}' },
      ],
      { x: 0, y, unit: 'ops' },
    ),
  );
  panels.push(panel('Running versions', [{ expr: `count by (version, revision) (portal_build_info${J})`, legendFormat: '{{version}} ({{revision}})' }], { x: 12, y }));
  y += 8;

  // Usage across all tenants, from series without a tenant label; a tenant's own usage is GET /v1/usage or
  // `portal-admin usage` (the usage meter's counters in the store).
  panels.push(row('Usage (all tenants; per tenant: GET /v1/usage, portal-admin usage)', y++));
  panels.push(
    panel(
      'Requests by operation route and status class',
      [
        {
          expr: `sum by (route, status_class) (label_replace(rate(http_server_requests_total${sel('route!="unmatched"')}[$__rate_interval]), "status_class", "\${1}xx", "status_code", "([1-5]).."))`,
          legendFormat: '{{route}} {{status_class}}',
        },
      ],
      { x: 0, y, unit: 'reqps', stack: true, description: 'What the usage meter counts per tenant (GET /v1/usage), summed over tenants.' },
    ),
  );
  panels.push(
    panel(
      'Downloads and bytes served',
      [
        { expr: `sum(rate(portal_download_bytes_total${J}[$__rate_interval]))`, legendFormat: 'bytes served' },
        { expr: `sum(rate(portal_downloads_total${sel('outcome=~"ok|partial"')}[$__rate_interval]))`, legendFormat: 'downloads' },
      ],
      { x: 12, y, unit: 'Bps' },
    ),
  );
  y += 8;
  panels.push(
    panel(
      'Usage meter flushes',
      [
        { expr: `sum by (outcome) (rate(portal_usage_flushes_total${J}[$__rate_interval]))`, legendFormat: 'flushes: {{outcome}}' },
        { expr: `sum(rate(portal_usage_counters_flushed_total${J}[$__rate_interval]))`, legendFormat: 'counters written' },
        { expr: `sum(rate(portal_usage_counters_dropped_total${J}[$__rate_interval]))`, legendFormat: 'counters dropped' },
      ],
      { x: 0, y, unit: 'ops', description: 'Failed flushes keep their counts for the next one; dropped counters are lost usage.' },
    ),
  );
  panels.push(
    panel(
      'Usage flush duration p95',
      [{ expr: `histogram_quantile(0.95, sum by (le) (rate(portal_usage_flush_duration_seconds_bucket${J}[$__rate_interval])))`, legendFormat: 'p95' }],
      { x: 12, y, unit: 's' },
    ),
  );
  y += 8;

  panels.push(row('Process', y++));
  panels.push(panel('CPU', [{ expr: `rate(process_cpu_seconds_total${J}[$__rate_interval])`, legendFormat: '{{instance}}' }], { x: 0, y, w: 8, unit: 'percentunit' }));
  panels.push(panel('Resident memory', [{ expr: `process_resident_memory_bytes${J}`, legendFormat: '{{instance}}' }], { x: 8, y, w: 8, unit: 'bytes' }));
  panels.push(panel('Event loop lag p99', [{ expr: `nodejs_eventloop_lag_p99_seconds${sel()}`, legendFormat: '{{instance}}' }], { x: 16, y, w: 8, unit: 's' }));

  return {
    uid: 'portal-api',
    title: 'Portal API',
    tags: ['portal-api', 'slo'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source', current: {} },
        {
          name: 'job',
          type: 'query',
          datasource: DS,
          query: 'label_values(portal_build_info, job)',
          definition: 'label_values(portal_build_info, job)',
          includeAll: true,
          multi: true,
          allValue: '.*',
          refresh: 2,
          label: 'Job',
          current: {},
        },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}
