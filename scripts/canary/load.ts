/**
 * Steady load through HAProxy for a whole rollout: open loop and evenly paced (request i is due at t0 + i/rate and
 * is sent then, whatever the earlier ones are doing — a server that falls behind gets more concurrent requests,
 * not fewer; latencies count from the due time, like scripts/bench/load.ts's runPaced), over a keep-alive pool,
 * choosing each request's path at random (seeded) from a fixed mix. Every response is recorded with the build that answered (HAProxy's
 * X-Portal-Track header), so the report can count per phase and per track exactly what each build did.
 */
import http from 'node:http';
import { summarize } from '../bench/load.js';
import { TRACK_HEADER } from './haproxy.js';

export interface Outcome {
  /** Due time, ms after the load started. */
  at: number;
  /** When it was sent, ms after the load started (later than due when the client fell behind): what decides which weights routed it. */
  sent: number;
  /** ms from due time to the end of the response (or the error). */
  ms: number;
  /** 0 when no response came. */
  status: number;
  /** The build that answered (X-Portal-Track), `-` when none did. */
  track: string;
  path: string;
  error?: string;
}

export interface TrackCounts {
  requests: number;
  /** Not answered 2xx: network errors, timeouts, truncated bodies and every non-2xx status. */
  failed: number;
  status5xx: number;
  /** Answered at or above `slowMs`. */
  slow: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadCounts {
  requests: number;
  failed: number;
  byTrack: Record<string, TrackCounts>;
  failures: Array<{ at: number; track: string; path: string; status: number; error?: string }>;
}

export class PacedLoad {
  readonly outcomes: Outcome[] = [];
  private stopped = false;
  private t0 = 0;
  private loop?: Promise<void>;
  private readonly pending = new Set<Promise<void>>();
  private readonly agent: http.Agent;
  /** mulberry32, seeded: the same sequence of paths every run. */
  private random = (() => {
    let a = 0x9e3779b9;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  })();

  constructor(private readonly opts: { url: string; headers: Record<string, string>; rate: number; paths: string[]; timeoutMs?: number }) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  }

  /** ms since the load started. */
  now(): number {
    return performance.now() - this.t0;
  }

  start(): void {
    this.t0 = performance.now();
    this.loop = (async () => {
      for (let i = 0; !this.stopped; i++) {
        const due = this.t0 + (i * 1000) / this.opts.rate;
        const wait = due - performance.now();
        if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
        if (this.stopped) break;
        // A random path (seeded, so runs repeat): cycling through them would alias with the round robin's period
        // (at 5 % every 20th request goes to the canary, so a cycle of 5 paths would send it only one of them).
        const p = this.one(due, this.opts.paths[Math.floor(this.random() * this.opts.paths.length)]!);
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
      }
    })();
  }

  /** Stops sending and waits for every request in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all([...this.pending]);
    this.agent.destroy();
  }

  private one(due: number, path: string): Promise<void> {
    return new Promise((resolve) => {
      const sent = performance.now();
      const from = Math.max(due, sent);
      const record = (status: number, track: string, error?: string) => {
        this.outcomes.push({ at: due - this.t0, sent: sent - this.t0, ms: performance.now() - from, status, track, path, error });
        resolve();
      };
      const req = http.get(`${this.opts.url}${path}`, { agent: this.agent, headers: this.opts.headers }, (res) => {
        const track = String(res.headers[TRACK_HEADER] ?? '-');
        res.on('data', () => {});
        res.on('end', () => record(res.complete ? (res.statusCode ?? 0) : 0, track, res.complete ? undefined : 'truncated'));
        res.on('error', (err) => record(0, track, err.message));
      });
      req.setTimeout(this.opts.timeoutMs ?? 10_000, () => req.destroy(new Error('client timeout')));
      req.on('error', (err: NodeJS.ErrnoException) => record(0, '-', err.code ?? err.message));
    });
  }

  /** Counts of the requests sent in [from, to) ms (default: all). */
  counts(from = 0, to = Infinity, slowMs = Infinity): LoadCounts {
    const selected = this.outcomes.filter((o) => o.sent >= from && o.sent < to);
    const failedOf = (o: Outcome) => o.status < 200 || o.status >= 300;
    const byTrack: Record<string, TrackCounts> = {};
    for (const track of new Set(selected.map((o) => o.track))) {
      const of = selected.filter((o) => o.track === track);
      const s = summarize(
        of.map((o) => o.ms),
        1,
        0,
        0,
      );
      byTrack[track] = {
        requests: of.length,
        failed: of.filter(failedOf).length,
        status5xx: of.filter((o) => o.status >= 500).length,
        slow: of.filter((o) => o.ms >= slowMs).length,
        p50: s.p50,
        p99: s.p99,
        max: s.max,
      };
    }
    const failures = selected.filter(failedOf).map((o) => ({ at: Math.round(o.at), track: o.track, path: o.path, status: o.status, ...(o.error ? { error: o.error } : {}) }));
    return { requests: selected.length, failed: failures.length, byTrack, failures };
  }

  /** How far behind its schedule the client fell (ms, p99 and max): large values mean the machine itself is overloaded. */
  sendLag(): { p99: number; max: number } {
    const lags = Float64Array.from(this.outcomes.map((o) => Math.max(0, o.sent - o.at))).sort();
    const at = (q: number) => (lags.length ? Math.round(lags[Math.min(lags.length - 1, Math.ceil(q * lags.length) - 1)]!) : 0);
    return { p99: at(0.99), max: at(1) };
  }

  /** Achieved rate (completed requests per second) over the run. */
  achievedRate(): number {
    if (this.outcomes.length < 2) return 0;
    const last = this.outcomes.reduce((m, o) => Math.max(m, o.at), 0);
    return Math.round((this.outcomes.length / (last / 1000)) * 10) / 10;
  }
}
