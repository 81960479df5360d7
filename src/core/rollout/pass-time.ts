/**
 * How many canary requests a step needs to pass a canary as good as live:
 * on average, and by when it has passed with PASS_PROBABILITY (what the
 * evidence budget, src/core/rollout/evidence-budget.ts, calls feasible).
 *
 * Layer: pure core. Approximations of the rate test's pass side
 * (src/core/rollout/rate-test.ts), Wald's, ignoring the overshoot: the pass
 * side's log LR drifts by drift(n) per canary request, its expected value
 * against live's lower bound after n x (1 - s) / s live requests
 * (passAlternatives), towards ln(1/beta') x dispersion, beta' the
 * sequential side's share of beta (src/core/rollout/last-look.ts).
 */
import { LAST_LOOK_SHARE, sequentialBeta } from "./last-look.ts";
import { alternatives, passAlternatives } from "./rate-test.ts";
import { logNormalCdf, normalQuantileUpper } from "./sequential.ts";

/** The rules that size passing: the missed-regression budget and the bound. */
interface PassRules {
  beta: number;
  minDelta: number;
}

/**
 * Expected canary requests to pass a canary as good as live, when live gets
 * `liveFor` requests for each canary request (its rate's lower bound tightens
 * as it grows; Infinity: a fixed baseline, taken as exact).
 */
export function requestsToPass(
  rules: PassRules,
  p: number,
  dispersion = 1,
  liveFor = Number.POSITIVE_INFINITY,
): number {
  return smallestN(passSide(rules, p, dispersion, liveFor), (s, n) => n * s.drift >= s.goal);
}

/**
 * Canary requests by which a canary as good as live has passed with
 * `probability` (the sequential side alone): the first passage of its log
 * LR, a Brownian motion with the pass side's drift and spread (times the
 * dispersion) per request, through the boundary (Wald's approximation,
 * overshoot ignored): P(not yet at n) = Phi((a - mu n) / (s sqrt n)) -
 * exp(2 mu a / s^2) Phi((-a - mu n) / (s sqrt n)).
 */
export function requestsToPassSurely(
  rules: PassRules,
  p: number,
  dispersion = 1,
  liveFor = Number.POSITIVE_INFINITY,
  probability = PASS_PROBABILITY,
): number {
  const d = alternatives(rules.minDelta)[0] as number;
  const z = normalQuantileUpper(rules.beta * LAST_LOOK_SHARE);
  return smallestN(passSide(rules, p, dispersion, liveFor), (s, n) => {
    // A step that ends here passes on its last look if canary - live's upper bound is within d.
    // Add-one rates, as the last look's variances are (a rate of 0 is not a variance of 0).
    const variance = (m: number) => {
      const a = (p * m + 1) / (m + 2);
      return (a * (1 - a)) / m;
    };
    const live = Number.isFinite(liveFor) ? variance(n * liveFor) : 0;
    const se = Math.sqrt(dispersion * (variance(n) + live));
    const fixed = se > 0 ? Math.exp(logNormalCdf(d / se - z)) : 1;
    if (fixed >= probability) return true;
    if (!(s.drift > 0) || !(s.spread > 0)) return n * s.drift >= s.goal;
    const root = Math.sqrt(s.spread * n);
    const notYet =
      Math.exp(logNormalCdf((s.goal - s.drift * n) / root)) -
      Math.exp((2 * s.drift * s.goal) / s.spread + logNormalCdf((-s.goal - s.drift * n) / root));
    return 1 - notYet >= probability;
  });
}

/**
 * How sure a feasible step is to pass within its bake and extension: the
 * larger of the sequential side's first-passage probability and the last
 * look's (a lower bound of the two together).
 */
export const PASS_PROBABILITY = 0.95;

interface PassSide {
  goal: number;
  drift: number;
  spread: number;
}

/** The pass side's boundary (times the dispersion) and, after n canary requests, its drift and spread per request. */
function passSide(
  rules: PassRules,
  p: number,
  dispersion: number,
  liveFor: number,
): (n: number) => PassSide {
  const d = alternatives(rules.minDelta)[0] as number;
  const goal = Math.log(1 / sequentialBeta(rules.beta)) * dispersion;
  return (n: number) => {
    const se = Number.isFinite(liveFor) ? Math.sqrt((p * (1 - p)) / Math.max(1, n * liveFor)) : 0;
    const { drift, spread } = passAlternatives(p, se, d);
    return { goal, drift, spread: spread * dispersion };
  };
}

/** The smallest n where `done` holds, `done` monotone in n (the drift grows with n as live's bound tightens). */
function smallestN(at: (n: number) => PassSide, done: (s: PassSide, n: number) => boolean): number {
  const ok = (n: number) => done(at(n), n);
  const far = at(Number.MAX_SAFE_INTEGER);
  let hi = far.goal / Math.max(1e-12, far.drift);
  for (let i = 0; i < 60 && !ok(hi); i++) hi *= 2;
  let lo = 0;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
