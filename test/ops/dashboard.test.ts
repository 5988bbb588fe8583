/**
 * The Grafana dashboard (ops/dashboard.ts → ops/grafana/portal-api.json): every panel's query is valid PromQL
 * (promtool parses it, with the dashboard's variables filled in), reads only series the portal exports, and never
 * selects or groups by a tenant: usage per tenant lives in the store (GET /v1/usage), not in Prometheus.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildDashboard } from '../../ops/dashboard.js';
import { createMetrics } from '../../src/observability/metrics.js';

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

const panels = (buildDashboard() as { panels: Panel[] }).panels;
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));
const filled = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$job', '.*');

const hasPromtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasPromtool) console.warn('\n*** SKIPPING the PromQL parse of the dashboard: promtool is not installed (apt-get install -y prometheus) ***\n');

describe('the Grafana dashboard', () => {
  it('has a usage row whose panels read the request, download and usage-meter series', () => {
    const rowAt = panels.findIndex((p) => p.type === 'row' && p.title.startsWith('Usage'));
    expect(rowAt).toBeGreaterThan(0);
    const next = panels.findIndex((p, i) => i > rowAt && p.type === 'row');
    const usage = panels.slice(rowAt + 1, next).flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
    for (const series of ['http_server_requests_total', 'portal_download_bytes_total', 'portal_usage_flushes_total', 'portal_usage_counters_dropped_total', 'portal_usage_flush_duration_seconds_bucket']) {
      expect(usage).toContain(series);
    }
  });

  it('never selects or groups by a tenant', () => {
    // A label matcher on a tenant label, or a grouping by one (metric names may say "tenant": cross_tenant_attempts).
    for (const { expr } of exprs) expect(expr).not.toMatch(/\btenant\w*\s*(=|!=|=~|!~)|\b(by|without)\s*\([^)]*\btenant/i);
  });

  it('reads only series the portal exports', async () => {
    const metrics = createMetrics({ version: 't', revision: 't' });
    const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const recorded = /^portal:/; // recording rules (ops/prometheus/portal-api.rules.yaml)
    for (const { title, expr } of exprs) {
      for (const name of expr.match(/\b[a-z_][a-z0-9_:]*(?=\{|\[)/g) ?? []) {
        const base = name.replace(/_(bucket|count|sum)$/, '');
        expect(recorded.test(name) || exported.has(name) || exported.has(base), `${title}: ${name}`).toBe(true);
      }
    }
  });

  it.runIf(hasPromtool)('is valid PromQL, panel by panel (promtool)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-dashboard-'));
    try {
      const file = path.join(dir, 'dashboard.rules.yaml');
      const rules = exprs.map((e, i) => ({ record: `dashboard:panel_${i}`, expr: filled(e.expr) }));
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      try {
        execFileSync('promtool', ['check', 'rules', file], { stdio: 'pipe' });
      } catch (err) {
        throw new Error(`promtool refused a panel's query:\n${String((err as { stdout?: Buffer }).stdout ?? '')}${String((err as { stderr?: Buffer }).stderr ?? '')}`, { cause: err });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
