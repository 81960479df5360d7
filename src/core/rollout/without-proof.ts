/**
 * `onInconclusive: "advance"`: may a step whose gates are still undecided
 * at bake + maxExtensionSeconds go on anyway, and what could it have caught?
 *
 * Layer: pure core. Only when no gate shows harm (the state machine has
 * already rolled back or paused on any failing gate) and the canary reached
 * the sample the evidence budget sizes for the error-rate bound
 * (src/core/rollout/pass-time.ts requestsToPass at live's measured
 * rate and dispersion): a step that advances had the traffic a decision
 * needs, it just did not get one (a gate near its bound, a rare status
 * class, a slow latency tail). The history then says so, with the
 * smallest error-rate increase the step caught with 90 % probability at the
 * traffic it had.
 */
import { dispersion } from "./dispersion.ts";
import { smallestCaught } from "./evidence-budget.ts";
import { count, duration, pp } from "./gate-words.ts";
import type { ArmMetrics, GateResult, RolloutMetrics } from "./gates.ts";
import { requestsToPass } from "./pass-time.ts";
import { DEFAULT_BETA, gateAlphas, type PlanRules } from "./plan.ts";
import { total } from "./user-sums.ts";

const identified = (arm: ArmMetrics) => (arm.users ? total(arm.users.requests) : arm.requests);
const errorsOf = (arm: ArmMetrics) => (arm.users ? total(arm.users.errors) : arm.errors);

/** The words for the history when the step may advance without proof, else null. */
export function withoutProof(
  plan: PlanRules,
  step: { shareBp: number },
  live: ArmMetrics,
  m: RolloutMetrics,
  unsure: readonly GateResult[],
  elapsedSeconds: number,
): string | null {
  if (plan.onInconclusive !== "advance") return null;
  const liveN = identified(live);
  const canaryN = identified(m.canary);
  if (liveN <= 0 || canaryN <= 0 || elapsedSeconds <= 0) return null;
  const rate = errorsOf(live) / liveN;
  const buckets = [m.canary.users, live.users].flatMap((u) =>
    u ? [{ trials: u.requests, events: u.errors }] : [],
  );
  const phi = dispersion(buckets);
  const beta = plan.beta ?? DEFAULT_BETA;
  const minDelta = plan.gates.errorRate.minDelta;
  const needed = Math.ceil(requestsToPass({ beta, minDelta }, rate, phi));
  if (canaryN < needed) return null;
  const share = step.shareBp / 10_000;
  const minutes = elapsedSeconds / 60;
  const perMinute = share >= 1 ? canaryN / minutes : (canaryN + liveN) / minutes;
  const caught = smallestCaught(
    {
      alpha: gateAlphas(plan)["error-rate"] as number,
      beta,
      minDelta,
      minRequests: plan.gates.minRequests,
      maxExtensionSeconds: 0,
    },
    share,
    { requestsPerMinute: perMinute, errorRate: rate, dispersion: phi },
    minutes,
  );
  const could =
    caught === null
      ? "it could not have caught an error-rate regression with 90% probability"
      : `it could have caught ${pp(caught)} errors with 90% probability`;
  return `passed without proof (onInconclusive: advance) after ${duration(elapsedSeconds)} and ${count(canaryN)} canary requests (the evidence budget sizes ${count(needed)}): ${could}; undecided: ${unsure.map((g) => g.gate).join(", ")}`;
}
