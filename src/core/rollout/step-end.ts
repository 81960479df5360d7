/**
 * The end of a passed step: the next step, with live's numbers kept as the
 * baseline a 100 % step compares with, or promotion after the last step.
 * Shared by a step whose gates all passed and one that advances without
 * proof (src/core/rollout/without-proof.ts).
 *
 * Layer: pure core (the state machine's, src/core/rollout/state-machine.ts).
 */
import type { Baseline, GateResult, RolloutMetrics } from "./gates.ts";
import type { PlanRules } from "./plan.ts";
import type { RolloutDecision, RolloutStatus } from "./state-machine.ts";

export /** The step is done: the next step (live's numbers kept as a 100 % step's baseline), or promotion after the last. */
function passStep(
  plan: PlanRules,
  status: RolloutStatus,
  looked: RolloutStatus,
  metrics: RolloutMetrics,
  tail: Baseline["tail"],
  now: number,
  passed: string,
  gates: GateResult[],
): RolloutDecision {
  const step = plan.steps[status.stepIndex];
  const fullShare = (step?.shareBp ?? 0) >= 10_000;
  const next = plan.steps[status.stepIndex + 1];
  if (next) {
    const live: Baseline = {
      requests: metrics.live.requests,
      errors: metrics.live.errors,
      p95Ms: metrics.live.p95Ms,
      users: metrics.live.users,
      tail,
    };
    return {
      verdict: "advance",
      reason: `${passed}; now ${next.shareBp / 100}%`,
      gates,
      status: {
        ...looked,
        stepIndex: status.stepIndex + 1,
        stepStartedAt: now,
        updatedAt: now,
        baseline: fullShare ? (status.baseline ?? null) : live,
        latencyReference: null,
        rateTests: null,
      },
      change: { kind: "set-share", shareBp: next.shareBp },
    };
  }
  const flip = plan.onSuccess === "flip";
  return {
    verdict: "promote",
    reason: flip ? `${passed}: canary becomes live` : `${passed}: rollout complete`,
    gates,
    status: { ...looked, state: flip ? "promoted" : "completed", updatedAt: now },
    change: flip ? { kind: "flip" } : null,
  };
}
