/**
 * The latency gate's counts: how many requests of each arm were slower than
 * a threshold, read exactly from the arms' latency histograms (a threshold
 * is always a bucket boundary, so nothing is interpolated).
 *
 * Layer: pure core. The test (src/core/rollout/gates.ts) compares the share
 * of canary requests slower than T' = max(T x max, T + minDeltaMs) with the
 * share of live requests slower than T, live's p95: if the canary's latency
 * is at most max x live's (or live's + minDeltaMs) in distribution, the
 * first share is at most the second, whatever T is, so "canary share
 * significantly above live's" means "canary p95 above the allowance". T is
 * chosen from live's histogram once per step ("the reference") and only
 * requests after that moment are counted, so T does not depend on the data
 * it judges. Rounding T' up to a bucket boundary (at most 4.4 %) only makes
 * a rollback harder.
 */
import { bucketUpperBound, type HistogramSpec, LATENCY_MS, lastBucket } from "../histogram.ts";

export type BucketCounts = Record<string, number>;

/** Requests in buckets above `bucket` (slower than its upper bound). */
export function countAbove(counts: BucketCounts, bucket: number): number {
  let n = 0;
  for (const [k, c] of Object.entries(counts)) if (Number(k) > bucket) n += c;
  return n;
}

export function countAll(counts: BucketCounts): number {
  let n = 0;
  for (const c of Object.values(counts)) n += c;
  return n;
}

/** The bucket holding the q-quantile (rank ceil(q n)); null when empty. */
export function quantileBucket(counts: BucketCounts, q: number): number | null {
  const n = countAll(counts);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (const i of Object.keys(counts)
    .map(Number)
    .sort((a, b) => a - b)) {
    seen += counts[String(i)] ?? 0;
    if (seen >= rank) return i;
  }
  return null;
}

/**
 * The latency threshold for live's p95: the lower edge of the bucket holding
 * it (the upper bound of the bucket below), so that live's share of slower
 * requests is at least 5 % even when latencies crowd into few buckets (the
 * upper edge can leave far less, and the test little to compare). Returned
 * as the bucket whose upper bound it is.
 */
export function p95Threshold(counts: BucketCounts): number | null {
  const b = quantileBucket(counts, 0.95);
  return b === null ? null : Math.max(0, b - 1);
}

/** The lowest bucket whose upper bound is at least max(T x ratio, T + plusMs), T = bucket's upper bound. */
export function allowanceBucket(
  bucket: number,
  ratio: number,
  plusMs: number,
  spec: HistogramSpec = LATENCY_MS,
): number {
  const t = bucketUpperBound(spec, bucket);
  const target = Math.max(t * ratio, t + plusMs);
  let j = bucket;
  while (j < lastBucket(spec) && bucketUpperBound(spec, j) < target) j++;
  return j;
}

/** Counts minus an earlier snapshot of the same histogram. */
export function countsSince(now: BucketCounts, then: BucketCounts): BucketCounts {
  const out: BucketCounts = {};
  for (const [k, c] of Object.entries(now)) {
    const d = c - (then[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}
