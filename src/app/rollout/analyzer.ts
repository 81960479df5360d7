/**
 * The rollout analyzer: for a service with a rollout plan, read the plan,
 * the stored progress and this step's metrics, ask the pure state machine
 * what to do, and carry it out (document write with history, progress
 * record, notification). Run by each service's control object on its alarm
 * (src/control/service-control.ts), and on demand through the admin API / CLI.
 *
 * Layer: app (use case): all I/O is here, every decision is in
 * src/core/rollout/state-machine.ts. Document writes go through the same path as
 * the admin API (lost-update guard, history), with source "rollout" and the
 * gate evidence in the history entry.
 */

import { rolloutArmsOf, rolloutSeries } from "../../core/outcomes/rollout-series.ts";
import type { GateResult } from "../../core/rollout/gates.ts";
import { rolloutMetrics } from "../../core/rollout/metrics-view.ts";
import { planKey, type StoredRolloutStatus } from "../../core/rollout/rollout-status.ts";
import {
  applyManual,
  evaluateRollout,
  type ManualCommand,
  startRollout,
} from "../../core/rollout/state-machine.ts";
import type { MetricsReader } from "../../ports/metrics-reader.ts";
import type { Notifier } from "../../ports/notifier.ts";
import type { OutcomeSink } from "../../ports/outcome-store.ts";
import type { RolloutStore } from "../../ports/rollout-store.ts";
import type { ServiceStore } from "../../ports/service-store.ts";
import type { ShadowViewReader } from "../../ports/shadow-view-reader.ts";
import type { WaitUntil } from "../../ports/wait-until.ts";
import { RouterError } from "../errors.ts";
import { record, refusalEvent, writeChange } from "./analysis-effects.ts";

/** Everything the analyzer reads and writes, as ports (built by src/index.ts). */
export interface AnalyzerContext {
  services: ServiceStore;
  rollouts: RolloutStore;
  metrics: MetricsReader;
  shadowViews: ShadowViewReader;
  /** Outcome sums sent back through receipts (read only when the plan gates on outcomes). */
  outcomes: Pick<OutcomeSink, "cells">;
  now: number;
  notify: Notifier;
  /** Background work (notifications) that must not delay the analyzer. */
  waitUntil: WaitUntil;
}

export interface AnalysisOutcome {
  service: string;
  event: string;
  reason: string;
  /** Document version after this evaluation. */
  version: number;
  state: string | null;
  stepIndex: number | null;
  gates: GateResult[];
}

const AUTHOR = "rollout-analyzer";
/** One evaluation of one service; null when it has no rollout plan. */
export async function analyzeService(
  ctx: AnalyzerContext,
  service: string,
): Promise<AnalysisOutcome | null> {
  const stored = await ctx.services.read(service);
  const doc = stored.doc;
  if (!doc?.rollout || !doc.canary) return null;
  const plan = doc.rollout;
  const key = planKey(plan, doc.canary.origin, doc.canary.salt);
  const existing = await ctx.rollouts.read(service);

  if (!existing || existing.planKey !== key) {
    const started = startRollout(plan, ctx.now);
    const first = plan.steps[0]?.shareBp ?? 0;
    const reason = `rollout of ${doc.canary.origin} started at ${first / 100}%`;
    let version: number;
    try {
      version = await writeChange(ctx, doc, started.change, AUTHOR, {
        event: "start",
        reason,
        gates: [],
      });
    } catch (err) {
      const event = refusalEvent(err);
      if (!event) throw err;
      const why = (err as Error).message;
      return {
        service,
        event,
        reason: why,
        version: doc.version,
        state: null,
        stepIndex: null,
        gates: [],
      };
    }
    const fresh: StoredRolloutStatus = { ...started.status, planKey: key, timeline: [] };
    const status = record(
      ctx,
      fresh,
      doc,
      { event: "start", reason, version, gates: [] },
      undefined,
      first,
    );
    await ctx.rollouts.write(service, status);
    return {
      service,
      event: "start",
      reason,
      version,
      state: status.state,
      stepIndex: 0,
      gates: [],
    };
  }

  const metrics = await ctx.metrics.read(doc);
  const shadow = await ctx.shadowViews.read(doc);
  const judged = rolloutMetrics(metrics, doc.live, doc.canary.origin, shadow);
  const arms = rolloutArmsOf(doc, existing.startedAt, ctx.now);
  if (arms) judged.outcomes = rolloutSeries(await ctx.outcomes.cells(service), arms);
  const decision = evaluateRollout(plan, existing, judged, ctx.now);
  if (decision.verdict === "none") {
    return {
      service,
      event: "none",
      reason: decision.reason,
      version: doc.version,
      state: existing.state,
      stepIndex: existing.stepIndex,
      gates: [],
    };
  }
  const evidence = { event: decision.verdict, reason: decision.reason, gates: decision.gates };
  let version = doc.version;
  try {
    version = await writeChange(ctx, doc, decision.change, AUTHOR, evidence);
  } catch (err) {
    const event = refusalEvent(err);
    // Someone else wrote the document meanwhile (judge again at the next
    // tick), or it stopped validating or lost its canary (nothing to do
    // until an operator fixes it). Anything else is a real failure.
    if (!event) throw err;
    return {
      service,
      event,
      reason: (err as Error).message,
      version,
      state: existing.state,
      stepIndex: existing.stepIndex,
      gates: decision.gates,
    };
  }
  const shareBp =
    decision.change?.kind === "set-share"
      ? decision.change.shareBp
      : decision.change?.kind === "kill"
        ? 0
        : null;
  const previousEvent = existing.timeline.at(-1)?.event;
  const next = record(
    ctx,
    { ...existing, ...decision.status },
    doc,
    { event: decision.verdict, reason: decision.reason, version, gates: decision.gates },
    previousEvent,
    shareBp,
  );
  await ctx.rollouts.write(service, next);
  return {
    service,
    event: decision.verdict,
    reason: decision.reason,
    version,
    state: next.state,
    stepIndex: next.stepIndex,
    gates: decision.gates,
  };
}

/** An operator's pause / resume / abort / promote; takes effect at once. */
export async function manualRollout(
  ctx: AnalyzerContext,
  service: string,
  command: ManualCommand,
  author: string,
): Promise<AnalysisOutcome> {
  const stored = await ctx.services.read(service);
  const doc = stored.doc;
  const status = await ctx.rollouts.read(service);
  if (!doc || !status) {
    throw new RouterError(404, "no_rollout", `service "${service}" has no rollout in progress`, {
      service,
    });
  }
  const applied = applyManual(status, command, ctx.now);
  if ("error" in applied)
    throw new RouterError(409, "rollout_state", applied.error, { service, state: status.state });
  const reason = `${command} by ${author}`;
  const version = await writeChange(ctx, doc, applied.change, author, {
    event: command,
    reason,
    gates: [],
  });
  const shareBp = applied.change?.kind === "kill" ? 0 : null;
  const next = record(
    ctx,
    { ...status, ...applied.status },
    doc,
    { event: command, reason, version, gates: [] },
    undefined,
    shareBp,
  );
  await ctx.rollouts.write(service, next);
  return {
    service,
    event: command,
    reason,
    version,
    state: next.state,
    stepIndex: next.stepIndex,
    gates: [],
  };
}
