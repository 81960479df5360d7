/**
 * The AggregatorState port: a location aggregator's own state (fan-in,
 * src/app/control/aggregate.ts): the batches it sealed for the service
 * object and not yet acknowledged by it, and the ledger of its isolates'
 * batches those contain. Sealing writes both at once, so what the
 * aggregator acknowledges to an isolate is always already stored.
 * Implemented by src/adapters/durable-object/aggregator-storage.ts.
 *
 * Every method is synchronous, as SQLite in a Durable Object is.
 *
 * Layer: ports (types only).
 */
import type { DeltaBatch } from "../core/control/batches.ts";
import type { Ledger } from "../core/control/delta-buffer.ts";

export interface AggregatorState {
  /** The service it aggregates for (null before its first check-in). */
  service(): string | null;
  setService(service: string): void;
  /** The isolates' batch ledger as of the last seal (what a new instance starts from). */
  ledger(): Map<string, Ledger>;
  /** The sequence number the next sealed batch gets. */
  nextSeq(): number;
  /** Stores a batch for the service object and the ledger it makes durable, in one go. */
  seal(batch: DeltaBatch, ledger: Map<string, Ledger>): void;
  /** Sealed batches the service object has not acknowledged, oldest first. */
  unacknowledged(): DeltaBatch[];
  /** Forgets the batches the service object acknowledged. */
  acknowledged(upTo: number): void;
}
