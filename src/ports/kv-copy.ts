/**
 * The KvCopy port: KV's copy of a service, as its control object imports,
 * polls and mirrors it (src/app/control/). Implemented by
 * src/adapters/kv/control-copy.ts.
 *
 * Layer: ports (types only).
 */
import type { ShadowRecord } from "../core/shadow/record.ts";
import type { ShadowSummary } from "../core/shadow/summary.ts";

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
