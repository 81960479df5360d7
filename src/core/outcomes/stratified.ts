/**
 * The difference of an outcome's mean between two arms over several
 * revisions of a routing document (a rollout's steps), stratified: each
 * revision's difference weighted by n_c n_l / (n_c + n_l), its canary's and
 * live's outcome counts (Cochran-Mantel-Haenszel weights, which depend on
 * counts only, not on the values). Pooling the revisions instead would
 * compare a canary whose outcomes come mostly from later steps with a live
 * arm whose outcomes come mostly from earlier ones (Simpson's paradox
 * under a daily cycle); a revision with no outcomes in one arm (a 100 %
 * step has no live traffic) adds nothing.
 *
 * Its variance is the jackknife over user buckets, deleting a bucket from
 * every revision at once: a user keeps their bucket across steps (and may
 * move from live to the canary as its share grows), so a bucket's outcomes
 * in different revisions are correlated and only the bucket is an
 * independent unit (src/core/rollout/dispersion.ts). Never below the
 * variance independent outcomes would have.
 *
 * Layer: pure core.
 */
import { USER_BUCKETS } from "../rollout/user-sums.ts";
import type { ArmSample } from "./leaderboard.ts";

/** One revision: both arms' outcomes of one metric, per user bucket. */
export interface OutcomeStratum {
  live: ArmSample;
  canary: ArmSample;
}

/** One arm's outcomes over every revision, pooled: count, sum, sum of squares. */
export function pooledArm(
  strata: readonly OutcomeStratum[],
  arm: keyof OutcomeStratum,
): { n: number; sum: number; sumSq: number } {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (const s of strata) {
    const t = totals(s[arm], -1);
    n += t.n;
    sum += t.sum;
    sumSq += s[arm].sumSq;
  }
  return { n, sum, sumSq };
}

export interface StratifiedDifference {
  /** Canary minus live (weighted over the revisions). */
  effect: number;
  /** Its variance: the jackknife over user buckets, at least the independent one. */
  variance: number;
  /** Outcomes behind it: the canary's and live's, over the revisions that count. */
  canary: number;
  live: number;
  /** Revisions with outcomes in both arms. */
  strata: number;
  /** Jackknife variance over the independent one (>= 1): how much the outcomes cluster by user. */
  dispersion: number;
}

interface Totals {
  n: number;
  sum: number;
}

function totals(s: ArmSample, skip: number): Totals {
  let n = 0;
  let sum = 0;
  for (let b = 0; b < USER_BUCKETS; b++) {
    if (b === skip) continue;
    n += s.n[b] ?? 0;
    sum += s.sum[b] ?? 0;
  }
  return { n, sum };
}

/** The weighted difference without bucket `skip` (-1: all of them); null when no revision has both arms. */
function weighted(strata: readonly OutcomeStratum[], skip: number): number | null {
  let weights = 0;
  let total = 0;
  for (const s of strata) {
    const c = totals(s.canary, skip);
    const l = totals(s.live, skip);
    if (c.n <= 0 || l.n <= 0) continue;
    const w = (c.n * l.n) / (c.n + l.n);
    weights += w;
    total += w * (c.sum / c.n - l.sum / l.n);
  }
  return weights > 0 ? total / weights : null;
}

/** Per-observation variance of one arm's values in one revision (add-one rate for 0/1 values). */
function unitVariance(s: ArmSample, t: Totals, binary: boolean): number {
  const mean = t.sum / t.n;
  if (binary) {
    const p = (t.sum + 1) / (t.n + 2);
    return p * (1 - p);
  }
  return t.n > 1 ? Math.max(0, (s.sumSq - t.n * mean * mean) / (t.n - 1)) : 0;
}

export function stratifiedDifference(
  strata: readonly OutcomeStratum[],
  binary: boolean,
): StratifiedDifference | null {
  const effect = weighted(strata, -1);
  if (effect === null) return null;
  let weights = 0;
  let independent = 0;
  let canary = 0;
  let live = 0;
  let counted = 0;
  for (const s of strata) {
    const c = totals(s.canary, -1);
    const l = totals(s.live, -1);
    if (c.n <= 0 || l.n <= 0) continue;
    const w = (c.n * l.n) / (c.n + l.n);
    weights += w;
    independent +=
      w * w * (unitVariance(s.canary, c, binary) / c.n + unitVariance(s.live, l, binary) / l.n);
    canary += c.n;
    live += l.n;
    counted += 1;
  }
  independent /= weights * weights;
  if (canary < 2 || live < 2) return null;
  // Delete-one-bucket jackknife (buckets with outcomes only).
  const leaveOut: number[] = [];
  for (let b = 0; b < USER_BUCKETS; b++) {
    const has = strata.some((s) => (s.canary.n[b] ?? 0) > 0 || (s.live.n[b] ?? 0) > 0);
    if (!has) continue;
    const d = weighted(strata, b);
    if (d !== null) leaveOut.push(d);
  }
  const g = leaveOut.length;
  let robust = 0;
  if (g > 1) {
    const mean = leaveOut.reduce((a, x) => a + x, 0) / g;
    robust = ((g - 1) / g) * leaveOut.reduce((a, x) => a + (x - mean) ** 2, 0);
  }
  const variance = Math.max(robust, independent);
  return {
    effect,
    variance,
    canary,
    live,
    strata: counted,
    dispersion: independent > 0 ? Math.max(1, robust / independent) : 1,
  };
}
