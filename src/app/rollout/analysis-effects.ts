/**
 * What one evaluation of the rollout analyzer (./analyzer.ts) writes: the
 * document change (through the one write pipeline, source "rollout", the
 * gate evidence in the history entry), the progress record's timeline entry
 * and notification for notable events (bake ticks only update
 * lastEvaluation), and how a refused write reads as an outcome.
 *
 * Layer: app (use case helpers of the analyzer).
 */
import type { GateResult } from "../../core/rollout/gates.ts";
import { type StoredRolloutStatus, withEvent } from "../../core/rollout/rollout-status.ts";
import type { DocChange } from "../../core/rollout/state-machine.ts";
import { applyRolloutChange, rolloutChangeNeeded } from "../../document/edits/rollout.ts";
import type { RoutingDocument } from "../../document/routing-document.ts";
import { WriteRefused, writeService } from "../write-service.ts";
import type { AnalysisOutcome, AnalyzerContext } from "./analyzer.ts";

/** Events worth a timeline entry and a notification (bake ticks are not). */
const NOTABLE = new Set([
  "start",
  "advance",
  "hold",
  "rollback",
  "promote",
  "pause",
  "resume",
  "abort",
]);

export async function writeChange(
  ctx: AnalyzerContext,
  doc: RoutingDocument,
  change: DocChange,
  author: string,
  evidence: { event: string; reason: string; gates: GateResult[] },
): Promise<number> {
  const meta = { author, now: new Date(ctx.now).toISOString() };
  if (!rolloutChangeNeeded(doc, change)) return doc.version;
  const result = await writeService(ctx.services, {
    service: doc.service,
    meta,
    expectedVersion: doc.version,
    source: "rollout",
    evidence,
    edit: (current, m) =>
      applyRolloutChange(current, change, m) ?? {
        ok: false,
        errors: [{ path: "", message: "no change" }],
      },
  });
  return result.version;
}

export function record(
  ctx: AnalyzerContext,
  status: StoredRolloutStatus,
  doc: RoutingDocument,
  outcome: Omit<AnalysisOutcome, "service" | "state" | "stepIndex">,
  previousEvent: string | undefined,
  shareBp: number | null,
): StoredRolloutStatus {
  const notable =
    NOTABLE.has(outcome.event) && !(outcome.event === "hold" && previousEvent === "hold");
  if (!notable)
    return {
      ...status,
      lastEvaluation: {
        at: ctx.now,
        event: outcome.event,
        reason: outcome.reason,
        gates: outcome.gates,
      },
    };
  const entry = {
    at: ctx.now,
    event: outcome.event,
    reason: outcome.reason,
    version: outcome.version,
    stepIndex: status.stepIndex,
    gates: outcome.gates,
  };
  ctx.waitUntil(
    ctx.notify({
      service: doc.service,
      event: outcome.event,
      reason: outcome.reason,
      version: outcome.version,
      stepIndex: status.stepIndex,
      shareBp,
      at: ctx.now,
    }),
  );
  return {
    ...withEvent(status, entry),
    lastEvaluation: {
      at: ctx.now,
      event: outcome.event,
      reason: outcome.reason,
      gates: outcome.gates,
    },
  };
}

/** The analyzer's outcome for a refused write, or null when it is not a refusal it expects. */
export function refusalEvent(
  err: unknown,
): "conflict" | "stored-invalid" | "invalid-change" | null {
  if (!(err instanceof WriteRefused)) return null;
  switch (err.kind) {
    case "version_conflict":
    case "version_mismatch":
    case "not_found":
      return "conflict";
    case "stored_document_invalid":
      return "stored-invalid";
    case "invalid_change":
      return "invalid-change";
    default:
      return null;
  }
}
