/**
 * `rollout plan`'s evidence budget: before a plan is written, each step's
 * time to decide and the regression it catches at the service's traffic
 * (measured by the router on the current version, or given with --traffic),
 * a warning for each step that cannot decide within its bake and extension,
 * and with --fit, those steps replaced by ones that can.
 *
 * Layer: CLI, pure (the numbers are src/core/rollout/evidence-budget.ts's).
 */
import { stepBudgetWords, trafficWords } from "../../../src/core/rollout/budget-words.ts";
import {
  type BudgetRules,
  fitStep,
  stepBudget,
  type Traffic,
} from "../../../src/core/rollout/evidence-budget.ts";
import { DEFAULT_BETA, gateAlphas } from "../../../src/core/rollout/plan.ts";
import type { RolloutPlanChange } from "../../../src/document/edits/rollout.ts";
import type { RolloutPlan } from "../../../src/document/rollout-plan.ts";

type Steps = RolloutPlanChange["steps"];

export interface BudgetCheck {
  /** Lines to print (traffic, one per step, warnings). */
  lines: string[];
  /** The steps to write: the given ones, or with --fit the fitted ones. */
  steps: Steps;
  /** Steps that still cannot decide in time. */
  infeasible: number;
}

/** The plan as it will be: the change over the current plan's values, else the schema's defaults. */
function rulesOf(change: RolloutPlanChange, current: RolloutPlan | null): BudgetRules {
  const alpha = change.alpha ?? current?.alpha ?? 0.01;
  const steps = change.steps;
  const gates = current?.gates ?? { minRequests: 200, errorRate: { minDelta: 0.005 } };
  const minRequests = change.gates?.minRequests ?? gates.minRequests;
  const shadow = current?.gates && "shadow" in current.gates ? current.gates.shadow : undefined;
  return {
    alpha: gateAlphas({
      alpha,
      steps,
      gates: { ...gates, shadow } as Parameters<typeof gateAlphas>[0]["gates"],
    })["error-rate"] as number,
    beta: change.beta ?? current?.beta ?? DEFAULT_BETA,
    minDelta: change.gates?.errorRate?.minDelta ?? gates.errorRate.minDelta,
    minRequests,
    maxExtensionSeconds: change.maxExtensionSeconds ?? current?.maxExtensionSeconds ?? 3600,
  };
}

export function checkBudget(
  change: RolloutPlanChange,
  current: RolloutPlan | null,
  traffic: Traffic,
  fit: boolean,
): BudgetCheck {
  const rules = rulesOf(change, current);
  const lines = [`evidence budget at ${trafficWords({ traffic, steps: [] })}:`];
  const steps: Steps = [];
  let infeasible = 0;
  for (const [i, step] of change.steps.entries()) {
    const b = stepBudget(rules, step, traffic);
    lines.push(`  ${stepBudgetWords(b, i)}`);
    if (b.feasible) {
      steps.push(step);
      continue;
    }
    // Shares never go down through a plan: a fitted step starts from the share before it.
    const before = steps.at(-1)?.shareBp ?? 0;
    const fitted = fitStep(rules, { ...step, shareBp: Math.max(step.shareBp, before) }, traffic);
    const proposal = fitted
      ? `${fitted.shareBp / 100}% for ${Math.round(fitted.bakeSeconds / 60)}m`
      : "none up to 50% (more traffic, a larger minDelta or a larger beta)";
    if (fit && fitted) {
      lines.push(`    fitted: ${proposal}`);
      steps.push(fitted);
    } else {
      infeasible += 1;
      lines.push(
        `    warning: step ${i + 1} cannot decide in time; a step that can: ${proposal}${fitted && !fit ? " (--fit applies it)" : ""}`,
      );
      steps.push(step);
    }
  }
  return { lines, steps, infeasible };
}
