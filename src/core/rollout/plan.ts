/**
 * What the rollout core reads of a plan: its steps, its gates' bounds, its
 * alpha, how long a step may wait for a decision, and what to do after the
 * last step; and how the plan's alpha is split between gates and steps.
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
  errorRate: { minDelta: number };
  /** 3xx and 4xx shares: absent in documents written before the gate existed (then its default). */
  statusClass?: { minDelta: number } | undefined;
  latencyP95Ratio: { max: number; minDeltaMs: number };
  shadow?: { minAgreement: number; maxMeanAbsDelta: number; minPairs: number } | undefined;
}

export interface PlanRules {
  steps: readonly RolloutStepRules[];
  gates: GateRules;
  /** Chance of rolling back a canary that is within every bound, per rollout (all gates, all looks). */
  alpha: number;
  /** Chance of passing a gate whose candidate is worse by its bound, per gate and step (default DEFAULT_BETA). */
  beta?: number | undefined;
  /** How long past its bake a step whose gates have not decided may wait before the rollout pauses. */
  maxExtensionSeconds: number;
  onSuccess: "flip" | "stay";
  /** An undecided step at its limit: pause (default), or advance without proof once it reached its sample. */
  onInconclusive?: "pause" | "advance" | undefined;
  notify: boolean;
}

/** The gates that can fail (min-requests only waits). */
export type JudgedGate =
  | "error-rate"
  | "status-class"
  | "latency-p95"
  | "srm"
  | "shadow-agreement"
  | "shadow-delta";

/** The missed-regression budget when a plan does not set one. */
export const DEFAULT_BETA = 0.05;
/** The status-class gate's bound when a plan does not set one. */
export const DEFAULT_STATUS_CLASS_DELTA = 0.005;

/**
 * Shares of the plan's alpha. The rollout's false-rollback chance is at most
 * the sum of every gate's alpha at every step (a union bound), so the sum is
 * made exactly alpha: each gate gets alpha * weight / (sum of the plan's
 * weights); gates judged on the step's own traffic (a new stream each step)
 * divide theirs by the number of steps, the shadow gates (one stream of
 * pairs for the whole rollout, looked at anytime) do not. The error rate
 * gets the most: it is the gate most rollbacks come from.
 */
export const GATE_WEIGHTS: Record<JudgedGate, number> = {
  "error-rate": 4,
  "status-class": 1,
  "latency-p95": 3,
  srm: 1,
  "shadow-agreement": 1,
  "shadow-delta": 1,
};

const PER_STEP: readonly JudgedGate[] = ["error-rate", "status-class", "latency-p95", "srm"];

/** Each gate's alpha at one step of this plan (shadow gates absent without gates.shadow). */
export function gateAlphas(
  plan: Pick<PlanRules, "alpha" | "gates" | "steps">,
): Partial<Record<JudgedGate, number>> {
  const gates: JudgedGate[] = plan.gates.shadow
    ? [...PER_STEP, "shadow-agreement", "shadow-delta"]
    : [...PER_STEP];
  const total = gates.reduce((s, g) => s + GATE_WEIGHTS[g], 0);
  const steps = Math.max(1, plan.steps.length);
  const out: Partial<Record<JudgedGate, number>> = {};
  for (const g of gates) {
    const share = (plan.alpha * GATE_WEIGHTS[g]) / total;
    out[g] = PER_STEP.includes(g) ? share / steps : share;
  }
  return out;
}
