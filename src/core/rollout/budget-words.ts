/**
 * The evidence budget in words, one line per step ("step 2 (5%, 30m):
 * decides in about 6 min; catches +0.35 pp errors with 90% probability"),
 * the same in the CLI, the dashboard and `rollout plan`'s warnings.
 *
 * Layer: pure core.
 */
import type { PlanBudget, StepBudget } from "./evidence-budget.ts";
import { count, duration, num, pct, pp } from "./gate-words.ts";
import type { OutcomeBudget } from "./outcome-budget.ts";
import { PASS_PROBABILITY } from "./pass-time.ts";

/** "1,234 identified requests/min (410 users/min), live errors 1.0%". */
export function trafficWords(b: PlanBudget): string {
  const t = b.traffic;
  const users = t.usersPerMinute === undefined ? "" : ` (${count(t.usersPerMinute)} users/min)`;
  const phi =
    (t.dispersion ?? 1) > 1.05 ? `, errors clustered by user x${t.dispersion?.toFixed(1)}` : "";
  return `${count(t.requestsPerMinute)} identified requests/min${users}, live errors ${pct(t.errorRate)}${phi}`;
}

/** "decides in about 6 min" / "cannot decide within its bake and extension in 95 of 100 rollouts (needs about 3h10m)". */
export function decidesWords(s: StepBudget): string {
  if (s.passMinutes === null) return "cannot decide: no traffic measured";
  if (s.feasible)
    return `decides in about ${duration(Math.ceil(s.passMinutes) * 60)} at current traffic`;
  const needs = duration(Math.ceil(Math.max(s.passMinutes, s.surelyMinutes ?? 0)) * 60);
  return `cannot decide within its bake and extension in ${Math.round(PASS_PROBABILITY * 100)} of 100 rollouts (needs about ${needs})`;
}

export function stepBudgetWords(s: StepBudget, index: number): string {
  const catches =
    s.catches === null
      ? "catches no error-rate regression with 90% probability in time"
      : `catches ${pp(s.catches)} errors with 90% probability`;
  return `step ${index + 1} (${s.shareBp / 100}%, ${duration(s.bakeSeconds)}): ${decidesWords(s)}; ${catches}`;
}

/** "outcome:converted (success, 1.0 pp): passes after about 2,400 canary outcomes, about 35 min at 70/min so far, if better by 1.0 pp". */
export function outcomeBudgetWords(o: OutcomeBudget): string {
  const delta = o.binary ? pp(o.minDelta).slice(1) : num(o.minDelta);
  const head = `outcome:${o.metric} (${o.kind}, ${delta})`;
  if (o.canaryOutcomes === null) return `${head}: not sized yet (no live outcomes)`;
  const time =
    o.minutes !== null && o.canaryPerMinute !== null
      ? `, about ${duration(Math.ceil(o.minutes) * 60)} at ${count(o.canaryPerMinute)}/min so far`
      : "";
  const when = o.kind === "guardrail" ? "if as good as live" : `if better by ${delta}`;
  return `${head}: passes after about ${count(o.canaryOutcomes)} canary outcomes over the rollout${time}, ${when}`;
}
