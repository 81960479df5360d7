/**
 * What the dashboard reads of the admin API's answers. The stable views
 * (status, history, shadow summaries, control state) are the very types the
 * admin API returns; the rollout view is read loosely, field by field, so a
 * change of the gates (new gates, new evidence fields) shows up without a
 * change here: each gate is rendered from its `gate`, `outcome` and `detail`
 * plus whatever numeric evidence it carries.
 *
 * Layer: HTTP edge (dashboard), types only.
 */
import type { Histogram } from "../../core/histogram.ts";
import type { PlanBudget } from "../../core/rollout/evidence-budget.ts";
import type { ShadowRecord } from "../../core/shadow/record.ts";
import type { SummaryView } from "../../core/shadow/summary.ts";
import type { HistoryView, ServiceStatus } from "../../document/edits/service-view.ts";
import type { ControlStatus } from "../../ports/control-plane-reader.ts";

export type { ControlStatus, HistoryView, ServiceStatus, ShadowRecord };

export interface GateWire {
  gate: string;
  outcome: string;
  detail: string;
  evidence?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface TimelineWire {
  at: number;
  event: string;
  reason: string;
  version: number;
  stepIndex: number;
  gates?: GateWire[];
}

export interface RolloutPlanWire {
  steps: { shareBp: number; bakeSeconds: number }[];
  gates?: Record<string, unknown>;
  onSuccess?: string;
  analysisIntervalSeconds?: number;
  maxExtensionSeconds?: number;
  [field: string]: unknown;
}

export interface RolloutStatusWire {
  state: string;
  stepIndex: number;
  stepStartedAt: number;
  startedAt: number;
  updatedAt: number;
  pausedAtLimit?: boolean;
  timeline: TimelineWire[];
  lastEvaluation?: { at: number; event: string; reason: string; gates?: GateWire[] };
  [field: string]: unknown;
}

export interface ArmMetricsWire {
  requests: number;
  errors: number;
  p95Ms: number | null;
  failovers?: number;
}

export interface RolloutWire {
  service: string;
  version: number;
  now: number;
  live: string;
  canary: { origin: string; shareBp: number; salt: string; killed: boolean } | null;
  plan: RolloutPlanWire | null;
  status: RolloutStatusWire | null;
  statusCurrent: boolean;
  metrics: { arms: Record<string, ArmMetricsWire>; [field: string]: unknown };
  preview: { verdict: string; reason: string; gates: GateWire[] } | null;
  /** Absent from routers older than the evidence budget. */
  budget?: PlanBudget | null;
}

export interface SeriesPointWire {
  at: number;
  arm: string;
  requests: number;
  errors: number;
  failovers: number;
  p50Ms: number | null;
  p95Ms: number | null;
  /** Streamed answers' time to first byte (absent from routers of an earlier release). */
  firstByteP50Ms?: number | null;
  firstByteP95Ms?: number | null;
  eventsPerSecond?: number | null;
  tokensPerAnswer?: number | null;
}

export interface SeriesWire {
  service: string;
  bucketMs: number;
  points: SeriesPointWire[];
}

export interface ShadowWire {
  service: string;
  shadows: (SummaryView & { agreed: number; absDelta: Histogram })[];
  records: ShadowRecord[];
}

/** A number at `path` of a loosely typed object ("errorRate.minDelta"), or null. */
export function numberAt(value: unknown, path: string): number | null {
  let v: unknown = value;
  for (const key of path.split(".")) {
    if (v === null || typeof v !== "object") return null;
    v = (v as Record<string, unknown>)[key];
  }
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
