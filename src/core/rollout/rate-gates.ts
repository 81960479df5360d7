/**
 * The rate gates: error rate (5xx, timeouts, connection errors) and status
 * classes (the shares of 3xx and of 4xx answers), canary against live on the
 * same traffic: identified requests, the users assignment splits.
 *
 * Layer: pure core. Each is the sequential test of src/core/rollout/rate-test.ts
 * ("as good as live" against "worse by minDelta"), divided by the dispersion
 * the user buckets measure (src/core/rollout/dispersion.ts). Its running
 * state is kept per step in the rollout status (GateContext.rateTests);
 * counts that restart (a new revision) start it over. The interval in the
 * evidence is the anytime-valid normal-mixture interval of the difference
 * (sequential.ts) with the same dispersion: what the operator reads; the
 * decision is the likelihood-ratio test's.
 */

import { dispersion } from "./dispersion.ts";
import { evidenceOf } from "./gate-evidence.ts";
import { count, num, pct, pp } from "./gate-words.ts";
import type { ArmMetrics, GateContext, GateResult, RateTests, RolloutMetrics } from "./gates.ts";
import { requestsToPassSurely } from "./pass-time.ts";
import { DEFAULT_BETA, DEFAULT_STATUS_CLASS_DELTA, type GateRules } from "./plan.ts";
import {
  judgeRateTest,
  lookOneArm,
  lookTwoArms,
  type RateCounts,
  type RateTestState,
  type RateVerdict,
  startRateTest,
} from "./rate-test.ts";
import { type IntervalTest, intervalTest, rateVariance } from "./sequential.ts";
import { total, type UserSums } from "./user-sums.ts";

/** Mixing sd of the displayed interval of a rate difference (about one percentage point). */
const INTERVAL_MIXING_SD = 0.01;

type Counted = keyof RateTests;

const NAMES: Record<Counted, string> = {
  errors: "error rate",
  redirects: "3xx share",
  clientErrors: "4xx share",
};

/** An arm's identified requests and the counted events; without user sums (old data), its totals. */
function countsOf(arm: ArmMetrics, what: Counted): RateCounts {
  if (arm.users) return { trials: total(arm.users.requests), events: total(arm.users[what]) };
  return { trials: arm.requests, events: what === "errors" ? arm.errors : 0 };
}

const bucketsOf = (users: UserSums | undefined, what: Counted) =>
  users ? [{ trials: users.requests, events: users[what] }] : [];

interface RateJudgement {
  what: Counted;
  state: RateTestState;
  verdict: RateVerdict;
  canary: RateCounts;
  live: RateCounts;
  interval: IntervalTest;
  /** About how many more canary requests would decide (inconclusive only). */
  more: number | null;
}

function judge(
  what: Counted,
  m: RolloutMetrics,
  ctx: GateContext,
  minDelta: number,
  alpha: number,
): RateJudgement {
  const canary = countsOf(m.canary, what);
  const live = countsOf(m.live, what);
  const before = ctx.rateTests?.[what] ?? startRateTest();
  const oneArm = ctx.baseline !== null;
  const state = oneArm
    ? lookOneArm(before, canary, live, minDelta, alpha)
    : lookTwoArms(before, canary, live, minDelta);
  const phi = dispersion([
    ...bucketsOf(m.canary.users, what),
    ...(oneArm ? [] : bucketsOf(m.live.users, what)),
  ]);
  const verdict = judgeRateTest(state, {
    alpha,
    beta: ctx.beta ?? DEFAULT_BETA,
    dispersion: phi,
    oneArm,
    lastLook: ctx.lastLook ? { minDelta } : undefined,
  });
  const rc = canary.trials > 0 ? canary.events / canary.trials : 0;
  const rl = live.trials > 0 ? live.events / live.trials : 0;
  const variance =
    canary.trials > 0 && live.trials > 0
      ? phi * (rateVariance(canary) + (oneArm ? 0 : rateVariance(live)))
      : 1;
  const wide = intervalTest(rc - rl, variance, {
    alpha,
    bound: minDelta,
    mixingSd: INTERVAL_MIXING_SD,
    ...(oneArm && live.trials > 0 ? { fixedVariance: rateVariance(live) } : {}),
  });
  // A difference of rates lies in [-1, 1]: a few requests do not make it wider.
  const interval = { ...wide, lo: Math.max(-1, wide.lo), hi: Math.min(1, wide.hi) };
  const judged = { what, state, verdict, canary, live, interval, more: null };
  const liveFor = oneArm
    ? Number.POSITIVE_INFINITY
    : (10_000 - ctx.shareBp) / Math.max(1, ctx.shareBp);
  return verdict.outcome === "inconclusive"
    ? { ...judged, more: moreRequests(judged, minDelta, ctx.beta ?? DEFAULT_BETA, liveFor) }
    : judged;
}

/**
 * About how many more canary requests until one boundary is reached: the
 * rollback side if its statistic keeps growing as so far, the pass side as
 * the evidence budget sizes it at live's rate, by when 95 % of such canaries
 * have passed (src/core/rollout/evidence-budget.ts); none once the canary is
 * past that (its rate sits near the bound: no count would be honest).
 */
function moreRequests(
  j: RateJudgement,
  minDelta: number,
  beta: number,
  liveFor: number,
): number | null {
  const n = j.canary.trials;
  const { rollback, rollbackBoundary } = j.verdict;
  const rate = j.live.trials > 0 ? j.live.events / j.live.trials : 0;
  // By when 95 % of such canaries pass: the average is already behind a step that waited long.
  const toPass = requestsToPassSurely({ beta, minDelta }, rate, j.verdict.dispersion, liveFor) - n;
  const toFail = rollback > 0 ? n * (rollbackBoundary / rollback - 1) : Number.POSITIVE_INFINITY;
  const best = Math.min(toPass > 0 ? toPass : Number.POSITIVE_INFINITY, toFail);
  return Number.isFinite(best) ? Math.max(0, Math.ceil(best)) : null;
}

function words(j: RateJudgement, minDelta: number, vsLive: string): string {
  const { verdict: v } = j;
  const rc = j.canary.trials > 0 ? j.canary.events / j.canary.trials : 0;
  const rl = j.live.trials > 0 ? j.live.events / j.live.trials : 0;
  const head = `${NAMES[j.what]} ${pct(rc)} vs ${pct(rl)} ${vsLive} (${pp(rc - rl)}, interval ${pp(j.interval.lo)} to ${pp(j.interval.hi)})`;
  const phi =
    v.dispersion > 1.05 ? `; users' clustering counted (dispersion ${num(v.dispersion)})` : "";
  const n = `${count(j.canary.trials)} canary requests`;
  if (v.outcome === "fail")
    return `${head}: shown worse than ${vsLive} (log LR ${v.rollback.toFixed(1)} >= ${v.rollbackBoundary.toFixed(1)}) after ${n}${phi}`;
  if (v.outcome === "pass" && v.lastLookBound !== null)
    return `${head}: shown not worse by ${pp(minDelta)} at the step's last look (upper bound ${pp(v.lastLookBound)}, fixed sample) after ${n}${phi}`;
  if (v.outcome === "pass")
    return `${head}: shown not worse by ${pp(minDelta)} (log LR ${v.pass.toFixed(1)} >= ${v.passBoundary.toFixed(1)}) after ${n}${phi}`;
  const more = j.more;
  const hint = more === null ? "" : `; about ${count(more)} more canary requests at this rate`;
  return `${head}: not yet shown worse (${Math.max(0, v.rollback).toFixed(1)} of ${v.rollbackBoundary.toFixed(1)}) nor within ${pp(minDelta)} (${Math.max(0, v.pass).toFixed(1)} of ${v.passBoundary.toFixed(1)}) after ${n}${hint}${phi}`;
}

function evidence(j: RateJudgement, measure: string) {
  const passing = j.verdict.outcome === "pass";
  const e = evidenceOf(
    {
      ...j.interval,
      outcome: j.verdict.outcome,
      statistic: passing ? j.verdict.pass : j.verdict.rollback,
      boundary: passing ? j.verdict.passBoundary : j.verdict.rollbackBoundary,
    },
    measure,
    j.canary.trials,
    j.live.trials,
  );
  if (j.verdict.outcome === "inconclusive") e.more = j.more;
  return e;
}

const RANK: Record<GateResult["outcome"], number> = { pass: 0, inconclusive: 1, fail: 2 };

/** The class that decides the gate: the worse outcome (fail over inconclusive over pass), 4xx on a tie. */
const worse = (c4: RateJudgement, c3: RateJudgement) =>
  RANK[c3.verdict.outcome] > RANK[c4.verdict.outcome] ? c3 : c4;

export function rateGates(
  rules: GateRules,
  m: RolloutMetrics,
  ctx: GateContext,
): { results: GateResult[]; tests: RateTests } {
  const vsLive = ctx.baseline ? "live's baseline" : "live";
  const errorDelta = rules.errorRate.minDelta;
  const errors = judge("errors", m, ctx, errorDelta, ctx.alphas["error-rate"] as number);
  const classDelta = rules.statusClass?.minDelta ?? DEFAULT_STATUS_CLASS_DELTA;
  const classAlpha = (ctx.alphas["status-class"] ?? 0) / 2;
  const classes = (["clientErrors", "redirects"] as const).map((what) =>
    judge(what, m, ctx, classDelta, classAlpha),
  );
  const [c4, c3] = classes as [RateJudgement, RateJudgement];
  const results: GateResult[] = [
    {
      gate: "error-rate",
      outcome: errors.verdict.outcome,
      detail: words(errors, errorDelta, vsLive),
      evidence: evidence(errors, "canary - live error rate"),
    },
  ];
  if (ctx.alphas["status-class"] !== undefined) {
    // Its evidence is the deciding class's: a passing 4xx test must not stand for a 3xx one still undecided.
    const deciding = worse(c4, c3);
    results.push({
      gate: "status-class",
      outcome: deciding.verdict.outcome,
      detail: `${words(c4, classDelta, vsLive)}; ${words(c3, classDelta, vsLive)}`,
      evidence: evidence(deciding, `canary - live ${NAMES[deciding.what]}`),
    });
  }
  return {
    results,
    tests: { errors: errors.state, clientErrors: c4.state, redirects: c3.state },
  };
}
