/**
 * Outcomes inside a service's control object: a batch of verified outcomes
 * counted once per receipt and metric, and the sums read back. The dedup
 * rows of expired receipts, and sums no outcome added to for
 * OUTCOME_SUMS_KEEP_MS, are dropped at most once an hour, on a batch.
 *
 * Layer: app (control use cases), over the OutcomeStore port.
 */
import type { OutcomeCell } from "../../core/outcomes/outcome-sums.ts";
import type { OutcomeStore, Recorded, Verified } from "../../ports/outcome-store.ts";

/** Sums of a revision no outcome came for in this long are dropped (a receipt's window and a day). */
export const OUTCOME_SUMS_KEEP_MS = 8 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export class OutcomeBook {
  readonly #store: OutcomeStore;
  #prunedAt = 0;

  constructor(store: OutcomeStore) {
    this.#store = store;
  }

  /** The batch's JSON text as the RPC carries it (checked and verified by the ingesting isolate). */
  record(text: string, nowMs: number): Recorded[] {
    if (nowMs - this.#prunedAt >= PRUNE_EVERY_MS) {
      this.#store.prune(nowMs, OUTCOME_SUMS_KEEP_MS);
      this.#prunedAt = nowMs;
    }
    return this.#store.record(JSON.parse(text) as Verified[], nowMs);
  }

  cells(): OutcomeCell[] {
    return this.#store.cells();
  }
}
