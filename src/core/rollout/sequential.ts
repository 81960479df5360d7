/**
 * Anytime-valid tests behind the rollout gates: tests that may be looked at
 * after every analysis tick without inflating false alarms, because their
 * error guarantee holds uniformly over time (Ville's inequality: a
 * nonnegative supermartingale M with M_0 = 1 reaches 1/alpha at ANY time
 * with probability at most alpha).
 *
 * Layer: pure core. Input is cumulative counts since the stream began; no
 * state between looks is needed. Pinned by test/vectors/sequential.json,
 * whose values come from scripts/tools/sequential_vectors.py (scipy
 * quadrature of the mixtures and root finding, not these closed forms).
 *
 * 1. Means and differences of rates: the one-sided mixture sequential
 *    probability ratio test (mSPRT) with a half-normal mixing distribution,
 *    asymptotic (Gaussian) version. Johari, Koomen, Pekelis, Walsh, "Always
 *    valid inference: continuous monitoring of A/B tests", Operations
 *    Research 70(3), 2022; the asymptotic confidence sequences of
 *    Waudby-Smith, Arbour, Sinha, Kennedy, Ramdas, arXiv:2103.06476.
 *    With x^ the estimate, V its variance and S = x^ - theta0,
 *      L+(S) = 2 sqrt(V / (V + tau^2)) exp(k^2 S^2 / 2) Phi(k S),
 *      k = tau / sqrt(V (V + tau^2)),
 *    is the likelihood ratio of "the truth is theta0 + u, u ~ half-normal(tau)
 *    mixed" against "the truth is theta0". For any truth <= theta0 it is a
 *    nonnegative supermartingale starting at 1, so "reject truth <= theta0
 *    once L+ >= 1/alpha" errs with probability <= alpha over all looks. L+
 *    increases with S, so the rejection is S > S*(V, tau, alpha): the
 *    anytime-valid lower bound is x^ - S*, and by symmetry (mixing over
 *    u < 0) the upper bound is x^ + S*; each bound is wrong with
 *    probability <= alpha at any look.
 *    A "fixed" reference (live measured at the end of the previous step, at
 *    a 100 % step) is a sample that no longer grows: it gets a fixed-sample
 *    normal bound at alpha / 2 and the candidate an anytime bound at
 *    alpha / 2, and the bounds add (a union bound, so still <= alpha).
 *
 * The split check's Bayes factor is src/core/rollout/srm-test.ts.
 */
import { normalUpperTail } from "./stats.ts";

export type SequentialOutcome = "pass" | "fail" | "inconclusive";

/** log Phi(x), accurate in both tails. */
export function logNormalCdf(x: number): number {
  return x >= 0 ? Math.log1p(-normalUpperTail(x)) : Math.log(normalUpperTail(-x));
}

/**
 * log L+(S): the one-sided mixture likelihood ratio of an estimate S above
 * the hypothesised value, with variance V and mixing sd tau (S may be negative).
 */
export function logMixtureRatio(s: number, variance: number, mixingSd: number): number {
  const tau2 = mixingSd * mixingSd;
  const k = mixingSd / Math.sqrt(variance * (variance + tau2));
  return (
    Math.LN2 + 0.5 * Math.log(variance / (variance + tau2)) + (k * s) ** 2 / 2 + logNormalCdf(k * s)
  );
}

/**
 * S*: how far above the hypothesised value an estimate must be before
 * log L+ reaches log(1/alpha) (alpha < 1/2). Solves x^2/2 + log Phi(x) = c
 * for x = k S by bisection: the root lies in [sqrt(2c), sqrt(2(c + log 2))]
 * because log(1/2) <= log Phi(x) < 0 for x >= 0.
 */
export function mixtureHalfWidth(variance: number, mixingSd: number, alpha: number): number {
  const tau2 = mixingSd * mixingSd;
  const c = Math.log(1 / (2 * alpha)) + 0.5 * Math.log1p(tau2 / variance);
  let lo = Math.sqrt(2 * c);
  let hi = Math.sqrt(2 * (c + Math.LN2));
  for (let i = 0; i < 80 && hi - lo > 1e-13 * hi; i++) {
    const mid = (lo + hi) / 2;
    if ((mid * mid) / 2 + logNormalCdf(mid) < c) lo = mid;
    else hi = mid;
  }
  const k = mixingSd / Math.sqrt(variance * (variance + tau2));
  return (lo + hi) / 2 / k;
}

/** z with P(Z > z) = p (0 < p < 1/2), by bisection on the normal tail. */
export function normalQuantileUpper(p: number): number {
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
    const mid = (lo + hi) / 2;
    if (normalUpperTail(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** What every interval test returns: the estimate, its interval, the decision and why. */
export interface IntervalTest {
  outcome: SequentialOutcome;
  /** The estimate (a rate, a difference of rates, a mean). */
  effect: number;
  /** Anytime-valid bounds: each is wrong with probability <= alpha at any look. */
  lo: number;
  hi: number;
  /** The value the estimate is judged against. */
  bound: number;
  /**
   * log of the mixture likelihood ratio against `bound`, on the side of the
   * bound where the estimate lies; the test decides once it reaches `boundary`.
   */
  statistic: number;
  boundary: number;
  alpha: number;
}

export interface IntervalOptions {
  /** Anytime error bound of each end of the interval. */
  alpha: number;
  /** Higher than this is worse: above it (lo > bound) fails, below it (hi < bound) passes. */
  bound: number;
  /** tau: any tau > 0 keeps the guarantee; the test is quickest for distances of about this size. */
  mixingSd: number;
}

/**
 * The interval test of an estimate with variance `variance` (the candidate's
 * growing sample) plus, optionally, a fixed reference sample's variance.
 */
export function intervalTest(
  effect: number,
  variance: number,
  options: IntervalOptions & { fixedVariance?: number },
): IntervalTest {
  const { alpha, bound, mixingSd } = options;
  const fixed = options.fixedVariance ?? 0;
  const anytimeAlpha = fixed > 0 ? alpha / 2 : alpha;
  const margin = fixed > 0 ? normalQuantileUpper(alpha / 2) * Math.sqrt(fixed) : 0;
  const half = mixtureHalfWidth(variance, mixingSd, anytimeAlpha) + margin;
  const lo = effect - half;
  const hi = effect + half;
  const statistic = logMixtureRatio(Math.abs(effect - bound) - margin, variance, mixingSd);
  const outcome: SequentialOutcome = lo > bound ? "fail" : hi < bound ? "pass" : "inconclusive";
  return { outcome, effect, lo, hi, bound, statistic, boundary: Math.log(1 / anytimeAlpha), alpha };
}

/**
 * Mixtures tuned to tau, 4 tau and 16 tau, each at a third of alpha: their
 * intervals are each valid, so their intersection is (a union bound). One
 * tau is quick only for effects about its size: a small tau is slow to call
 * a large difference on a small sample, a large one slow on small effects.
 */
export const TAU_MULTIPLIERS = [1, 4, 16] as const;

/**
 * The interval of `effect` (variance `variance`) as the intersection of the
 * three mixtures' intervals, each end wrong with probability <= alpha at
 * any look; judged against 0 ("fail": shown above, "pass": shown below).
 */
export function layeredInterval(
  effect: number,
  variance: number,
  tau: number,
  alpha: number,
): IntervalTest {
  const tests = TAU_MULTIPLIERS.map((k) =>
    intervalTest(effect, variance, {
      alpha: alpha / TAU_MULTIPLIERS.length,
      bound: 0,
      mixingSd: k * tau,
    }),
  );
  const lo = Math.max(...tests.map((t) => t.lo));
  const hi = Math.min(...tests.map((t) => t.hi));
  const narrowest = tests.reduce((a, b) => (b.hi - b.lo < a.hi - a.lo ? b : a));
  return { ...narrowest, lo, hi, outcome: lo > 0 ? "fail" : hi < 0 ? "pass" : "inconclusive" };
}

/** Events among trials, e.g. errors among requests. */
export interface Counts {
  trials: number;
  events: number;
}

/**
 * Variance of one rate. The rate is Agresti & Caffo's add-one estimate
 * (e + 1) / (n + 2) ("Simple and effective confidence intervals for
 * proportions and differences of proportions", The American Statistician
 * 54(4), 2000), used in the variance only: with 0 events the plug-in
 * variance would be 0 and the interval a point. It moves the rate towards
 * 1/2, so the variance is larger than the plug-in one: the safe side.
 */
export function rateVariance(c: Counts): number {
  const p = (c.events + 1) / (c.trials + 2);
  return (p * (1 - p)) / c.trials;
}

const rate = (c: Counts) => (c.trials > 0 ? c.events / c.trials : 0);

/** The test has nothing to say (no data): an interval as wide as the range. */
function undecided(effect: number, options: IntervalOptions, lo: number, hi: number): IntervalTest {
  return {
    outcome: "inconclusive",
    effect,
    lo,
    hi,
    bound: options.bound,
    statistic: 0,
    boundary: Math.log(1 / options.alpha),
    alpha: options.alpha,
  };
}

const clip = (t: IntervalTest, min: number, max: number): IntervalTest => ({
  ...t,
  lo: Math.max(min, t.lo),
  hi: Math.min(max, t.hi),
});

/**
 * Candidate rate minus reference rate, judged against `bound` (how much
 * worse the candidate may be). `fixedReference`: the reference sample has
 * stopped growing (a 100 % step's baseline).
 */
export function compareRates(
  candidate: Counts,
  reference: Counts,
  options: IntervalOptions & {
    fixedReference?: boolean;
    /** Variances times this (>= 1): how much the events cluster by user. */
    dispersion?: number;
  },
): IntervalTest {
  const effect = rate(candidate) - rate(reference);
  if (candidate.trials <= 0 || reference.trials <= 0) return undecided(effect, options, -1, 1);
  const phi = Math.max(1, options.dispersion ?? 1);
  const t = options.fixedReference
    ? intervalTest(effect, phi * rateVariance(candidate), {
        ...options,
        fixedVariance: phi * rateVariance(reference),
      })
    : intervalTest(effect, phi * (rateVariance(candidate) + rateVariance(reference)), options);
  return clip(t, -1, 1);
}

/** One rate judged against `bound` (higher is worse), e.g. the shadow's disagreement rate. */
export function testRate(
  c: Counts,
  options: IntervalOptions & {
    /** The variance times this (>= 1): how much the events cluster by user. */
    dispersion?: number;
  },
): IntervalTest {
  const effect = rate(c);
  if (c.trials <= 0) return undecided(effect, options, 0, 1);
  const phi = Math.max(1, options.dispersion ?? 1);
  return clip(intervalTest(effect, phi * rateVariance(c), options), 0, 1);
}

/** A mean of n observations with a variance estimate, judged against `bound` (higher is worse). */
export function testMean(
  sample: { n: number; mean: number; variance: number },
  options: IntervalOptions,
): IntervalTest {
  if (sample.n <= 0 || !(sample.variance > 0)) {
    return undecided(sample.mean, options, -Infinity, Infinity);
  }
  return intervalTest(sample.mean, sample.variance / sample.n, options);
}

/**
 * Rough count of further candidate observations before the interval clears
 * the bound, if the estimate stays where it is (the half-width shrinks about
 * like 1/sqrt(n); the log terms are ignored). Null when it sits on the bound.
 */
export function moreNeeded(t: IntervalTest, n: number): number | null {
  if (t.outcome !== "inconclusive") return 0;
  const gap = Math.abs(t.effect - t.bound);
  const half = (t.hi - t.lo) / 2;
  if (!(gap > 0) || !Number.isFinite(half)) return null;
  return Math.max(0, Math.ceil(n * ((half / gap) ** 2 - 1)));
}
