/**
 * The rollout analyzer and an operator's commands, run inside the control
 * object over its own state: the plan and metrics it holds (exact, flushed
 * first), its rollout record, and document writes through its
 * compare-and-swap. On demand (`rollout evaluate`, pause / resume / abort
 * / promote) KV is looked at first; on the alarm, once per
 * `analysisIntervalSeconds` while a rollout progresses or is paused.
 *
 * Layer: app (control use case over src/app/rollout/analyzer.ts).
 */
import { analysisDue } from "../../core/control/alarm-plan.ts";
import { shadowViewOf } from "../../core/rollout/metrics-view.ts";
import { emptyVersionMetrics, revisionOf } from "../../core/rollout/request-metrics.ts";
import type { ManualCommand } from "../../core/rollout/state-machine.ts";
import { RouterError } from "../errors.ts";
import {
  type AnalysisOutcome,
  type AnalyzerContext,
  analyzeService,
  manualRollout,
} from "../rollout/analyzer.ts";
import { adoptFromKv } from "./adopt.ts";
import { flush } from "./check-in.ts";
import { objectStore } from "./commit.ts";
import type { ControlContext } from "./context.ts";

/** Rollout states that still need evaluations. */
const ACTIVE_STATES = new Set(["progressing", "paused"]);

/** A rollout plan with a canary whose rollout has not finished. */
export function rolloutActive(ctx: ControlContext): boolean {
  const doc = ctx.serving.get().doc;
  if (!doc?.rollout || !doc.canary) return false;
  const status = ctx.state.rolloutStatus();
  return status === null || ACTIVE_STATES.has(status.state);
}

/** On the alarm: an evaluation once per plan interval while the rollout is active. */
export async function analyseIfDue(
  ctx: ControlContext,
  now: number,
  serial: <T>(task: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const plan = ctx.serving.get().doc?.rollout;
  if (!plan || !rolloutActive(ctx)) return;
  if (!analysisDue(ctx.last.analysis, now, plan.analysisIntervalSeconds)) return;
  ctx.last.analysis = now;
  await serial(() => analyse(ctx, now));
}

/** One evaluation at `now`; null when the service has no rollout plan. */
export function analyse(ctx: ControlContext, now: number): Promise<AnalysisOutcome | null> {
  return analyzeService(analyzer(ctx, now), ctx.service);
}

/** `rollout evaluate`: KV first, then an evaluation at `at`; a 404 when there is nothing to judge. */
export async function evaluate(ctx: ControlContext, at: number): Promise<AnalysisOutcome> {
  const { service } = ctx;
  await adoptFromKv(ctx, Date.now());
  const result = await analyse(ctx, at);
  ctx.last.analysis = Date.now();
  if (result) return result;
  if (ctx.state.service("document").document === null) {
    throw new RouterError(404, "no_routing_document", `no routing document for "${service}"`, {
      service,
    });
  }
  throw new RouterError(
    404,
    "no_rollout_plan",
    `"${service}" has no rollout plan (a "rollout" block with a canary) to evaluate`,
    { service },
  );
}

/** An operator's pause / resume / abort / promote, after a look at KV. */
export async function command(
  ctx: ControlContext,
  cmd: ManualCommand,
  author: string,
  at: number,
): Promise<AnalysisOutcome> {
  await adoptFromKv(ctx, Date.now());
  return manualRollout(analyzer(ctx, at), ctx.service, cmd, author);
}

/** The analyzer's ports, over the object's own state. */
function analyzer(ctx: ControlContext, now: number): AnalyzerContext {
  const { service, state } = ctx;
  const flushed = <T>(read: () => T): T => {
    flush(ctx, now);
    return read();
  };
  return {
    services: objectStore(ctx),
    rollouts: {
      read: async () => state.rolloutStatus(),
      write: async (_service, status) => state.setRolloutStatus(status),
    },
    metrics: {
      read: async (doc) =>
        flushed(() => state.metrics(service, revisionOf(doc))) ??
        emptyVersionMetrics(service, doc.version, revisionOf(doc), 0),
    },
    shadowViews: {
      read: async (doc) =>
        doc.shadow
          ? shadowViewOf(flushed(() => state.shadowSummary(doc.shadow?.origin ?? "")))
          : null,
    },
    outcomes: { cells: async () => ctx.outcomeCells() },
    now,
    notify: ctx.notify,
    waitUntil: ctx.waitUntil,
  };
}
