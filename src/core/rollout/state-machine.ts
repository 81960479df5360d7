/**
 * The progressive-delivery state machine: a pure function of
 * (plan, status, metrics, now) that says what the rollout does next.
 *
 * Layer: pure core. Rules, in order:
 *   - only a `progressing` rollout acts (paused, rolled back, promoted and
 *     aborted ones wait for an operator);
 *   - any failing gate rolls back at once (canary share 0);
 *   - before the step's bake time has passed: keep baking;
 *   - at the end of the bake: all gates pass -> next step (or, after the
 *     last step, promotion); anything inconclusive -> hold and look again.
 * At a 100 % step there is no live traffic: the gates compare the canary
 * with live as measured at the end of the previous step (`baseline`).
 * Manual commands (pause, resume, abort, promote) go through `applyManual`
 * and take precedence because the analyzer leaves non-progressing rollouts alone.
 */

import { type ArmMetrics, evaluateGates, type GateResult, type RolloutMetrics } from "./gates.ts";
import type { PlanRules } from "./plan.ts";

export type RolloutState =
  | "progressing"
  | "paused"
  | "rolled-back"
  | "promoted"
  | "aborted"
  | "completed";

export interface RolloutStatus {
  state: RolloutState;
  stepIndex: number;
  /** Epoch ms when the current step began (its bake and its metrics start here). */
  stepStartedAt: number;
  startedAt: number;
  updatedAt: number;
  /**
   * Live's metrics from the end of the previous step. A 100 % step has no
   * live traffic to compare with, so its gates compare with this.
   */
  baseline?: ArmMetrics | null;
}

export type Verdict = "bake" | "advance" | "hold" | "rollback" | "promote" | "none";

/** What the routing document must change to (null: nothing). */
export type DocChange =
  | { kind: "set-share"; shareBp: number }
  | { kind: "kill" }
  | { kind: "flip" }
  | null;

export interface RolloutDecision {
  verdict: Verdict;
  reason: string;
  gates: GateResult[];
  status: RolloutStatus;
  change: DocChange;
}

export function startRollout(
  plan: PlanRules,
  now: number,
): { status: RolloutStatus; change: DocChange } {
  const first = plan.steps[0];
  if (!first) throw new Error("a rollout plan needs at least one step");
  return {
    status: {
      state: "progressing",
      stepIndex: 0,
      stepStartedAt: now,
      startedAt: now,
      updatedAt: now,
    },
    change: { kind: "set-share", shareBp: first.shareBp },
  };
}

export function evaluateRollout(
  plan: PlanRules,
  status: RolloutStatus,
  metrics: RolloutMetrics,
  now: number,
): RolloutDecision {
  const step = plan.steps[status.stepIndex];
  if (status.state !== "progressing" || !step) {
    return {
      verdict: "none",
      reason: `rollout is ${status.state}`,
      gates: [],
      status,
      change: null,
    };
  }
  const fullShare = step.shareBp >= 10_000;
  const judged = fullShare && status.baseline ? { ...metrics, live: status.baseline } : metrics;
  const gates = evaluateGates(plan.gates, judged, step.shareBp);
  const failed = gates.filter((g) => g.outcome === "fail");
  if (failed.length > 0) {
    return {
      verdict: "rollback",
      reason: `gate failed: ${failed.map((g) => g.gate).join(", ")}`,
      gates,
      status: { ...status, state: "rolled-back", updatedAt: now },
      change: { kind: "kill" },
    };
  }

  const baked = now - status.stepStartedAt;
  const label = `step ${status.stepIndex + 1}/${plan.steps.length} (${step.shareBp / 100}%)`;
  if (baked < step.bakeSeconds * 1000) {
    const left = Math.ceil((step.bakeSeconds * 1000 - baked) / 1000);
    return {
      verdict: "bake",
      reason: `${label}: baking, ${left}s left`,
      gates,
      status,
      change: null,
    };
  }
  const unsure = gates.filter((g) => g.outcome === "inconclusive");
  if (unsure.length > 0) {
    return {
      verdict: "hold",
      reason: `${label}: bake done but inconclusive: ${unsure.map((g) => g.gate).join(", ")}`,
      gates,
      status: { ...status, updatedAt: now },
      change: null,
    };
  }

  const next = plan.steps[status.stepIndex + 1];
  if (next) {
    return {
      verdict: "advance",
      reason: `${label} passed; now ${next.shareBp / 100}%`,
      gates,
      status: {
        ...status,
        stepIndex: status.stepIndex + 1,
        stepStartedAt: now,
        updatedAt: now,
        baseline: fullShare ? (status.baseline ?? null) : metrics.live,
      },
      change: { kind: "set-share", shareBp: next.shareBp },
    };
  }
  const flip = plan.onSuccess === "flip";
  return {
    verdict: "promote",
    reason: flip ? `${label} passed: canary becomes live` : `${label} passed: rollout complete`,
    gates,
    status: { ...status, state: flip ? "promoted" : "completed", updatedAt: now },
    change: flip ? { kind: "flip" } : null,
  };
}

export type ManualCommand = "pause" | "resume" | "abort" | "promote";

const article = (word: string) => (/^[aeiou]/.test(word) ? "an" : "a");

/** An operator's command; refuses commands that make no sense in the current state. */
export function applyManual(
  status: RolloutStatus,
  command: ManualCommand,
  now: number,
): { status: RolloutStatus; change: DocChange } | { error: string } {
  const active = status.state === "progressing" || status.state === "paused";
  switch (command) {
    case "pause":
      if (status.state !== "progressing")
        return { error: `cannot pause ${article(status.state)} ${status.state} rollout` };
      return { status: { ...status, state: "paused", updatedAt: now }, change: null };
    case "resume":
      if (status.state !== "paused")
        return { error: `cannot resume ${article(status.state)} ${status.state} rollout` };
      // The bake starts over: time spent paused is not evidence.
      return {
        status: { ...status, state: "progressing", stepStartedAt: now, updatedAt: now },
        change: null,
      };
    case "abort":
      if (!active)
        return { error: `cannot abort ${article(status.state)} ${status.state} rollout` };
      return { status: { ...status, state: "aborted", updatedAt: now }, change: { kind: "kill" } };
    case "promote":
      if (!active)
        return { error: `cannot promote ${article(status.state)} ${status.state} rollout` };
      return { status: { ...status, state: "promoted", updatedAt: now }, change: { kind: "flip" } };
  }
}
