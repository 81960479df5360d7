/**
 * The progressive-delivery state machine: a pure function of
 * (plan, status, metrics, now) that says what the rollout does next.
 *
 * Layer: pure core. Rules, in order:
 *   - only a `progressing` rollout acts (paused, rolled back, promoted and
 *     aborted ones wait for an operator), except one the analyzer paused at
 *     its bake limit: it still rolls back a failing canary;
 *   - any failing gate rolls back at once (canary share 0);
 *   - before the step's bake time has passed: keep baking;
 *   - at the end of the bake: all gates pass -> next step (or, after the
 *     last step, promotion); anything inconclusive -> hold: the bake extends
 *     while the evidence accumulates, up to `maxExtensionSeconds` past the
 *     bake, then the rollout pauses at its share with the reason (it never
 *     rolls back for want of evidence).
 * At a 100 % step there is no live traffic: the gates compare the canary
 * with live as measured at the end of the previous step (`baseline`), a
 * sample that no longer grows.
 * Manual commands (pause, resume, abort, promote) go through `applyManual`
 * and take precedence because the analyzer leaves non-progressing rollouts alone.
 */

import { duration } from "./gate-words.ts";
import {
  type Baseline,
  evaluateGates,
  type GateResult,
  type LatencyReference,
  type RateTests,
  type RolloutMetrics,
} from "./gates.ts";
import { gateAlphas, type PlanRules } from "./plan.ts";
import { passStep } from "./step-end.ts";
import { withoutProof } from "./without-proof.ts";

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
  baseline?: Baseline | null;
  /** The latency gate's threshold for the current step, set at its first look with enough live data. */
  latencyReference?: LatencyReference | null;
  /** The rate gates' running sequential tests for the current step. */
  rateTests?: RateTests | null;
  /**
   * The analyzer paused this rollout because its gates stayed inconclusive
   * past the bake limit. Unlike an operator's pause, a failing gate still
   * rolls it back; resume, promote or abort end it.
   */
  pausedAtLimit?: boolean;
}

export type Verdict = "bake" | "advance" | "hold" | "pause" | "rollback" | "promote" | "none";

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

/** "error-rate (error rate 1.2% vs ...)": the undecided gates and the first one's words. */
function waitingFor(unsure: GateResult[]): string {
  const first = unsure[0];
  return `${unsure.map((g) => g.gate).join(", ")}${first ? ` (${first.detail})` : ""}`;
}

export function evaluateRollout(
  plan: PlanRules,
  status: RolloutStatus,
  metrics: RolloutMetrics,
  now: number,
): RolloutDecision {
  const step = plan.steps[status.stepIndex];
  const watching = status.state === "paused" && status.pausedAtLimit === true;
  if ((status.state !== "progressing" && !watching) || !step) {
    return {
      verdict: "none",
      reason: `rollout is ${status.state}`,
      gates: [],
      status,
      change: null,
    };
  }
  const fullShare = step.shareBp >= 10_000;
  const baked = now - status.stepStartedAt;
  const limit = plan.maxExtensionSeconds;
  const verdicts = evaluateGates(plan.gates, metrics, {
    shareBp: step.shareBp,
    stepIndex: status.stepIndex,
    alphas: gateAlphas(plan),
    baseline: fullShare ? (status.baseline ?? null) : null,
    latencyReference: status.latencyReference ?? null,
    rateTests: status.rateTests ?? null,
    beta: plan.beta,
    // The look that would pause an undecided step: a fixed-sample test may still pass it.
    lastLook: !watching && baked >= (step.bakeSeconds + limit) * 1000,
  });
  const gates = verdicts.results;
  const looked: RolloutStatus = {
    ...status,
    latencyReference: verdicts.latencyReference,
    rateTests: verdicts.rateTests,
  };
  const label = `step ${status.stepIndex + 1}/${plan.steps.length} (${step.shareBp / 100}%)`;
  const failed = gates.filter((g) => g.outcome === "fail" && g.gate !== "srm");
  if (failed.length > 0) {
    const { pausedAtLimit: _, ...rest } = looked;
    return {
      verdict: "rollback",
      reason: `gate failed: ${failed.map((g) => g.gate).join(", ")}`,
      gates,
      status: { ...rest, state: "rolled-back", updatedAt: now },
      change: { kind: "kill" },
    };
  }
  const unsure = gates.filter((g) => g.outcome === "inconclusive");
  const split = gates.find((g) => g.gate === "srm" && g.outcome === "fail");
  if (split && !watching) {
    return {
      verdict: "pause",
      reason: `${label}: the split of users does not match the share (${split.detail}); paused at ${step.shareBp / 100}%, a failing gate still rolls it back; resume once the assignment is explained`,
      gates,
      status: { ...looked, state: "paused", pausedAtLimit: true, updatedAt: now },
      change: null,
    };
  }
  if (watching) {
    return {
      verdict: "none",
      reason: split
        ? `${label}: paused on the split of users (${split.detail}); no other gate failed`
        : `${label}: paused at the bake limit, no gate failed; waiting for ${waitingFor(unsure)}`,
      gates,
      status,
      change: null,
    };
  }

  if (baked < step.bakeSeconds * 1000) {
    const left = Math.ceil((step.bakeSeconds * 1000 - baked) / 1000);
    return {
      verdict: "bake",
      reason: `${label}: baking, ${left}s left`,
      gates,
      status: looked,
      change: null,
    };
  }
  if (unsure.length > 0) {
    const extended = (baked - step.bakeSeconds * 1000) / 1000;
    if (extended < limit) {
      return {
        verdict: "hold",
        reason: `${label}: bake extended ${duration(extended)} of up to ${duration(limit)}, waiting for ${waitingFor(unsure)}`,
        gates,
        status: { ...looked, updatedAt: now },
        change: null,
      };
    }
    const advance = withoutProof(
      plan,
      step,
      fullShare && status.baseline ? status.baseline : metrics.live,
      metrics,
      unsure,
      baked / 1000,
    );
    if (advance)
      return passStep(
        plan,
        status,
        looked,
        metrics,
        verdicts.tail,
        now,
        `${label} ${advance}`,
        gates,
      );
    return {
      verdict: "pause",
      reason: `${label}: still undecided ${duration(extended)} after the bake (maxExtensionSeconds): ${waitingFor(unsure)}; paused at ${step.shareBp / 100}%, a failing gate still rolls it back; resume to wait one more bake and extension, promote to accept, abort to roll back`,
      gates,
      status: { ...looked, state: "paused", pausedAtLimit: true, updatedAt: now },
      change: null,
    };
  }

  return passStep(plan, status, looked, metrics, verdicts.tail, now, `${label} passed`, gates);
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
      return {
        status: { ...status, state: "paused", pausedAtLimit: false, updatedAt: now },
        change: null,
      };
    case "resume":
      if (status.state !== "paused")
        return { error: `cannot resume ${article(status.state)} ${status.state} rollout` };
      // The bake (and its extension) starts over; the step's metrics go on.
      return {
        status: {
          ...status,
          state: "progressing",
          pausedAtLimit: false,
          stepStartedAt: now,
          updatedAt: now,
        },
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
