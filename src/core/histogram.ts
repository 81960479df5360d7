/**
 * A mergeable log-scale histogram: fixed bucket boundaries, so histograms
 * recorded by different isolates (or at different times) add up exactly.
 *
 * Layer: pure core. Bucket 0 holds values below `min` (zero included);
 * bucket i >= 1 holds [min * 2^((i-1)/p), min * 2^(i/p)) with p buckets per
 * doubling; the bucket holding `max` also takes everything above it. A
 * percentile is the upper bound of the bucket it falls in, clamped to the
 * exact min/max seen, so it overstates the true value by less than
 * 2^(1/p) - 1 (4.4 % at p = 16). Counts are stored sparsely
 * ({ "index": count }) to keep the JSON small.
 */

export interface HistogramSpec {
  min: number;
  max: number;
  perDoubling: number;
}

export interface Histogram {
  n: number;
  sum: number;
  /** Exact extremes seen (null while empty). */
  lo: number | null;
  hi: number | null;
  counts: Record<string, number>;
}

/** Milliseconds from 0.1 ms to 2 minutes. */
export const LATENCY_MS: HistogramSpec = { min: 0.1, max: 120_000, perDoubling: 16 };
/** Score differences from 1e-6 to 1e6 (scores of any scale). */
export const ABS_DELTA: HistogramSpec = { min: 1e-6, max: 1e6, perDoubling: 16 };

export function emptyHistogram(): Histogram {
  return { n: 0, sum: 0, lo: null, hi: null, counts: {} };
}

export function lastBucket(spec: HistogramSpec): number {
  return 1 + Math.floor(Math.log2(spec.max / spec.min) * spec.perDoubling);
}

export function bucketIndex(spec: HistogramSpec, value: number): number {
  if (!(value >= spec.min)) return 0; // also NaN and negatives
  const i = 1 + Math.floor(Math.log2(value / spec.min) * spec.perDoubling);
  return Math.min(i, lastBucket(spec));
}

export function bucketUpperBound(spec: HistogramSpec, index: number): number {
  return index === 0 ? spec.min : spec.min * 2 ** (index / spec.perDoubling);
}

export function observe(h: Histogram, spec: HistogramSpec, value: number): void {
  if (!Number.isFinite(value)) return;
  const key = String(bucketIndex(spec, value));
  h.counts[key] = (h.counts[key] ?? 0) + 1;
  h.n += 1;
  h.sum += value;
  h.lo = h.lo === null ? value : Math.min(h.lo, value);
  h.hi = h.hi === null ? value : Math.max(h.hi, value);
}

export function mergeHistograms(a: Histogram, b: Histogram): Histogram {
  const counts = { ...a.counts };
  for (const [k, c] of Object.entries(b.counts)) counts[k] = (counts[k] ?? 0) + c;
  const pick = (x: number | null, y: number | null, f: (p: number, q: number) => number) =>
    x === null ? y : y === null ? x : f(x, y);
  return {
    n: a.n + b.n,
    sum: a.sum + b.sum,
    lo: pick(a.lo, b.lo, Math.min),
    hi: pick(a.hi, b.hi, Math.max),
    counts,
  };
}

/** The q-quantile (0 < q <= 1) as a bucket upper bound; null when empty. */
export function quantile(h: Histogram, spec: HistogramSpec, q: number): number | null {
  if (h.n === 0 || h.lo === null || h.hi === null) return null;
  const rank = Math.max(1, Math.ceil(q * h.n));
  const indexes = Object.keys(h.counts)
    .map(Number)
    .sort((x, y) => x - y);
  let seen = 0;
  for (const i of indexes) {
    seen += h.counts[String(i)] ?? 0;
    if (seen >= rank) return Math.min(h.hi, Math.max(h.lo, bucketUpperBound(spec, i)));
  }
  return h.hi;
}

export function mean(h: Histogram): number | null {
  return h.n === 0 ? null : h.sum / h.n;
}
