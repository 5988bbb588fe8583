import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.js';
import { quantileFromBuckets } from '../../src/observability/exposition.js';
import { fromBench, fromScrape, main, renderTable, sloFor } from '../../scripts/slo-report.js';

const dir = mkdtempSync(path.join(tmpdir(), 'slo-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scrapeOf(observe: (m: ReturnType<typeof createMetrics>) => void): Promise<string> {
  const m = createMetrics({ version: '1', revision: 'r', defaultMetrics: false });
  observe(m);
  return m.render();
}

describe('slo-report', () => {
  it('maps routes and concrete paths to their SLO class', () => {
    expect(sloFor('/v1/contacts/{contactId}')?.name).toBe('contacts');
    expect(sloFor('http://127.0.0.1:3000/v1/jobs/job_abc/files?limit=5')?.name).toBe('files');
    expect(sloFor('/v1/jobs?status=running')?.name).toBe('jobs');
    expect(sloFor('/v1/health')?.name).toBe('health');
    expect(sloFor('/v1/downloads/fil_x')).toBeUndefined();
  });

  it('estimates percentiles like histogram_quantile and judges each class against its targets', async () => {
    const text = await scrapeOf((m) => {
      // health: 100 requests, 96 at 20 ms, 4 at 70 ms → 96% ≤ 50 ms (p95 met), 100% ≤ 100 ms (p99 met).
      for (let i = 0; i < 96; i++) m.observeHttp('GET', '/v1/health', 200, 0.02);
      for (let i = 0; i < 4; i++) m.observeHttp('GET', '/v1/health', 200, 0.07);
      // contacts: 100 requests, 10 over 300 ms → p95 missed; 2 × 500 → 2% 5xx → both error SLOs missed.
      for (let i = 0; i < 90; i++) m.observeHttp('GET', '/v1/contacts', 200, 0.15);
      for (let i = 0; i < 8; i++) m.observeHttp('GET', '/v1/contacts/{contactId}', 200, 0.35);
      for (let i = 0; i < 2; i++) m.observeHttp('GET', '/v1/contacts/{contactId}', 500, 0.35);
      // jobs: no traffic.
    });
    const rows = fromScrape(text);
    const health = rows.find((r) => r.slo === 'health')!;
    expect(health.requests).toBe(100);
    expect(health.underP95).toBeCloseTo(0.96);
    expect(health.underP99).toBe(1);
    expect(health.compliant).toBe(true);
    // p95 rank 95 falls in (0.01, 0.025] holding 96 → 0.01 + 0.015 × 95/96.
    expect(health.p95).toBeCloseTo(0.01 + (0.015 * 95) / 96, 6);
    const contacts = rows.find((r) => r.slo === 'contacts')!;
    expect(contacts.requests).toBe(100);
    expect(contacts.underP95).toBeCloseTo(0.9);
    expect(contacts.serverErrorRatio).toBeCloseTo(0.02);
    expect(contacts.compliant).toBe(false);
    expect(contacts.misses).toEqual(['p95', 'errors', '5xx']);
    const jobs = rows.find((r) => r.slo === 'jobs')!;
    expect(jobs.compliant).toBe(false);
    expect(jobs.misses).toEqual(['no data']);
    const table = renderTable(rows);
    expect(table).toContain('| health | 100 |');
    expect(table).toContain('❌ p95, errors, 5xx');
  });

  it('with a baseline counts only the requests in between', async () => {
    const m = createMetrics({ version: '1', revision: 'r', defaultMetrics: false });
    for (let i = 0; i < 50; i++) m.observeHttp('GET', '/v1/jobs', 200, 2);
    const before = await m.render();
    for (let i = 0; i < 40; i++) m.observeHttp('GET', '/v1/jobs', 200, 0.1);
    const after = await m.render();
    const jobs = fromScrape(after, before).find((r) => r.slo === 'jobs')!;
    expect(jobs.requests).toBe(40);
    expect(jobs.compliant).toBe(true);
    expect(fromScrape(after).find((r) => r.slo === 'jobs')!.compliant).toBe(false);
  });

  it('reads bench reports (our shape and autocannon results)', () => {
    const ours = fromBench({
      endpoints: [
        { name: 'list contacts', path: '/v1/contacts?limit=50', requests: 1000, status: { '200': 995, '429': 5 }, latencyMs: { p50: 40, p95: 120, p99: 250 } },
        { route: '/v1/jobs/{jobId}', requests: 500, latencyMs: { p50: 100, p95: 450, p99: 700 } },
      ],
    });
    expect(ours[0]).toMatchObject({ requests: 1000, compliant: true });
    expect(ours[0]!.errorRatio).toBeCloseTo(0.005);
    expect(ours[1]).toMatchObject({ compliant: false, misses: ['p95'] });
    const autocannon = fromBench([{ title: 'health', url: 'http://127.0.0.1:3000/v1/health', requests: { total: 9000 }, errors: 0, latency: { p50: 3, p97_5: 12, p99: 20 } }]);
    expect(autocannon[0]).toMatchObject({ slo: 'health', requests: 9000, p95Approx: true, compliant: true });
    expect(renderTable(autocannon)).toContain('≈12.0 ms');
  });

  it("reads npm run bench's report (fixed-rate run of the full stack per endpoint)", () => {
    const run = (p95: number, p99: number, non2xx = 0) => ({ rps: 100, requests: 3000, non2xx, errors: 0, p50: 2, p95, p99, max: p99 + 5 });
    const rows = fromBench({
      endpoints: [
        { name: 'getHealth', slo: 'health', path: '/v1/health', ratio: 0.8, full: { saturated: run(1, 2), atRate: run(3, 6) }, bare: { saturated: run(1, 2), atRate: run(1, 2) } },
        { name: 'listJobs', slo: 'jobs', path: '/v1/jobs', ratio: 0.7, full: { saturated: run(1, 2), atRate: run(420, 500, 60) }, bare: { saturated: run(1, 2), atRate: run(1, 2) } },
      ],
    });
    expect(rows.map((r) => [r.slo, r.compliant, r.misses])).toEqual([
      ['health (getHealth)', true, []],
      ['jobs (listJobs)', false, ['p95', 'errors']],
    ]);
    expect(rows[1]!.errorRatio).toBeCloseTo(0.02);
  });

  it('runs as a CLI on a saved scrape; --strict fails on a missed objective', async () => {
    const file = path.join(dir, 'metrics.txt');
    writeFileSync(file, await scrapeOf((m) => m.observeHttp('GET', '/v1/health', 200, 0.5)));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await main([file])).toBe(0);
      expect(await main([file, '--strict'])).toBe(1);
      expect(await main([file, '--json'])).toBe(0);
      const out = log.mock.calls.map((c) => String(c[0])).join('\n');
      expect(out).toContain('SLO compliance');
      expect(out).toContain('"slo": "health"');
    } finally {
      log.mockRestore();
    }
  });

  it('quantileFromBuckets matches histogram_quantile edge cases', () => {
    expect(quantileFromBuckets(0.5, [{ le: Infinity, count: 0 }])).toBeNaN();
    expect(quantileFromBuckets(0.99, [{ le: 1, count: 90 }, { le: Infinity, count: 100 }])).toBe(1);
    expect(quantileFromBuckets(0.5, [{ le: 0.1, count: 0 }, { le: 0.2, count: 10 }, { le: Infinity, count: 10 }])).toBeCloseTo(0.15);
  });
});
