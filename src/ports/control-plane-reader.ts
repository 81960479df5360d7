/**
 * The ControlPlaneReader port: what the service's control object can tell
 * about itself and its live data (the admin API's control routes, the
 * dashboard). Implemented by src/adapters/durable-object/control-client.ts.
 *
 * Layer: ports (types only).
 */
import type { Histogram } from "../core/histogram.ts";
import type { ShadowRecord } from "../core/shadow/record.ts";
import type { ShadowSummary } from "../core/shadow/summary.ts";

export interface ControlPlaneReader {
  status(service: string): Promise<ControlStatusView>;
  shadowSummaries(service: string): Promise<ShadowSummary[]>;
  shadowRecords(service: string, limit: number): Promise<ShadowRecord[]>;
  series(service: string, since: number): Promise<SeriesPointView[]>;
}

export interface ControlStatusView {
  service: string;
  version: number;
  isolates: number;
  checkInsPerSecond: number;
  intervalMs: number;
  kvVersion: number;
  rolloutActive: boolean;
  nextAlarmAt: number | null;
  /** KV reads and writes by the object since it started (it polls one key per CONTROL_KV_POLL_MS). */
  kvOps: { reads: number; writes: number };
}

export interface SeriesPointView {
  at: number;
  arm: string;
  requests: number;
  errors: number;
  failovers: number;
  latencyMs: Histogram;
}
