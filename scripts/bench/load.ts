/**
 * One autocannon run: saturated (N connections as fast as the server answers) or at a fixed offered rate
 * (`overallRate`). autocannon reports no p95, so latencies come from its per-response event and are ranked here
 * (exact percentiles, ms).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';

interface AutocannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = ((opts: Record<string, unknown>) => AutocannonInstance) & { track?: unknown };

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationSec: number;
  /** Requests per second across all connections; unset = saturate. */
  rate?: number;
  /** A sequence each connection cycles through (paths relative to `url`). */
  requests?: { method: string; path: string }[];
}

export interface LoadResult {
  /** Completed requests per second over the run. */
  rps: number;
  requests: number;
  non2xx: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const instance = autocannon({
    url: opts.url,
    headers: opts.headers,
    connections: opts.connections,
    duration: opts.durationSec,
    overallRate: opts.rate,
    requests: opts.requests,
    timeout: 10,
  });
  instance.on('response', (_c, _status, _bytes, ms) => latencies.push(ms));
  const r = await instance;
  const sorted = Float64Array.from(latencies).sort();
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    rps: Math.round(r.requests.total / r.duration),
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? NaN),
  };
}

/** CPU time (user + system, µs) a process has used so far, from /proc (Linux). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are at 11 and 12 after the comm field; clock ticks are 100 Hz on Linux.
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * An open-loop load at an evenly spaced rate (one request every 1/rate s over a keep-alive pool), each latency
 * counted from the moment the request was due — so a server that falls behind is charged for the wait
 * (no coordinated omission). The complement to autocannon's bursty `overallRate`.
 */
export async function runPaced(opts: { url: string; headers?: Record<string, string>; rate: number; durationSec: number; sockets?: number }): Promise<LoadResult & { latencies: number[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.sockets ?? 64 });
  const total = Math.round(opts.rate * opts.durationSec);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const one = (due: number) =>
    new Promise<void>((resolve) => {
      // From when the request was due, or was sent if the timer let it go a little early (never negative).
      const from = Math.max(due, performance.now());
      const req = http.get(opts.url, { agent, headers: opts.headers }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - from);
          if ((res.statusCode ?? 0) >= 300) non2xx += 1;
          resolve();
        });
      });
      req.setTimeout(10_000, () => req.destroy());
      req.on('error', () => {
        errors += 1;
        resolve();
      });
    });
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(one(due));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  return { ...summarize(latencies, elapsed, non2xx, errors), latencies };
}

/** Percentiles (ms) of a set of latencies; `elapsedSec` gives the achieved rate. */
export function summarize(latencies: number[], elapsedSec: number, non2xx: number, errors: number): LoadResult {
  const sorted = Float64Array.from(latencies).sort();
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    rps: Math.round(latencies.length / elapsedSec),
    requests: latencies.length,
    non2xx,
    errors,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? NaN),
  };
}

/** Several paced runs as one: latencies pooled, so the percentiles rest on every sample of every round. */
export function pool(runs: (LoadResult & { latencies: number[] })[], secondsEach: number): LoadResult {
  const all = runs.flatMap((r) => r.latencies);
  const sum = (k: 'non2xx' | 'errors') => runs.reduce((n, r) => n + r[k], 0);
  return summarize(all, runs.length * secondsEach, sum('non2xx'), sum('errors'));
}
