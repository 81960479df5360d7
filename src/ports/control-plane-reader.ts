/**
 * The ControlPlaneReader port: what the service's control object can tell
 * about itself and its live data (the admin API's control routes, the
 * dashboard, the CLI's status line). Implemented by
 * src/adapters/durable-object/control-client.ts over the object's RPC
 * surface (src/adapters/durable-object/protocol.ts), which answers with
 * these same shapes.
 *
 * Layer: ports (types only).
 */
import type { StreamSums } from "../core/answers/stream-sums.ts";
import type { Histogram } from "../core/histogram.ts";
import type { ShadowRecord } from "../core/shadow/record.ts";
import type { ShadowSummary } from "../core/shadow/summary.ts";

export interface ControlPlaneReader {
  status(service: string): Promise<ControlStatus>;
  shadowSummaries(service: string): Promise<ShadowSummary[]>;
  shadowRecords(service: string, limit: number): Promise<ShadowRecord[]>;
  series(service: string, since: number): Promise<SeriesPoint[]>;
}

/** What the object says about itself (health, dashboard, CLI, tests). */
export interface ControlStatus {
  service: string;
  version: number;
  /** Isolates that checked in during the last minute. */
  isolates: number;
  /** Location aggregators that checked in during the last minute (fan-in). */
  aggregators: number;
  /** Where isolates check in: the object itself, or their location's aggregator. */
  route: "direct" | "fan-in";
  checkInsPerSecond: number;
  intervalMs: number;
  /** The version last written to KV (behind `version` while a KV write is retried). */
  kvVersion: number;
  /**
   * What KV held when the object last looked: "ok" (its document), "behind"
   * (a document it replaced moments ago: a stale read), "deleted" or
   * "invalid" (a change around it the write pipeline reports), with the
   * version in that text (null: none or unreadable) and when it looked.
   */
  kv: { state: "ok" | "behind" | "deleted" | "invalid"; version: number | null };
  rolloutActive: boolean;
  nextAlarmAt: number | null;
  /** KV reads and writes by the object since it started (it polls one key per CONTROL_KV_POLL_MS). */
  kvOps: { reads: number; writes: number };
}

/** One arm's traffic in one bucket of the object's time series (10 s buckets). */
export interface SeriesPoint {
  at: number;
  arm: string;
  requests: number;
  errors: number;
  failovers: number;
  latencyMs: Histogram;
  /** Streamed answers and token usage in the bucket; absent: none. */
  streams?: StreamSums | undefined;
}
