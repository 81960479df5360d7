/**
 * The KvCopy port: KV's copy of a service, as its control object imports,
 * polls and mirrors it (src/app/control/). Implemented by
 * src/adapters/kv/control-copy.ts.
 *
 * Layer: ports (types only).
 */
import type { ServiceTexts } from "../core/control/adoption.ts";
import type { ShadowRecord } from "../core/shadow/record.ts";
import type { ShadowSummary } from "../core/shadow/summary.ts";

/** An accepted document to mirror, its history, and whether KV holds the document already. */
export interface MirrorTexts {
  document: string;
  history: string | null;
  documentInKv: boolean;
}

export interface KvCopy {
  /** The document, history and last-good texts (null when absent). */
  texts(service: string): Promise<ServiceTexts>;
  /** The document text only (the poll for raw puts). */
  document(service: string): Promise<string | null>;
  /** Writes an accepted document (unless it came from KV), its history and the last-good copy. */
  mirror(service: string, texts: MirrorTexts): Promise<void>;
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
