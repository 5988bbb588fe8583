/**
 * The benchmark report: its JSON shape, the seed's SLO targets (post-release report, p95/p99 in ms) and the
 * issue's targets, rendered as Markdown with a pass/fail per target.
 */
import type { LoadResult } from './load.js';
import type { MeteringResult, UsageLatency } from './usage.js';

export const SLO = {
  health: { p95: 50, p99: 100 },
  contacts: { p95: 300, p99: 600 },
  jobs: { p95: 400, p99: 800 },
  files: { p95: 500, p99: 1000 },
} as const;

export const TARGETS = {
  /** Full stack ≥ 0.6× bare Express on GET /v1/contacts (saturated). */
  throughputRatio: 0.6,
  /** p99 at the fixed rate ≤ 10% of the endpoint's seed p99 target. */
  p99ShareOfSlo: 0.1,
  /** Observability < 100 µs per request. */
  observabilityUs: 100,
  /** Usage metering on vs off, server CPU per request. */
  meteringUs: 20,
  /** GET /v1/usage p99 over a year of history on every operation. */
  usageP99Ms: 50,
  /** 1M-row list p99 ≤ 1.5× the 10k-row p99. */
  scaleRatio: 1.5,
};

export interface EndpointRow {
  name: string;
  slo: keyof typeof SLO;
  path: string;
  /** Median over rounds of full rps / bare rps (each round runs both back to back). */
  ratio: number;
  /** atRate: evenly paced at the fixed rate (open loop); burst: autocannon `overallRate` at the same rate. */
  full: { saturated: LoadResult; atRate: LoadResult; burst: LoadResult };
  bare: { saturated: LoadResult; atRate: LoadResult; burst: LoadResult };
}

export interface BenchReport {
  when: string;
  machine: { cpus: number; model: string; node: string; loadavg: number[] };
  settings: { durationSec: number; rate: number; connections: number; rounds: number; store: string; mode: string };
  endpoints: EndpointRow[];
  /** Absent when --only leaves the section out. */
  observability?: {
    method: string;
    rate: number;
    cpuUsPerRequestOn: number;
    cpuUsPerRequestOff: number;
    costUsPerRequest: number;
    noiseUs: number;
    pairs: { on: number; off: number; rpsOn: number; rpsOff: number }[];
  };
  /** The usage meter's cost (scripts/bench/usage.ts). */
  metering?: MeteringResult;
  /** GET /v1/usage over a year of history, per store. */
  usage?: UsageLatency[];
  scale?: { rate: number; small: LoadResult & { jobs: number }; large: LoadResult & { jobs: number }; ratioP99: number; p99Rounds?: { small: number[]; large: number[] } };
  /** The same code on several Node.js majors, full stack and bare Express on each (one round per measurement). */
  runtimes?: { seconds: number; rate: number; columns: RuntimeColumn[] };
  totalSeconds: number;
}

export interface RuntimeColumn {
  major: number;
  version: string;
  endpoints: { name: string; full: { rps: number; p99: number }; bare: { rps: number; p99: number }; ratio: number; errors: number }[];
}

const mark = (ok: boolean) => (ok ? '✅' : '❌');

export function renderMarkdown(r: BenchReport): string {
  const s = r.settings;
  const lines: string[] = [
    '# Portal API benchmark',
    '',
    `${r.when} · ${r.machine.cpus} × ${r.machine.model} · Node ${r.machine.node} · load average at the end ${r.machine.loadavg.join(' / ')}`,
    `${s.mode}; store: ${s.store}; saturated = ${s.connections} connections for ${s.durationSec} s per server, in ${s.rounds} alternating full/bare rounds (medians); fixed rate = ${s.rate} requests/s, evenly paced, ${s.rounds} rounds of ${s.durationSec} s per server alternating (latencies pooled).`,
    'Baseline: a bare Express 5 server returning the same rows through the same store from the same database, in the same run.',
    '',
    '## Throughput (saturated) and latency at the fixed rate',
    '',
    `| Endpoint | full rps | bare rps | full/bare | p50 | p95 | p99 | bare p99 | SLO p95/p99 | p99 ≤ 10% of SLO p99 | burst p99 full / bare | errors |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const e of r.endpoints) {
    const slo = SLO[e.slo];
    const limit = slo.p99 * TARGETS.p99ShareOfSlo;
    const f = e.full;
    const bad = f.saturated.non2xx + f.atRate.non2xx + f.burst.non2xx + f.saturated.errors + f.atRate.errors + f.burst.errors;
    lines.push(
      `| ${e.name} | ${f.saturated.rps} | ${e.bare.saturated.rps} | ${e.ratio.toFixed(2)} | ` +
        `${f.atRate.p50} | ${f.atRate.p95} | ${f.atRate.p99} | ${e.bare.atRate.p99} | ${slo.p95}/${slo.p99} | ` +
        `${mark(f.atRate.p99 <= limit)} ≤ ${limit} ms | ${f.burst.p99} / ${e.bare.burst.p99} | ${bad} |`,
    );
  }
  lines.push(
    '',
    `Latencies in ms at ${s.rate} requests/s, evenly spaced and open loop: each latency counts from the moment the request was due, so queueing is charged. ` +
      `Achieved rates: ${r.endpoints.map((e) => `${e.name} ${e.full.atRate.rps}`).join(', ')}. ` +
      `"Burst": the same rate through autocannon \`overallRate\`, which sends each connection's share as fast as answers come at the start of every second, ` +
      `so its p99 is the time to drain a burst of up to ${s.connections} concurrent requests (≈ ${s.connections} / capacity), shown for comparison with earlier runs.`,
    '',
  );

  const contacts = r.endpoints.find((e) => e.name === 'contacts list');
  const o = r.observability;
  lines.push('## Targets', '', '| Target | Measured | |', '|---|---|---|');
  if (contacts) {
    const ratio = contacts.ratio;
    lines.push(`| full stack ≥ ${TARGETS.throughputRatio}× bare Express on GET /v1/contacts | ${ratio.toFixed(2)}× (${contacts.full.saturated.rps} vs ${contacts.bare.saturated.rps} rps) | ${mark(ratio >= TARGETS.throughputRatio)} |`);
  }
  const p99Fails = r.endpoints.filter((e) => e.full.atRate.p99 > SLO[e.slo].p99 * TARGETS.p99ShareOfSlo);
  lines.push(`| p99 at ${s.rate}/s ≤ 10% of the seed p99 target, every endpoint | ${p99Fails.length === 0 ? 'all within' : `over: ${p99Fails.map((e) => `${e.name} ${e.full.atRate.p99} ms`).join(', ')}`} | ${mark(p99Fails.length === 0)} |`);
  if (o) {
    const obsVerdict = o.noiseUs >= TARGETS.observabilityUs ? '⚠️ noise ≥ target' : mark(o.costUsPerRequest < TARGETS.observabilityUs);
    lines.push(`| observability < ${TARGETS.observabilityUs} µs/request | ${o.costUsPerRequest} ± ${o.noiseUs} µs server CPU per request at ${o.rate}/s (${o.cpuUsPerRequestOn} on vs ${o.cpuUsPerRequestOff} off; median of ${o.pairs.length} on/off pairs: ${o.pairs.map((p) => `${p.on}−${p.off}`).join(', ')}) | ${obsVerdict} |`);
  }
  const m = r.metering;
  if (m) {
    const verdict = m.noiseUs >= TARGETS.meteringUs ? `${mark(m.costUsPerRequest < TARGETS.meteringUs)} (noise ${m.noiseUs} µs)` : mark(m.costUsPerRequest < TARGETS.meteringUs);
    lines.push(
      `| usage metering < ${TARGETS.meteringUs} µs/request | ${m.costUsPerRequest} ± ${m.noiseUs} µs server CPU per request at ${m.rate}/s (${m.cpuUsPerRequestOn} on vs ${m.cpuUsPerRequestOff} off; ` +
        `pairs ${m.pairs.map((p) => `${p.on}−${p.off}`).join(', ')}; bare Express ${m.bareCpuUsPerRequest ?? '–'} µs); record() ${m.recordNsPerCall} ns in process | ${verdict} |`,
    );
  }
  for (const u of r.usage ?? []) {
    const worst = Math.max(u.day.p99, u.month.p99);
    lines.push(`| GET /v1/usage p99 < ${TARGETS.usageP99Ms} ms, a year of history (${u.counters.toLocaleString('en')} counters), ${u.store} | per day ${u.day.p99} ms (p50 ${u.day.p50}, ${Math.round(u.day.bytes / 1024)} KB), per month ${u.month.p99} ms (p50 ${u.month.p50}) at ${u.rate}/s | ${mark(worst < TARGETS.usageP99Ms)} |`);
  }
  if (r.scale) {
    const sc = r.scale;
    lines.push(`| list p99 at ${sc.large.jobs.toLocaleString('en')} jobs ≤ ${TARGETS.scaleRatio}× at ${sc.small.jobs.toLocaleString('en')} | ${sc.large.p99} vs ${sc.small.p99} ms = ${sc.ratioP99}× (at ${sc.rate}/s, median of ${sc.p99Rounds?.small.length ?? 1} alternating rounds${sc.p99Rounds ? `: ${sc.p99Rounds.large.join('/')} vs ${sc.p99Rounds.small.join('/')} ms` : ''}; p50 ${sc.large.p50} vs ${sc.small.p50} ms) | ${mark(sc.ratioP99 <= TARGETS.scaleRatio)} |`);
  } else {
    lines.push('| list p99 at 1M vs 10k jobs | skipped (--skip-scale) | |');
  }
  if (r.runtimes) lines.push(...renderRuntimes(r.runtimes));
  lines.push('', `Total run time ${r.totalSeconds} s.`, '');
  return lines.join('\n');
}

function renderRuntimes(rt: NonNullable<BenchReport['runtimes']>): string[] {
  const cols = rt.columns;
  const lines = [
    '',
    '## Node.js runtimes side by side',
    '',
    `The same code on each runtime: saturated rps (full / bare Express, ratio) and p99 at ${rt.rate}/s evenly paced (full / bare), ` +
      `${rt.seconds} s per server and measurement, one round each (the section above is the detailed one).`,
    '',
    `| Endpoint | ${cols.map((c) => `Node ${c.version} rps full / bare (×) | p99 full / bare`).join(' | ')} |`,
    `|---|${cols.map(() => '---:|---:').join('|')}|`,
  ];
  for (const name of cols[0]?.endpoints.map((e) => e.name) ?? []) {
    const cells = cols.map((c) => {
      const e = c.endpoints.find((x) => x.name === name);
      return e ? `${e.full.rps} / ${e.bare.rps} (×${e.ratio.toFixed(2)})${e.errors ? ` ⚠️ ${e.errors} errors` : ''} | ${e.full.p99} / ${e.bare.p99} ms` : '– | –';
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return lines;
}
