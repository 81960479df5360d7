/**
 * The ControlState port: a service control object's own state, for its
 * use cases (src/app/control/): typed rows for the service's document and
 * KV's copy, the rollout record, the shadow mirror's marks; the flush of
 * buffered check-ins; the exact metrics and shadow data read back.
 * Implemented by its SQLite storage
 * (src/adapters/durable-object/control-storage.ts). KV's copy of the
 * service is the KvCopy port (./kv-copy.ts).
 *
 * Every ControlState method is synchronous, as SQLite in a Durable Object
 * is: a use case that calls several with no `await` between them is atomic.
 *
 * Layer: ports (types only).
 */
import type { Flushable, Ledger } from "../core/control/delta-buffer.ts";
import type { ServiceRow, ShadowMirrorRow } from "../core/control/state-rows.ts";
import type { VersionMetrics } from "../core/rollout/request-metrics.ts";
import type { StoredRolloutStatus } from "../core/rollout/rollout-status.ts";
import type { ShadowRecord } from "../core/shadow/record.ts";
import type { ShadowSummary } from "../core/shadow/summary.ts";
import type { SeriesPoint } from "./control-plane-reader.ts";

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
  series(since: number): SeriesPoint[];
  shadowSummary(shadow: string): ShadowSummary | null;
  shadowSummaries(): ShadowSummary[];
  /** The newest notable pairs, newest first. */
  shadowRecords(limit: number): ShadowRecord[];
  /** Notable pairs recorded after row `id`, oldest first (the KV mirror). */
  shadowRecordsAfter(id: number, limit: number): { id: number; record: ShadowRecord }[];
  /** Drops old buckets, revisions and pairs. */
  prune(now: number): void;
}
