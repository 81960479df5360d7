/**
 * The ports of a service control object, for its use cases
 * (src/app/control/): its own state (ControlState: typed rows for the
 * service's document and KV's copy, the rollout record, the shadow
 * mirror's marks; the flush of buffered check-ins; the exact metrics and
 * shadow data read back), implemented by its SQLite storage
 * (src/adapters/durable-object/control-storage.ts); and KV's copy of the
 * service (KvCopy), implemented by src/adapters/kv/control-copy.ts.
 *
 * Every ControlState method is synchronous, as SQLite in a Durable Object
 * is: a use case that calls several with no `await` between them is atomic.
 *
 * Layer: app (types only; one file, to move with the other ports).
 */
import type { Flushable, Ledger } from "../core/control/delta-buffer.ts";
import type { ServiceRow, ShadowMirrorRow } from "../core/control/state-rows.ts";
import type { VersionMetrics } from "../core/rollout/request-metrics.ts";
import type { StoredRolloutStatus } from "../core/rollout/rollout-status.ts";
import type { ShadowRecord } from "../core/shadow/record.ts";
import type { ShadowSummary } from "../core/shadow/summary.ts";
import type { SeriesPointView } from "../ports.ts";

export interface ControlState {
  /** Fields of the service row (only those named: its texts can be large). */
  service<K extends keyof ServiceRow>(...keys: K[]): Pick<ServiceRow, K>;
  /** Writes fields of the service row. */
  setService(change: Partial<ServiceRow>): void;
  rolloutStatus(): StoredRolloutStatus | null;
  setRolloutStatus(status: StoredRolloutStatus): void;
  /** The batch ledger as of the last flush (what a new instance's buffer starts from). */
  appliedBatches(): Map<string, Ledger>;
  /** Writes one flush of the buffer: totals, series, shadow data, and the ledger that acknowledges them. */
  writeFlush(flush: Flushable): void;
  shadowMirror(): ShadowMirrorRow;
  setShadowMirror(change: Partial<ShadowMirrorRow>): void;
  /** Every isolate's metrics for one revision, merged exactly (null: none recorded). */
  metrics(service: string, revision: string): VersionMetrics | null;
  series(since: number): SeriesPointView[];
  shadowSummary(shadow: string): ShadowSummary | null;
  shadowSummaries(): ShadowSummary[];
  /** The newest notable pairs, newest first. */
  shadowRecords(limit: number): ShadowRecord[];
  /** Notable pairs recorded after row `id`, oldest first (the KV mirror). */
  shadowRecordsAfter(id: number, limit: number): { id: number; record: ShadowRecord }[];
  /** Drops old buckets, revisions and pairs. */
  prune(now: number): void;
}

/** KV's copy of the service, as its control object imports, polls and mirrors it. */
export interface KvCopy {
  /** The document, history and last-good texts (null when absent). */
  texts(service: string): Promise<{
    document: string | null;
    history: string | null;
    lastGood: string | null;
  }>;
  /** The document text only (the poll for raw puts). */
  document(service: string): Promise<string | null>;
  /** Writes an accepted document (unless it came from KV), its history and the last-good copy. */
  mirror(
    service: string,
    texts: { document: string; history: string | null; documentInKv: boolean },
  ): Promise<void>;
  /** Writes the merged shadow summaries (one key each) and a batch of notable pairs. */
  mirrorShadow(
    service: string,
    summaries: ShadowSummary[],
    records: ShadowRecord[],
    now: number,
  ): Promise<void>;
  /** KV reads and writes since the object started. */
  ops(): { reads: number; writes: number };
}
