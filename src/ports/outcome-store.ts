/**
 * The outcome ports. OutcomeStore: a service control object's own outcome
 * tables (synchronous, as SQLite in a Durable Object is; implemented by
 * src/adapters/durable-object/outcome-storage.ts). OutcomeSink: what the
 * ingesting isolate calls, one service's control object per call
 * (src/adapters/durable-object/control-client.ts).
 *
 * Layer: ports (types only).
 */
import type { CountedOutcome, OutcomeCell } from "../core/outcomes/outcome-sums.ts";

/** An outcome whose receipt verified; its dedup row is kept until `expiresMs`. */
export type Verified = CountedOutcome & { expiresMs: number };

/** How one verified outcome ended in its service's control object. */
export type Recorded = "accepted" | "duplicate" | "too_many_metrics";

export interface OutcomeStore {
  /**
   * Counts each outcome once per receipt and metric (atomic: no await
   * inside); a dedup row is kept until `expiresMs`, when its receipt would
   * be refused as expired anyway.
   */
  record(outcomes: readonly Verified[], nowMs: number): Recorded[];
  cells(): OutcomeCell[];
  /** Drops expired dedup rows and sums not added to for `keepMs`. */
  prune(nowMs: number, keepMs: number): void;
}

export interface OutcomeSink {
  record(service: string, outcomes: readonly Verified[]): Promise<Recorded[]>;
  cells(service: string): Promise<OutcomeCell[]>;
}
