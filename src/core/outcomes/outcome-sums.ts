/**
 * Outcome sums: per revision, arm, metric and user bucket, how many
 * outcomes counted, their sum and their sum of squares. The control object
 * keeps them exactly (one SQLite row per cell); gates and the leaderboard
 * read them per arm, with the user buckets as the clusters of a
 * cluster-robust variance (as the request gates read UserSums).
 *
 * Layer: pure core.
 */
import { USER_BUCKETS } from "../rollout/user-sums.ts";

/** One counted outcome, after its receipt was verified. */
export interface CountedOutcome {
  /** The receipt's id: an outcome counts once per receipt and metric. */
  id: string;
  revision: string;
  arm: string;
  bucket: number;
  metric: string;
  value: number;
  /** When the receipt was issued (ms): its dedup row is kept until the receipt expires. */
  issuedMs: number;
}

/** One stored cell. */
export interface OutcomeCell {
  revision: string;
  arm: string;
  metric: string;
  bucket: number;
  n: number;
  sum: number;
  sumSq: number;
}

/** One arm's metric over its user buckets. */
export interface ArmOutcome {
  n: number;
  sum: number;
  sumSq: number;
  mean: number | null;
  /** Per user bucket (index 0..USER_BUCKETS-1): outcomes and their sum. */
  buckets: { n: number[]; sum: number[] };
}

/** revision -> arm -> metric -> its totals. */
export type OutcomeTotals = Record<string, Record<string, Record<string, ArmOutcome>>>;

const emptyArm = (): ArmOutcome => ({
  n: 0,
  sum: 0,
  sumSq: 0,
  mean: null,
  buckets: { n: new Array(USER_BUCKETS).fill(0), sum: new Array(USER_BUCKETS).fill(0) },
});

/** Cells grouped per revision, arm and metric (prototype-free maps: names are the document's). */
export function totalsOf(cells: readonly OutcomeCell[]): OutcomeTotals {
  const out: OutcomeTotals = Object.create(null);
  for (const c of cells) {
    out[c.revision] ??= Object.create(null);
    const arms = out[c.revision] as Record<string, Record<string, ArmOutcome>>;
    arms[c.arm] ??= Object.create(null);
    const metrics = arms[c.arm] as Record<string, ArmOutcome>;
    metrics[c.metric] ??= emptyArm();
    const m = metrics[c.metric] as ArmOutcome;
    m.n += c.n;
    m.sum += c.sum;
    m.sumSq += c.sumSq;
    if (c.bucket >= 0 && c.bucket < USER_BUCKETS) {
      m.buckets.n[c.bucket] = (m.buckets.n[c.bucket] ?? 0) + c.n;
      m.buckets.sum[c.bucket] = (m.buckets.sum[c.bucket] ?? 0) + c.sum;
    }
  }
  for (const arms of Object.values(out))
    for (const metrics of Object.values(arms))
      for (const m of Object.values(metrics)) m.mean = m.n > 0 ? m.sum / m.n : null;
  return out;
}

/** Every value sent was 0 or 1 (as far as sums tell: the sum of squares equals the sum, within n). */
export function binaryValues(arms: readonly { n: number; sum: number; sumSq: number }[]): boolean {
  return arms.every((m) => m.sumSq === m.sum && m.sum >= 0 && m.sum <= m.n);
}
