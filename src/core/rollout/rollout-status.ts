/**
 * The stored progress of a rollout (kept by the service's control object):
 * the state machine's status, which plan it belongs to, and a bounded
 * timeline of verdicts with each gate's evidence.
 *
 * Layer: pure core (the record's shape and edits; the control object's
 * storage adapter reads and writes it). Ticks that change nothing update
 * only this record, never the routing document.
 */

import type { GateResult } from "./gates.ts";
import type { PlanRules } from "./plan.ts";
import type { RolloutStatus } from "./state-machine.ts";

export const TIMELINE_LIMIT = 100;

export interface TimelineEntry {
  at: number;
  event: string;
  reason: string;
  /** Routing-document version the event was judged on / wrote. */
  version: number;
  stepIndex: number;
  gates?: GateResult[];
}

export interface StoredRolloutStatus extends RolloutStatus {
  /** Fingerprint of the plan this rollout runs; a new plan starts a new rollout. */
  planKey: string;
  timeline: TimelineEntry[];
  /** The latest evaluation, notable or not (bake ticks only land here). */
  lastEvaluation?: { at: number; event: string; reason: string; gates?: GateResult[] };
}

/** The rollout's identity: new steps (shares or bakes), canary origin or salt start a new one. */
export function planKey(plan: PlanRules, canaryOrigin: string, salt: string): string {
  const steps = plan.steps.map((s) => ({ shareBp: s.shareBp, bakeSeconds: s.bakeSeconds }));
  return JSON.stringify([canaryOrigin, salt, steps]);
}

export function withEvent(status: StoredRolloutStatus, entry: TimelineEntry): StoredRolloutStatus {
  return { ...status, timeline: [...status.timeline, entry].slice(-TIMELINE_LIMIT) };
}
