/**
 * Anytime-valid gates: tests that may be looked at after every analysis tick
 * without inflating false alarms, because their error guarantee holds
 * uniformly over time (Ville's inequality: a nonnegative martingale M with
 * M_0 = 1 exceeds 1/alpha at ANY time with probability at most alpha).
 *
 * Layer: pure core. Input is cumulative counts per arm since the step began;
 * no state between looks is needed (each statistic is a function of the
 * counts only). Pinned by test/vectors/sequential.json, whose values come
 * from scripts/gates/sequential_vectors.py (numerical integration and root
 * finding in scipy, not these closed forms).
 *
 * 1. Error rate: mixture sequential probability ratio test (mSPRT) with a
 *    normal mixing distribution, asymptotic (Gaussian) version, on the
 *    difference of proportions d = p_candidate - p_live.
 *      Johari, Koomen, Pekelis, Walsh, "Always valid inference: continuous
 *      monitoring of A/B tests", Operations Research 70(3), 2022 (the test
 *      behind Optimizely's stats engine); the same closed form is the
 *      "asymptotic confidence sequence" of Waudby-Smith, Arbour, Sinha,
 *      Kennedy, Ramdas, "Time-uniform central limit theory and asymptotic
 *      confidence sequences", 2021 (arXiv:2103.06476), used by Eppo.
 *    With d^ the observed difference and V the variance of d^,
 *      log L(theta) = 1/2 log(V / (V + tau^2)) + tau^2 (d^ - theta)^2 / (2 V (V + tau^2))
 *    is the likelihood ratio of "d ~ N(theta, tau^2) mixed" against "d = theta";
 *    inverting {log L(theta) < log(1/alpha)} gives the confidence sequence
 *      d^ +- w,  w^2 = V (V + tau^2) / tau^2 * (2 log(1/alpha) + log((V + tau^2) / V)),
 *    which covers the true d at every look simultaneously with probability
 *    >= 1 - alpha (asymptotically: normal approximation of d^). The two-sided
 *    sequence is used for both one-sided claims, so each claim errs with
 *    probability <= alpha (conservative).
 *    Decision: "fail" when lo > minDelta (the candidate is worse by more than
 *    minDelta), "pass" when hi < minDelta (it is not worse by more than
 *    minDelta), else "inconclusive". Equivalently: the statistic
 *    log L(minDelta) has reached the boundary log(1/alpha), on the side of
 *    minDelta where d^ lies.
 *
 * 2. Sample-ratio mismatch: Bayes factor of a Beta-Binomial mixture against
 *    the expected share p0 (the two-arm case of Lindon & Malek, "Anytime-valid
 *    inference for multinomial count data", NeurIPS 2022; Optimizely's
 *    sequential SRM test):
 *      BF = B(a + k, b + m) / B(a, b) / (p0^k (1 - p0)^m),  a = c p0, b = c (1 - p0)
 *    for k canary and m other assignments. Under p0 it is a nonnegative
 *    martingale with BF_0 = 1, so "fail when BF >= 1/alpha" alarms falsely
 *    with probability <= alpha over all looks (exactly, not asymptotically).
 */
import { logGamma } from "./stats.ts";

export type SequentialOutcome = "pass" | "fail" | "inconclusive";

export interface ArmCounts {
  requests: number;
  errors: number;
}

export interface SequentialErrorRateOptions {
  /** Anytime false-alarm bound, for each one-sided claim. */
  alpha: number;
  /** The candidate may be this much worse (absolute error rate) before it fails. */
  minDelta: number;
  /**
   * Standard deviation tau of the normal mixing distribution on the
   * difference, in absolute error rate. Any tau > 0 keeps the guarantee; the
   * test decides fastest for differences from minDelta of about this size.
   */
  mixingSd?: number;
}

export interface SequentialErrorRateResult {
  outcome: SequentialOutcome;
  /** log L(minDelta), the mixture likelihood ratio against "difference = minDelta". */
  statistic: number;
  /** log(1/alpha): the statistic decides once it reaches this. */
  boundary: number;
  rateCandidate: number;
  rateLive: number;
  /** Observed candidate - live error rate. */
  effect: number;
  /** Anytime-valid interval for candidate - live, clipped to [-1, 1]. */
  lo: number;
  hi: number;
}

/**
 * Default tau: one percentage point. A rollout mostly needs to catch
 * regressions of 0.5-5 points over minDelta; a larger tau makes large
 * regressions fail sooner and small ones later, a smaller one the opposite.
 */
export const DEFAULT_MIXING_SD = 0.01;

/**
 * Variance of one arm's rate. The rate is Agresti & Caffo's add-one estimate
 * (e + 1) / (n + 2) ("Simple and effective confidence intervals for
 * proportions and differences of proportions", The American Statistician
 * 54(4), 2000), used in the variance only: with 0 errors the plug-in
 * variance would be 0 and the interval would collapse to a point. For rates
 * below 1/2 it is larger than the plug-in one, so it errs on the safe side.
 */
function armVariance(a: ArmCounts): number {
  const p = (a.errors + 1) / (a.requests + 2);
  return (p * (1 - p)) / a.requests;
}

export function sequentialErrorRate(
  candidate: ArmCounts,
  live: ArmCounts,
  options: SequentialErrorRateOptions,
): SequentialErrorRateResult {
  const { alpha, minDelta } = options;
  const tau2 = (options.mixingSd ?? DEFAULT_MIXING_SD) ** 2;
  const boundary = Math.log(1 / alpha);
  const rateCandidate = candidate.requests > 0 ? candidate.errors / candidate.requests : 0;
  const rateLive = live.requests > 0 ? live.errors / live.requests : 0;
  const effect = rateCandidate - rateLive;
  if (candidate.requests <= 0 || live.requests <= 0) {
    return {
      outcome: "inconclusive",
      statistic: 0,
      boundary,
      rateCandidate,
      rateLive,
      effect,
      lo: -1,
      hi: 1,
    };
  }
  const v = armVariance(candidate) + armVariance(live);
  const statistic =
    0.5 * Math.log(v / (v + tau2)) + (tau2 * (effect - minDelta) ** 2) / (2 * v * (v + tau2));
  const halfWidth = Math.sqrt(
    ((v * (v + tau2)) / tau2) * (2 * boundary + Math.log((v + tau2) / v)),
  );
  const lo = Math.max(-1, effect - halfWidth);
  const hi = Math.min(1, effect + halfWidth);
  const outcome: SequentialOutcome =
    lo > minDelta ? "fail" : hi < minDelta ? "pass" : "inconclusive";
  return { outcome, statistic, boundary, rateCandidate, rateLive, effect, lo, hi };
}

export interface SequentialSrmOptions {
  /** Anytime false-alarm bound. */
  alpha: number;
  /**
   * Concentration c of the Beta(c p0, c (1 - p0)) mixing prior on the canary
   * share: larger c looks harder at small mismatches and is slower on large
   * ones. Any c > 0 keeps the guarantee.
   */
  concentration?: number;
}

export interface SequentialSrmResult {
  outcome: "pass" | "fail";
  /** log BF of the Beta-Binomial mixture against the expected share. */
  statistic: number;
  /** log(1/alpha). */
  boundary: number;
  /** exp(-statistic), at most 1. Its running minimum over looks is an anytime-valid p-value. */
  pValue: number;
  observedShare: number;
  expectedShare: number;
}

/** Default c, as in Lindon & Malek's reference implementation (savvi's Multinomial, k = 100). */
export const DEFAULT_SRM_CONCENTRATION = 100;

const logBeta = (a: number, b: number) => logGamma(a) + logGamma(b) - logGamma(a + b);

/**
 * Sequential SRM on a two-way split: `canary` assignments against `others`,
 * when the document gives the canary `expectedShare` (0..1). A share of 0 or
 * 1 cannot mismatch and passes.
 */
export function sequentialSrm(
  canary: number,
  others: number,
  expectedShare: number,
  options: SequentialSrmOptions,
): SequentialSrmResult {
  const boundary = Math.log(1 / options.alpha);
  const total = canary + others;
  const observedShare = total > 0 ? canary / total : 0;
  if (expectedShare <= 0 || expectedShare >= 1 || total === 0) {
    return { outcome: "pass", statistic: 0, boundary, pValue: 1, observedShare, expectedShare };
  }
  const c = options.concentration ?? DEFAULT_SRM_CONCENTRATION;
  const a = c * expectedShare;
  const b = c * (1 - expectedShare);
  const statistic =
    logBeta(a + canary, b + others) -
    logBeta(a, b) -
    canary * Math.log(expectedShare) -
    others * Math.log(1 - expectedShare);
  return {
    outcome: statistic >= boundary ? "fail" : "pass",
    statistic,
    boundary,
    pValue: Math.min(1, Math.exp(-statistic)),
    observedShare,
    expectedShare,
  };
}
