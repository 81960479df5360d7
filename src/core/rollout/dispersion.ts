/**
 * How over-dispersed an arm's events are because they cluster by user: the
 * cluster-robust variance of its rate over user buckets, divided by the
 * binomial variance that independent requests would give (Kish's design
 * effect, measured instead of assumed).
 *
 * Layer: pure core. Every user lands in one of the arm's USER_BUCKETS
 * buckets (src/core/rollout/user-sums.ts), so bucket sums are independent
 * clusters; the rate is a ratio estimator r = E / N and its cluster-robust
 * (delta-method) variance is B / (B - 1) x sum_b (e_b - r n_b)^2 / N^2
 * (Deng, Lu & Litz, "Trustworthy analysis of online A/B tests", WSDM 2017).
 * Under independent requests the ratio to r (1 - r) / N is about 1; a user
 * who sends 500 requests that all fail puts them in one bucket and the ratio
 * grows with it. The ratio is never taken below 1 (the binomial variance is
 * the floor), and it uses add-one rates so a rate of 0 is not a variance of 0.
 */

import { USER_BUCKETS } from "./user-sums.ts";

/** One arm's per-bucket trials and events (e.g. identified requests and their errors). */
export interface BucketCounts {
  trials: readonly number[];
  events: readonly number[];
}

interface Variances {
  robust: number;
  binomial: number;
}

function armVariances(arm: BucketCounts): Variances | null {
  let n = 0;
  let e = 0;
  for (let b = 0; b < USER_BUCKETS; b++) {
    n += arm.trials[b] ?? 0;
    e += arm.events[b] ?? 0;
  }
  if (n <= 0) return null;
  const r = e / n;
  let squares = 0;
  let used = 0;
  for (let b = 0; b < USER_BUCKETS; b++) {
    const nb = arm.trials[b] ?? 0;
    if (nb > 0) used += 1;
    const residual = (arm.events[b] ?? 0) - r * nb;
    squares += residual * residual;
  }
  const p = (e + 1) / (n + 2);
  const robust = used > 1 ? ((used / (used - 1)) * squares) / (n * n) : 0;
  return { robust, binomial: (p * (1 - p)) / n };
}

/**
 * The dispersion of a comparison of these arms' rates: the sum of their
 * cluster-robust variances over the sum of their binomial ones, at least 1.
 */
export function dispersion(arms: readonly BucketCounts[]): number {
  let robust = 0;
  let binomial = 0;
  for (const arm of arms) {
    const v = armVariances(arm);
    if (!v) continue;
    robust += v.robust;
    binomial += v.binomial;
  }
  return binomial > 0 ? Math.max(1, robust / binomial) : 1;
}
