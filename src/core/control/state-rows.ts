/**
 * The control object's own state, as typed rows: what it knows about its
 * service's document and KV's copy of it, and where its KV mirror of the
 * shadow data stands. The storage adapter
 * (src/adapters/durable-object/control-rows.ts) keeps each in a one-row
 * table with a column per field; the decisions in this folder read them
 * and say what to write.
 *
 * Layer: core (types only).
 */

/**
 * What KV's copy of the document was when the object last looked at it:
 * ok (the object's document), deleted, invalid, or behind (a document the
 * object wrote and replaced moments ago: a stale read or a mirror not
 * landed yet).
 */
export type KvState = "ok" | "deleted" | "invalid" | "behind";

export interface ServiceRow {
  /** The service's name, learned on the object's first call. */
  service: string | null;
  /** KV's texts were imported (once, on the first call ever); from then on the object holds the truth. */
  imported: boolean;
  /** The document the fleet routes by: always a valid one of this service, or null for none. */
  document: string | null;
  /** Its history (the JSON array the write pipeline records). */
  history: string | null;
  /** The last-good copy (what cold isolates serve while KV's document is deleted or broken). */
  lastGood: string | null;
  /** The highest version ever seen: a write or an adoption must be above it. */
  highest: number;
  /** The version KV holds as far as the object knows (behind `document` while a mirror is retried). */
  kvVersion: number;
  /** KV's document text when the object last looked (null: KV had none). */
  kvSeen: string | null;
  kvState: KvState;
}

/** Where the KV mirror of the shadow summaries and notable pairs stands. */
export interface ShadowMirrorRow {
  /** Flushes that changed a summary (a counter, not a time: two in one millisecond differ). */
  changed: number;
  /** `changed` as of the last mirror. */
  mirrored: number;
  /** The last notable pair (its row id) mirrored. */
  mirroredRecord: number;
}
