/**
 * The stored progress of a rollout (`rollout:<service>` in KV): the state
 * machine's status, which plan it belongs to, and a bounded timeline of
 * verdicts with their evidence.
 *
 * Layer: rollout (pure format + tiny KV helpers). Ticks that change nothing
 * update only this record, never the routing document.
 */
import { rolloutStatusKey } from "../schema/kv-keys.ts";
import type { RolloutPlan } from "../schema/rollout-plan.ts";
import type { GateResult } from "./gates.ts";
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

export function planKey(plan: RolloutPlan, canaryOrigin: string, salt: string): string {
  return JSON.stringify([canaryOrigin, salt, plan.steps]);
}

export function withEvent(status: StoredRolloutStatus, entry: TimelineEntry): StoredRolloutStatus {
  return { ...status, timeline: [...status.timeline, entry].slice(-TIMELINE_LIMIT) };
}

export async function readRolloutStatus(
  kv: KVNamespace,
  service: string,
): Promise<StoredRolloutStatus | null> {
  return kv.get<StoredRolloutStatus>(rolloutStatusKey(service), "json");
}

export async function writeRolloutStatus(
  kv: KVNamespace,
  service: string,
  status: StoredRolloutStatus,
): Promise<void> {
  await kv.put(rolloutStatusKey(service), JSON.stringify(status));
}
