/**
 * The ServiceStore port: a service's stored document, history and last-good
 * copy, and the one write of both. Implemented by the control objects
 * (src/adapters/durable-object/control-client.ts, and inside the object by
 * src/app/control/commit.ts), by KV alone (src/adapters/kv/service-store.ts)
 * and by the CLI's wrangler store (scripts/cli/store.ts).
 *
 * Layer: ports (types only).
 */
import type { WriteConflict } from "../core/control/compare-and-swap.ts";
import type { HistoryEntry } from "../document/edits/history.ts";
import type { StoredService } from "../document/edits/stored-service.ts";
import type { RoutingDocument } from "../document/routing-document.ts";

export interface ServiceStore {
  read(service: string): Promise<StoredService>;
  /**
   * Writes the document and its history, only if the stored document is
   * still `basis` (the text the writer read): a compare-and-swap where the
   * store has one (the control object), a re-read check where it does not
   * (KV alone). A conflict is returned, a failed history write reported.
   */
  write(
    service: string,
    doc: RoutingDocument,
    history: readonly HistoryEntry[],
    basis: string | null,
  ): Promise<WriteOutcome>;
  /** Names of every service with a document. */
  list(): Promise<string[]>;
}

export interface WriteOutcome {
  historyError: string | null;
  /** Set when nothing was written: the document moved, or the version is not above every one seen. */
  conflict?: WriteConflict;
}

/**
 * The control object's answer to a compare-and-swap write
 * (src/app/control/commit.ts; its RPC `write`): landed, with the KV
 * mirror's error if that failed (retried on the alarm), or refused.
 */
export type CommitResult =
  | { ok: true; kvError: string | null }
  | { ok: false; conflict: WriteConflict };
