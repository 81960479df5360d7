/**
 * The evidence budget of a plan: at a service's traffic, how long each step
 * needs to decide (on average, and surely: with 95 % probability, counting
 * the last look's fixed-sample test; what "feasible" means), and the
 * smallest error-rate regression it catches with 90 % probability within
 * its bake and extension. It is what makes a plan
 * trustworthy before it runs ("step 1 decides in about 12 min at your
 * traffic") and what `rollout plan --fit` sizes shares and bakes by.
 *
 * Layer: pure core. Approximations of the rate test's behaviour
 * (src/core/rollout/rate-test.ts), Wald's, ignoring the overshoot:
 *   - passing a canary as good as live: src/core/rollout/pass-time.ts (on
 *     average, and by when 95 % of such canaries have);
 *   - a regression of delta is caught at the first look where the rollback
 *     mixture's log-likelihood ratio reaches ln(1/alpha) + ln(4) (the
 *     mixture's cost), its best component's drift per error event mu and
 *     spread sigma giving, after n events, a normal n mu +- sqrt(n) sigma:
 *     caught with 90 % probability once n mu - 1.2816 sqrt(n) sigma reaches
 *     the boundary (times the dispersion).
 * gates:bench measures the real test against these numbers.
 */
import type { OutcomeBudget } from "./outcome-budget.ts";
import { requestsToPass, requestsToPassSurely } from "./pass-time.ts";
import { ALTERNATIVES, alternatives } from "./rate-test.ts";

/** A service's measured traffic over the last hour. */
export interface Traffic {
  /** Identified requests per minute (the traffic a canary can get). */
  requestsPerMinute: number;
  /** Distinct identified users per minute (shown; the split check's pace). */
  usersPerMinute?: number | undefined;
  /** Live's error rate. */
  errorRate: number;
  /** Over-dispersion of errors by user (>= 1; 1 when unknown). */
  dispersion?: number | undefined;
  /** Minutes of traffic the dispersion was measured over (absent: taken as any window's). */
  measuredMinutes?: number | undefined;
}

export interface BudgetRules {
  alpha: number;
  beta: number;
  minDelta: number;
  minRequests: number;
  maxExtensionSeconds: number;
}

export interface StepBudget {
  shareBp: number;
  bakeSeconds: number;
  /** Expected minutes to pass a canary as good as live (null: no traffic). */
  passMinutes: number | null;
  /** Smallest error-rate increase caught with 90 % probability within bake + extension (null: none). */
  catches: number | null;
  /** A step ending (bake + extension) this many minutes in passes a canary as good as live with PASS_PROBABILITY (null: no traffic). */
  surelyMinutes: number | null;
  /** Passes within bake + extension at this traffic, with PASS_PROBABILITY. */
  feasible: boolean;
}

const Z90 = 1.2815516;

/** Drift and spread, per error event, of the rollback statistic's best component when the canary is worse by delta. */
function perEvent(share: number, p: number, delta: number, minDelta: number) {
  const rho0 = share;
  const pc = Math.min(1, p + delta);
  const rhoTrue = (share * pc) / (share * pc + (1 - share) * p || 1);
  const base = Math.max(p, 1e-6);
  let best = { mu: 0, sigma: 0 };
  for (const d of alternatives(minDelta)) {
    const theta = Math.min(1, base + d) / base;
    const rho1 = (theta * share) / (theta * share + (1 - share));
    const up = Math.log(rho1 / rho0);
    const down = Math.log((1 - rho1) / (1 - rho0));
    const mu = rhoTrue * up + (1 - rhoTrue) * down;
    if (mu > best.mu) best = { mu, sigma: Math.sqrt(rhoTrue * (1 - rhoTrue)) * (up - down) };
  }
  return best;
}

/** The same for a 100 % step: per canary request, against the baseline's rate (one arm). */
function perRequest(p: number, delta: number, minDelta: number) {
  const pc = Math.min(1, p + delta);
  const p0 = Math.max(p, 1e-9);
  let best = { mu: 0, sigma: 0 };
  for (const d of alternatives(minDelta)) {
    const p1 = Math.min(1 - 1e-9, p0 + d);
    const up = Math.log(p1 / p0);
    const down = Math.log((1 - p1) / (1 - p0));
    const mu = pc * up + (1 - pc) * down;
    if (mu > best.mu) best = { mu, sigma: Math.sqrt(pc * (1 - pc)) * (up - down) };
  }
  return best;
}

/** Caught with 90 % probability within `minutes` at this traffic? */
function caught(
  rules: BudgetRules,
  share: number,
  t: Traffic,
  delta: number,
  minutes: number,
): boolean {
  const p = t.errorRate;
  const full = share >= 1;
  const { mu, sigma } = full
    ? perRequest(p, delta, rules.minDelta)
    : perEvent(share, p, delta, rules.minDelta);
  if (!(mu > 0)) return false;
  const events = full
    ? minutes * t.requestsPerMinute
    : minutes * t.requestsPerMinute * (share * Math.min(1, p + delta) + (1 - share) * p);
  // A 100 % step's sequential part has alpha / 2 (the baseline's bound takes the other half).
  const alpha = full ? rules.alpha / 2 : rules.alpha;
  const boundary = (Math.log(1 / alpha) + Math.log(ALTERNATIVES)) * (t.dispersion ?? 1);
  return events * mu - Z90 * Math.sqrt(events) * sigma >= boundary;
}

/** The smallest error-rate increase caught with 90 % probability within `minutes` (null: not even +100 %). */
export function smallestCaught(
  rules: BudgetRules,
  share: number,
  t: Traffic,
  minutes: number,
): number | null {
  let hi = 1 - t.errorRate;
  if (hi <= 0 || !caught(rules, share, t, hi, minutes)) return null;
  let lo = 0;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (caught(rules, share, t, mid, minutes)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The dispersion over a window of `minutes`: its excess over 1 grows with
 * the window. The design effect is 1 + rho (m - 1), m the requests of the
 * average request's user, and a user's requests pile up with time: a
 * dispersion measured over 10 minutes under-states a 70-minute step's
 * (gates:bench, clustered users at 1,000 rpm: 3.3 over an hour, 6 to 22
 * inside a 91-minute step). Never shrunk below the measured value.
 */
export function dispersionOver(t: Traffic, minutes: number): number {
  const phi = Math.max(1, t.dispersion ?? 1);
  const measured = t.measuredMinutes;
  if (measured === undefined || !(measured > 0)) return phi;
  return 1 + (phi - 1) * Math.max(1, minutes / measured);
}

/** One step's budget at this traffic. */
export function stepBudget(
  rules: BudgetRules,
  step: { shareBp: number; bakeSeconds: number },
  t: Traffic,
): StepBudget {
  const share = step.shareBp / 10_000;
  const canaryPerMinute = t.requestsPerMinute * share;
  const window = (step.bakeSeconds + rules.maxExtensionSeconds) / 60;
  if (!(canaryPerMinute > 0)) {
    return {
      shareBp: step.shareBp,
      bakeSeconds: step.bakeSeconds,
      passMinutes: null,
      surelyMinutes: null,
      catches: null,
      feasible: false,
    };
  }
  const liveFor = share >= 1 ? Number.POSITIVE_INFINITY : (1 - share) / share;
  // The clustering the step will see by its end, not the one measured so far.
  const phi = dispersionOver(t, window);
  const needed = Math.max(requestsToPass(rules, t.errorRate, phi, liveFor), rules.minRequests);
  const surely = Math.max(
    requestsToPassSurely(rules, t.errorRate, phi, liveFor),
    rules.minRequests,
  );
  const passMinutes = needed / canaryPerMinute;
  const surelyMinutes = surely / canaryPerMinute;
  const catches = smallestCaught(rules, share, { ...t, dispersion: phi }, window);
  return {
    shareBp: step.shareBp,
    bakeSeconds: step.bakeSeconds,
    passMinutes,
    surelyMinutes,
    catches,
    feasible: surelyMinutes * 60 <= step.bakeSeconds + rules.maxExtensionSeconds,
  };
}

/**
 * A step that can decide at this traffic: the same share with a bake long
 * enough to pass (rounded up to whole minutes), or, when even the whole
 * extension is too short at that share, the smallest share (in whole
 * percent, up to 50 %) that passes within the bake and extension.
 */
export function fitStep(
  rules: BudgetRules,
  step: { shareBp: number; bakeSeconds: number },
  t: Traffic,
): { shareBp: number; bakeSeconds: number } | null {
  const b = stepBudget(rules, step, t);
  if (b.feasible && b.passMinutes !== null) {
    const bake = Math.max(step.bakeSeconds, Math.ceil(b.passMinutes) * 60);
    return {
      shareBp: step.shareBp,
      bakeSeconds: Math.min(bake, step.bakeSeconds + rules.maxExtensionSeconds),
    };
  }
  for (let pct = Math.ceil(step.shareBp / 100) + 1; pct <= 50; pct++) {
    const wider = { shareBp: pct * 100, bakeSeconds: step.bakeSeconds };
    const w = stepBudget(rules, wider, t);
    if (w.feasible && w.passMinutes !== null)
      return {
        shareBp: wider.shareBp,
        bakeSeconds: Math.max(step.bakeSeconds, Math.ceil(w.passMinutes) * 60),
      };
  }
  return null;
}

/** What a plan's steps need, as the view, the CLI and the dashboard show it. */
export interface PlanBudget {
  traffic: Traffic;
  steps: StepBudget[];
  /** The outcome gates' budgets (src/core/rollout/outcome-budget.ts), for a plan that has them. */
  outcomes?: OutcomeBudget[] | undefined;
}

/** Every step's budget at this traffic, by the plan's own alpha, beta and bounds. */
export function planBudget(
  plan: {
    steps: readonly { shareBp: number; bakeSeconds: number }[];
    gates: { minRequests: number; errorRate: { minDelta: number } };
    beta?: number | undefined;
    maxExtensionSeconds: number;
  },
  errorAlpha: number,
  traffic: Traffic,
  defaultBeta: number,
): PlanBudget {
  const rules: BudgetRules = {
    alpha: errorAlpha,
    beta: plan.beta ?? defaultBeta,
    minDelta: plan.gates.errorRate.minDelta,
    minRequests: plan.gates.minRequests,
    maxExtensionSeconds: plan.maxExtensionSeconds,
  };
  return { traffic, steps: plan.steps.map((s) => stepBudget(rules, s, traffic)) };
}
