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
  /** measure: absent in documents written before streamed answers were timed (then "total"). */
  latencyP95Ratio: {
    max: number;
    minDeltaMs: number;
    measure?: "total" | "first-token" | undefined;
  };
  shadow?: { minAgreement: number; maxMeanAbsDelta: number; minPairs: number } | undefined;
  /** Outcome gates, by metric (src/core/rollout/outcome-gates.ts). */
  outcomes?: Readonly<Record<string, OutcomeGateRule>> | undefined;
}

/**
 * A gate on an outcome metric: a guardrail passes once the canary is shown
 * not worse than live by minDelta, a success metric once it is shown
 * better; either rolls back once the canary is shown worse than live.
 */
export interface OutcomeGateRule {
  kind: "guardrail" | "success";
  /** In the metric's units: the guardrail's allowance, the improvement a success test is quickest for. */
  minDelta: number;
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

/** An outcome metric's gate: "outcome:" and the metric's name. */
export type OutcomeGate = `outcome:${string}`;

/** The gates that can fail (min-requests only waits). */
export type JudgedGate = FixedGate | OutcomeGate;

/** The gates every plan has (the shadow ones with gates.shadow). */
export type FixedGate =
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
 * pairs for the whole rollout, looked at anytime) and the outcome gates (one
 * stream of outcomes, stratified by step) do not. The error rate
 * gets the most: it is the gate most rollbacks come from.
 */
export const GATE_WEIGHTS: Record<FixedGate, number> = {
  "error-rate": 4,
  "status-class": 1,
  "latency-p95": 3,
  srm: 1,
  "shadow-agreement": 1,
  "shadow-delta": 1,
};

/** Each outcome gate's weight: like the shadow gates, one stream for the whole rollout. */
export const OUTCOME_GATE_WEIGHT = 2;

const PER_STEP: readonly FixedGate[] = ["error-rate", "status-class", "latency-p95", "srm"];

/** The gate of an outcome metric. */
export const outcomeGate = (metric: string): OutcomeGate => `outcome:${metric}`;

/**
 * Each gate's alpha at one step of this plan (shadow gates absent without
 * gates.shadow, an outcome gate per metric of gates.outcomes).
 */
export function gateAlphas(
  plan: Pick<PlanRules, "alpha" | "gates" | "steps">,
): Partial<Record<JudgedGate, number>> {
  const gates: FixedGate[] = plan.gates.shadow
    ? [...PER_STEP, "shadow-agreement", "shadow-delta"]
    : [...PER_STEP];
  const outcomes = Object.keys(plan.gates.outcomes ?? {}).map(outcomeGate);
  const total =
    gates.reduce((s, g) => s + GATE_WEIGHTS[g], 0) + outcomes.length * OUTCOME_GATE_WEIGHT;
  const steps = Math.max(1, plan.steps.length);
  const out: Partial<Record<JudgedGate, number>> = Object.create(null);
  for (const g of gates) {
    const share = (plan.alpha * GATE_WEIGHTS[g]) / total;
    out[g] = PER_STEP.includes(g) ? share / steps : share;
  }
  for (const g of outcomes) out[g] = (plan.alpha * OUTCOME_GATE_WEIGHT) / total;
  return out;
}
