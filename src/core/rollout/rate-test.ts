/**
 * The sequential test behind every rate gate (errors, 3xx, 4xx): is the
 * candidate's rate the reference's ("as good as live") or higher by at least
 * minDelta ("worse")? Decides as soon as the evidence allows, with two error
 * budgets: alpha (rolling back a candidate as good as live) and beta
 * (passing one worse by minDelta or more).
 *
 * Layer: pure core. Exact likelihoods, no normal approximation (rates near
 * 1 % are where that approximation is slowest and least accurate):
 *   - Two arms at once (canary and live): condition each look's events on
 *     their total. If both arms' requests in a look share one rate, the
 *     canary's share of the look's E events is Binomial(E, rho0) with rho0
 *     the canary's share of the look's requests; if the canary's rate is
 *     theta times live's, it is Binomial(E, rho1), rho1 = theta a / (theta a
 *     + b) (the count-based test of Lindon, Sanden & Shirikian, "Rapid
 *     regression detection in software deployments through sequential
 *     testing", KDD 2022). Live's own rate needs no estimate: it cancels.
 *   - One arm against a fixed sample (a 100 % step against live's baseline
 *     from the previous step): Bernoulli likelihoods of the canary's
 *     requests, p0 = the baseline's upper confidence bound (at alpha / 2,
 *     fixed sample) for rolling back, the baseline's rate for passing.
 * Rolling back: a mixture of Wald likelihood ratios over the alternatives
 * "worse by minDelta x 2^k", k = 0..3, equal weights. Each ratio is a
 * martingale with mean 1 under "as good as live" (a supermartingale when the
 * candidate is better), so is their average, and Ville's inequality bounds
 * the chance it EVER reaches 1/alpha by alpha: looks every few seconds do
 * not inflate it. The mixture costs log 4 nats over knowing the regression's
 * size in advance and gains everything when it is larger than minDelta (1 %
 * -> 3 % decides at about 1.3x Wald's information limit, against 1.8x for
 * a single SPRT at minDelta). Each look's alternatives are set from live's
 * rate BEFORE that look (a prior of 1 % at the first), so they are
 * predictable and the martingale property holds exactly.
 * Passing ("as good as live", roll forward) needs the evidence conditioning
 * throws away (a canary with no errors in 3,000 requests is not worse by
 * 0.5 pp, even when live has no errors either): Bernoulli likelihoods of the
 * canary's requests, "rate q" against "rate q + minDelta", q a lower bound of
 * live's rate (z = 1) from the looks before, read the other way (Wald's
 * lower boundary): under "worse than live by minDelta" the canary's rate is
 * at least q + minDelta, so the ratio's inverse is a supermartingale and
 * reaches 1/beta with probability <= beta (up to the bound's own error). A
 * look is bet on only when live's estimate says the canary gains from it
 * (positive expected drift), a predictable choice: early looks with a loose
 * q are skipped instead of digging a hole the test must climb out of, and
 * so are looks before live's rate is known to within minDelta.
 * The step's last look adds one fixed-sample test for passing, with 0.2 x
 * beta (src/core/rollout/last-look.ts); the sequential side has the rest.
 * Users, not requests: assignment is sticky per user and outcomes cluster by
 * user, so events are over-dispersed against the binomial. Every
 * log-likelihood ratio is divided by the dispersion measured over user
 * buckets (src/core/rollout/dispersion.ts, >= 1): a quasi-likelihood, the
 * standard correction for over-dispersed counts (McCullagh & Nelder,
 * "Generalized Linear Models", 2nd ed. 1989, ch. 9). Under iid traffic it is
 * about 1 and the test is exact.
 * Vectors: test/vectors/rate-test.json from scripts/tools/sequential_vectors.py
 * (scipy's binomial log-pmfs, not these closed forms).
 */
import { lastLookBound, sequentialBeta } from "./last-look.ts";
import { normalQuantileUpper } from "./sequential.ts";

/** Events among trials, e.g. errors among requests. */
export interface RateCounts {
  trials: number;
  events: number;
}

/** How many alternatives the rollback mixture spans: minDelta x 1, 2, 4, 8. */
export const ALTERNATIVES = 4;
/** Live's rate assumed before any live data (a pseudo-sample of 100 requests at 1 %). */
const PRIOR_TRIALS = 100;
const PRIOR_EVENTS = 1;
/** minDelta 0 means "any increase": the smallest alternative is then this. */
const SMALLEST_DELTA = 0.001;

/** The running state between looks: the counts already judged and each alternative's log-likelihood ratio. */
export interface RateTestState {
  canary: RateCounts;
  /** Live's counts so far (two arms), or the fixed baseline (one arm). */
  live: RateCounts;
  /** log LR of "worse by minDelta x 2^k" against "as good as live", k = 0..ALTERNATIVES-1. */
  logLR: number[];
  /** log LR of "worse by minDelta" against "as good as live's rate" over the canary's requests (the pass side). */
  passLR: number;
}

export function startRateTest(): RateTestState {
  return {
    canary: { trials: 0, events: 0 },
    live: { trials: 0, events: 0 },
    logLR: new Array<number>(ALTERNATIVES).fill(0),
    passLR: 0,
  };
}

/** The alternatives' differences: minDelta x 2^k. */
export function alternatives(minDelta: number): number[] {
  const d = Math.max(minDelta, SMALLEST_DELTA);
  return Array.from({ length: ALTERNATIVES }, (_, k) => d * 2 ** k);
}

/** Counts below the ones already judged (trials or events): another revision's, start over. */
const wentDown = (now: RateCounts, before: RateCounts) =>
  now.trials < before.trials || now.events < before.events;

const smoothedRate = (c: RateCounts) => (c.events + PRIOR_EVENTS) / (c.trials + PRIOR_TRIALS);

/** log of the Binomial(n, p1) / Binomial(n, p0) ratio for x events (the binomial coefficient cancels). */
function binomialLogRatio(x: number, n: number, p1: number, p0: number): number {
  const hit = x > 0 ? x * Math.log(p1 / p0) : 0;
  const miss = n - x > 0 ? (n - x) * Math.log1p(-p1) - (n - x) * Math.log1p(-p0) : 0;
  return hit + miss;
}

/**
 * One look of the two-arm test: adds the events since the previous look.
 * `canary` and `live` are cumulative counts of the step; counts that went
 * down (a new revision: fewer trials, or fewer events when its trials have
 * already passed the old ones) start the test over.
 */
export function lookTwoArms(
  state: RateTestState,
  canary: RateCounts,
  live: RateCounts,
  minDelta: number,
): RateTestState {
  if (wentDown(canary, state.canary) || wentDown(live, state.live))
    return lookTwoArms(startRateTest(), canary, live, minDelta);
  const a = canary.trials - state.canary.trials;
  const b = live.trials - state.live.trials;
  const x = canary.events - state.canary.events;
  const e = x + live.events - state.live.events;
  const logLR = [...state.logLR];
  if (a > 0 && b > 0 && e > 0) {
    const rho0 = a / (a + b);
    const base = smoothedRate(state.live);
    alternatives(minDelta).forEach((d, k) => {
      const theta = Math.min(1, base + d) / base;
      const rho1 = (theta * a) / (theta * a + b);
      logLR[k] = (logLR[k] ?? 0) + binomialLogRatio(x, e, rho1, rho0);
    });
  }
  const passLR = state.passLR + passIncrement(state.live, a, x, minDelta);
  return { canary: { ...canary }, live: { ...live }, logLR, passLR };
}

/**
 * z of live's lower bound in the pass test: 1 kept the missed-regression
 * rate under beta = 5 % at exactly +minDelta in every cell tried (2-4 %; z 0:
 * 6-9 %), at 1.2-1.5x the passing time of knowing live's rate.
 */
export const PASS_BOUND_Z = 1;

/**
 * The pass side's log LR of `x` canary events in `n` requests: "worse by
 * minDelta" (q + d) against "as good" (q), q a lower bound of live's rate
 * from `live` (the counts before this look). 0 when this look is not bet on.
 */
export function passIncrement(live: RateCounts, n: number, x: number, minDelta: number): number {
  if (n <= 0 || live.trials <= 0) return 0;
  const d = Math.max(minDelta, SMALLEST_DELTA);
  const estimate = smoothedRate(live);
  const se = Math.sqrt((estimate * (1 - estimate)) / (live.trials + PRIOR_TRIALS));
  // Live's rate must be known to within minDelta before the canary is judged against it.
  if (PASS_BOUND_Z * se > d) return 0;
  const { q, p1, drift } = passAlternatives(estimate, se, d);
  if (!(drift > 0)) return 0;
  return binomialLogRatio(x, n, p1, q);
}

/**
 * The pass side's two rates for live's estimate and its standard error, and
 * the expected log LR per canary request (towards passing) if the canary's
 * rate is the estimate: what the evidence budget sizes steps by.
 */
export function passAlternatives(estimate: number, se: number, d: number) {
  const q = Math.max(estimate - PASS_BOUND_Z * se, estimate / 2, 1e-12);
  const p1 = Math.min(1 - 1e-9, q + d);
  const up = Math.log(q / p1);
  const down = Math.log1p(-q) - Math.log1p(-p1);
  const hit = estimate > 0 ? estimate * up : 0;
  const drift = hit + (1 - estimate) * down;
  /** The variance of that log LR per request (Bernoulli at the estimate). */
  const spread = estimate * (1 - estimate) * (up - down) ** 2;
  return { q, p1, drift, spread };
}

/** The baseline's rate and its upper bound at `alpha` (fixed sample, add-one rate in the variance). */
export function baselineRates(
  baseline: RateCounts,
  alpha: number,
): { rate: number; upper: number } {
  const rate = baseline.trials > 0 ? baseline.events / baseline.trials : 0;
  const p = (baseline.events + 1) / (baseline.trials + 2);
  const se = Math.sqrt((p * (1 - p)) / Math.max(1, baseline.trials));
  return { rate, upper: Math.min(1 - 1e-9, rate + normalQuantileUpper(alpha) * se) };
}

/**
 * One look of the one-arm test against a fixed baseline (a 100 % step):
 * adds the canary's requests since the previous look. `alpha` is the gate's:
 * the baseline's bound takes half, the sequential test the other half.
 */
export function lookOneArm(
  state: RateTestState,
  canary: RateCounts,
  baseline: RateCounts,
  minDelta: number,
  alpha: number,
): RateTestState {
  if (wentDown(canary, state.canary))
    return lookOneArm(startRateTest(), canary, baseline, minDelta, alpha);
  const n = canary.trials - state.canary.trials;
  const x = canary.events - state.canary.events;
  const logLR = [...state.logLR];
  let passLR = state.passLR;
  if (n > 0) {
    const { upper } = baselineRates(baseline, alpha / 2);
    const p0 = Math.max(upper, 1e-9);
    alternatives(minDelta).forEach((d, k) => {
      logLR[k] = (logLR[k] ?? 0) + binomialLogRatio(x, n, Math.min(1 - 1e-9, p0 + d), p0);
    });
  }
  passLR += passIncrement(baseline, n, x, minDelta);
  return { canary: { ...canary }, live: { ...baseline }, logLR, passLR };
}

export interface RateVerdict {
  outcome: "pass" | "fail" | "inconclusive";
  /** log of the rollback mixture's likelihood ratio (divided by the dispersion); fails at rollbackBoundary. */
  rollback: number;
  rollbackBoundary: number;
  /** log LR of "as good" against "worse by minDelta" (divided by the dispersion); passes at passBoundary. */
  pass: number;
  passBoundary: number;
  dispersion: number;
  /** At the step's last look: the upper bound of canary - live it passes by when within minDelta (else null). */
  lastLookBound: number | null;
}

function logMeanExp(xs: readonly number[]): number {
  const m = Math.max(...xs);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0) / xs.length);
}

/**
 * The decision at this look. `oneArm`: the test is against a fixed baseline
 * (its sequential part has alpha / 2). A rollback outranks a pass.
 */
export function judgeRateTest(
  state: RateTestState,
  options: {
    alpha: number;
    beta: number;
    dispersion: number;
    oneArm?: boolean;
    /** The step's last look: its minDelta, for the fixed-sample pass test. */
    lastLook?: { minDelta: number } | undefined;
  },
): RateVerdict {
  const phi = Math.max(1, options.dispersion);
  const rollback = logMeanExp(state.logLR.map((l) => l / phi));
  const rollbackBoundary = Math.log(1 / (options.oneArm ? options.alpha / 2 : options.alpha));
  const pass = -state.passLR / phi;
  const passBoundary = Math.log(1 / sequentialBeta(options.beta));
  const outcome =
    rollback >= rollbackBoundary ? "fail" : pass >= passBoundary ? "pass" : "inconclusive";
  const verdict: Omit<RateVerdict, "lastLookBound"> = {
    outcome,
    rollback,
    rollbackBoundary,
    pass,
    passBoundary,
    dispersion: phi,
  };
  const bound =
    outcome === "inconclusive" && options.lastLook
      ? lastLookBound(state.canary, state.live, options.beta, phi)
      : null;
  if (
    bound !== null &&
    options.lastLook &&
    bound <= Math.max(options.lastLook.minDelta, SMALLEST_DELTA)
  )
    return { ...verdict, outcome: "pass", lastLookBound: bound };
  return { ...verdict, lastLookBound: null };
}
