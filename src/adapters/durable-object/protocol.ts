/**
 * The wire contract between router isolates and a service's control object
 * (src/control/service-control.ts): the check-in an isolate sends, the
 * answer it gets, and the RPC surface the admin API, the CLI (through the
 * admin API) and the isolates call. What the surface answers with are the
 * ports' and the core's own shapes (ControlStatus, ControlOutcome,
 * CommitResult, CasWrite), never restated here.
 *
 * Layer: adapter (types only; the client in control-client.ts and the
 * object both import it, so neither imports the other).
 *
 * Exactness: an isolate's deltas travel in numbered batches. The object
 * applies a batch once (it remembers the highest sequence number applied
 * per isolate), so a check-in whose answer was lost is re-sent unchanged
 * and never counted twice; an isolate evicted before its next check-in
 * loses at most that one interval of its own deltas.
 */

import type { ServiceTexts } from "../../core/control/adoption.ts";
import type { DeltaBatch } from "../../core/control/batches.ts";
import type { CasWrite } from "../../core/control/compare-and-swap.ts";
import type { Route } from "../../core/control/fan-in.ts";
import type { OutcomeCell } from "../../core/outcomes/outcome-sums.ts";
import type { VersionMetrics } from "../../core/rollout/request-metrics.ts";
import type { StoredRolloutStatus } from "../../core/rollout/rollout-status.ts";
import type { ManualCommand } from "../../core/rollout/state-machine.ts";
import type { ShadowRecord } from "../../core/shadow/record.ts";
import type { ShadowSummary } from "../../core/shadow/summary.ts";
import type { ControlStatus, SeriesPoint } from "../../ports/control-plane-reader.ts";
import type { Recorded } from "../../ports/outcome-store.ts";
import type { ControlOutcome } from "../../ports/rollout-control.ts";
import type { CommitResult } from "../../ports/service-store.ts";

/** What one isolate observed for one service between two check-ins (numbered per isolate). */
export type { DeltaBatch };

export interface CheckIn {
  service: string;
  /** Random per isolate: names its sequence numbers. */
  isolate: string;
  /** Revision ("version@updatedAt") of the document the isolate routes by; null for none. */
  revision: string | null;
  /** Unacknowledged batches, oldest first. */
  batches: DeltaBatch[];
  /** Sent by a location aggregator (fan-in): the isolates checking in with it. */
  isolates?: number;
}

export interface CheckInAnswer {
  /** The object's current version (0: it has no document). */
  version: number;
  /** The current document's text, when the isolate's revision differs; else null ("current"). */
  document: string | null;
  /** Highest batch sequence number applied for this isolate. */
  acked: number;
  /** When to check in next (grows with the number of isolates checking in). */
  intervalMs: number;
  /** Where to check in: the service object ("direct") or the location's aggregator ("fan-in"). */
  route?: Route | undefined;
  /** From an aggregator: the shards its location's isolates spread over (src/core/control/fan-in.ts). */
  shards?: number | undefined;
}

/** A location aggregator's RPC surface (src/control/location-aggregator.ts). */
export interface AggregatorRpc {
  checkIn(checkIn: string): Promise<CheckInAnswer>;
}

/** The object's RPC surface (typed here so clients need not import the class). */
export interface ControlRpc {
  /**
   * `checkIn` is the JSON text of a CheckIn: the deltas are prototype-free
   * maps (src/core/dict.ts), which RPC's structured clone refuses, and one
   * string is cheaper to send than a deep object anyway.
   */
  checkIn(checkIn: string): Promise<CheckInAnswer>;
  /** The texts the write pipeline reads (parseStoredService). */
  texts(service: string): Promise<ServiceTexts>;
  /** A compare-and-swap write: applied only when the object still holds `w.basis`. */
  write(service: string, w: CasWrite): Promise<CommitResult>;
  metrics(service: string, revision: string): Promise<VersionMetrics | null>;
  shadowSummary(service: string, shadow: string): Promise<ShadowSummary | null>;
  shadowRecords(service: string, limit: number): Promise<ShadowRecord[]>;
  rolloutStatus(service: string): Promise<StoredRolloutStatus | null>;
  /** Every shadow origin's merged summary (prototype-free maps come back as JSON). */
  shadowSummaries(service: string): Promise<ShadowSummary[]>;
  /** The per-arm time series since `since` (10 s buckets). */
  series(service: string, since: number): Promise<SeriesPoint[]>;
  /** `at`: the time the analyzer judges at (now unless a test simulates time). */
  evaluate(service: string, at?: number): Promise<ControlOutcome>;
  command(
    service: string,
    command: ManualCommand,
    author: string,
    at?: number,
  ): Promise<ControlOutcome>;
  status(service: string): Promise<ControlStatus>;
  /** Verified outcomes as JSON text (Verified[] of src/app/control/outcomes.ts), one result each. */
  recordOutcomes(service: string, outcomes: string): Promise<Recorded[]>;
  /** The outcome sums, per revision, arm, metric and user bucket. */
  outcomeCells(service: string): Promise<OutcomeCell[]>;
}
