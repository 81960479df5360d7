/**
 * What the rollout core reads of a plan: its steps, its gates' thresholds,
 * and what to do after the last step.
 *
 * Layer: pure core. The core owns these shapes; the schema's RolloutPlan
 * (src/document/rollout-plan.ts, zod) satisfies them, which
 * src/document/core-shapes.ts checks at compile time.
 */
export interface RolloutStepRules {
  shareBp: number;
  bakeSeconds: number;
}

export interface GateRules {
  minRequests: number;
  errorRate: { maxPValue: number; minDelta: number };
  latencyP95Ratio: { max: number; minDeltaMs: number };
  shadow?: { minAgreement: number; maxMeanAbsDelta: number; minPairs: number } | undefined;
  srm: { maxPValue: number };
}

export interface PlanRules {
  steps: readonly RolloutStepRules[];
  gates: GateRules;
  onSuccess: "flip" | "stay";
  notify: boolean;
}
