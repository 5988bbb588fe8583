/**
 * A small reader for the Prometheus text exposition format, plus percentile estimation from cumulative
 * histogram buckets the way PromQL's histogram_quantile() does it (linear interpolation inside the bucket).
 * Used by `npm run slo-report` and by the tests that count series and compare histogram counts.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(v: string): string {
  return v.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) for (const l of m[2].matchAll(LABEL)) labels[l[1]!] = unescapeLabel(l[2]!);
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** Cumulative buckets (upper bound → count), as in a `_bucket` series; must include +Inf. */
export type Buckets = Array<{ le: number; count: number }>;

/**
 * histogram_quantile semantics: find the bucket holding the q-th observation and interpolate linearly
 * between its bounds (the first bucket's lower bound is 0). If it falls into +Inf, the answer is the highest
 * finite bound (a lower bound on the truth). NaN with no observations.
 */
export function quantileFromBuckets(q: number, buckets: Buckets): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket === 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** Sums the `_bucket` series of one histogram by `le` over the samples `filter` keeps. */
export function collectBuckets(samples: Sample[], metric: string, filter: (labels: Record<string, string>) => boolean): Buckets {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${metric}_bucket` || !filter(s.labels)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}
