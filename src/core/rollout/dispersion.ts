/**
 * How over-dispersed an arm's events are because they cluster by user: the
 * cluster-robust variance of its rate over user buckets, divided by the
 * binomial variance that independent requests would give (Kish's design
 * effect, measured instead of assumed).
 *
 * Layer: pure core. Every user lands in one of the arm's USER_BUCKETS
 * buckets (src/core/rollout/user-sums.ts), so bucket sums are independent
 * clusters; the rate is a ratio estimator r = E / N. Its variance is the
 * jackknife over buckets (CV3): (G - 1) / G x sum_b (r - r_-b)^2, r_-b the
 * rate without bucket b, which is sum_b (e_b - r_-b n_b)^2 / N^2 times
 * (G - 1) / G (MacKinnon, Nielsen & Webb, "Cluster-robust inference: a
 * guide to empirical practice", J. Econometrics 2023, recommend it over
 * CV1 when clusters are few or unequal). Why not CV1 (residuals against r
 * itself, Deng, Lu & Litz, WSDM 2017): when a few heavy users hold most of
 * a small canary's errors, r is mostly their own rate, their residual is
 * small and the variance comes out low. At the same seeds (gates:bench's
 * 150 A/A rollouts at 300 rpm, 5 %, clustered) CV1 rolled back 3 and CV3 1;
 * 1 % -> 3 % was caught as fast (medians 70 s and 185 s with CV3, 70 s and
 * 180 s with CV1, at 10,000 rpm and 5 %, 1,000 rpm and 25 %), where
 * residuals against the pooled rate (the null imposed) took 75 s and 225 s.
 * Under independent requests the ratio to r (1 - r) / N is about 1; a user
 * who sends 500 requests that all fail puts them in one bucket and the
 * ratio grows with it. The ratio is never taken below 1 (the binomial
 * variance is the floor), and it uses add-one rates so a rate of 0 is not a
 * variance of 0.
 */

import { USER_BUCKETS } from "./user-sums.ts";

/** One arm's per-bucket trials and events (e.g. identified requests and their errors). */
export interface BucketCounts {
  trials: readonly number[];
  events: readonly number[];
}

interface Variances {
  robust: number;
  independent: number;
}

/** The jackknife variance of sum(events) / sum(trials) over the buckets (null without trials). */
export function jackknife(trials: readonly number[], events: readonly number[]): number | null {
  let n = 0;
  let e = 0;
  for (let b = 0; b < USER_BUCKETS; b++) {
    n += trials[b] ?? 0;
    e += events[b] ?? 0;
  }
  if (n <= 0) return null;
  let squares = 0;
  let used = 0;
  for (let b = 0; b < USER_BUCKETS; b++) {
    const nb = trials[b] ?? 0;
    if (nb <= 0 || nb >= n) continue;
    used += 1;
    const eb = events[b] ?? 0;
    const residual = eb - ((e - eb) / (n - nb)) * nb;
    squares += residual * residual;
  }
  return used > 1 ? (((used - 1) / used) * squares) / (n * n) : 0;
}

function armVariances(arm: BucketCounts): Variances | null {
  const robust = jackknife(arm.trials, arm.events);
  if (robust === null) return null;
  const n = arm.trials.reduce((s, x) => s + x, 0);
  const e = arm.events.reduce((s, x) => s + x, 0);
  const p = (e + 1) / (n + 2);
  return { robust, independent: (p * (1 - p)) / n };
}

/** Sum of robust variances over sum of independent ones, at least 1 (1 without data). */
function ratio(vs: readonly (Variances | null)[]): number {
  let robust = 0;
  let independent = 0;
  for (const v of vs) {
    if (!v) continue;
    robust += v.robust;
    independent += v.independent;
  }
  return independent > 0 ? Math.max(1, robust / independent) : 1;
}

/**
 * The dispersion of a comparison of these arms' rates: the sum of their
 * cluster-robust variances over the sum of their binomial ones, at least 1.
 */
export function dispersion(arms: readonly BucketCounts[]): number {
  return ratio(arms.map(armVariances));
}

/** Per bucket: how many values, and the sums of their logUnits and its square (src/core/rollout/user-sums.ts). */
export interface LogSums {
  n?: readonly number[] | undefined;
  sum?: readonly number[] | undefined;
  sq?: readonly number[] | undefined;
}

/**
 * How much a positive measure (a latency, a |score delta|) clusters by
 * user: the same ratio for the mean of its log, its jackknife variance over
 * the sample variance / n. The latency gate judges a tail share and the
 * |Δscore| gate a mean, not this mean of logs; a threshold of a latent
 * variable has a smaller intra-user correlation than the variable itself
 * (the tetrachoric relation: Pearson, 1900), so for the tail this
 * over-states the design effect: the safe side; for a mean it is the design
 * effect on the log scale, an approximation. 1 without sums (an earlier
 * release's isolates).
 */
export function logDispersion(arms: readonly LogSums[]): number {
  return ratio(
    arms.map((arm) => {
      if (!arm.n || !arm.sum || !arm.sq) return null;
      const robust = jackknife(arm.n, arm.sum);
      if (robust === null) return null;
      let n = 0;
      let sum = 0;
      let sq = 0;
      for (let b = 0; b < USER_BUCKETS; b++) {
        n += arm.n[b] ?? 0;
        sum += arm.sum[b] ?? 0;
        sq += arm.sq[b] ?? 0;
      }
      const mean = sum / n;
      const variance = n > 1 ? Math.max(0, (sq - n * mean * mean) / (n - 1)) : 0;
      return variance > 0 ? { robust, independent: variance / n } : null;
    }),
  );
}

/** The latency sums of user sums, as LogSums. */
export const latencySums = (u: {
  timed?: readonly number[];
  logMs?: readonly number[];
  logMsSq?: readonly number[];
}): LogSums => ({ n: u.timed, sum: u.logMs, sq: u.logMsSq });
