/**
 * The KV mirror of a control object's document, and its retry. A write
 * that lands in the object is mirrored to KV (document, history, last-good
 * copy), so the wrangler-only runbook and cold isolates see it. A failed
 * KV write does not undo the write (isolates get it from the object): the
 * object retries the mirror before it next looks at KV (each poll: the
 * alarm, every admin read and write), and looks no further while KV is
 * still behind, so it never takes its own old copy there for a raw put.
 *
 * Layer: core (pure).
 */
import type { ServiceRow } from "./state-rows.ts";

/** Why the object mirrors: a write landed, a KV text was adopted or imported, or a retry. */
export type MirrorCause = "write" | "adoption" | "import" | "retry";

/**
 * What one mirror writes (null: nothing, the object has no document): the
 * document key too, unless the document came from KV (then only the
 * history and the last-good copy: a put landing in KV meanwhile must not
 * be overwritten by the object's copy of an older one, re-stamped or not).
 */
export function mirrorPlan(
  document: string | null,
  cause: MirrorCause,
): { writeDocument: boolean } | null {
  if (document === null) return null;
  return { writeDocument: cause === "write" || cause === "retry" };
}

/** KV is behind the document the fleet routes by: retry the mirror before looking at KV. */
export const retryFirst = (row: Pick<ServiceRow, "kvVersion">, serving: number): boolean =>
  row.kvVersion < serving;

/** The row once KV holds `document` (version `serving`); `kvVersion` is read after the write. */
export const mirrored = (
  row: Pick<ServiceRow, "kvVersion">,
  serving: number,
  document: string,
): Pick<ServiceRow, "kvVersion" | "kvSeen"> => ({
  kvVersion: Math.max(serving, row.kvVersion),
  kvSeen: document,
});
