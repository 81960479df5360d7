/**
 * The compare-and-swap every write to a control object goes through, and
 * the version rule. A write lands only on the basis its writer read (the
 * document as the write pipeline sees it: `reportedDocument`), and only
 * with a version above every version the object has seen: versions
 * strictly increase, whoever writes (admin API, CLI, rollout analyzer, or
 * a raw KV put the object adopts). A landed write is the document the
 * fleet routes by and its own last-good copy, and KV's copy counts as
 * "ok" again (the object mirrors it next).
 *
 * Layer: core (pure).
 */
import type { ServiceRow } from "./state-rows.ts";

/** A write as the object receives it: the text its writer read, and what to store. */
export interface CasWrite {
  /** The document text the writer read and built on (null: none). */
  basis: string | null;
  document: string;
  version: number;
  history: string;
}

/** Why a write did not land: the version the object holds (null: none), and the rule broken. */
export interface WriteConflict {
  actual: number | null;
  reason: string;
}

export type CasVerdict =
  | { ok: true; row: Pick<ServiceRow, "document" | "history" | "lastGood" | "kvState" | "highest"> }
  | { ok: false; conflict: WriteConflict };

/** The version rule: a new version is strictly above every version seen. */
export const aboveHighest = (version: number, highest: number): boolean => version > highest;

/**
 * What the write pipeline sees as stored: the document the fleet routes
 * by, unless KV's copy was deleted or broken around the tools; then that,
 * as KV alone would say (the pipeline's rollback and apply repair it).
 */
export function reportedDocument(
  row: Pick<ServiceRow, "document" | "kvSeen" | "kvState">,
): string | null {
  switch (row.kvState) {
    case "deleted":
      return null;
    case "invalid":
      return row.kvSeen;
    default:
      return row.document;
  }
}

/**
 * Whether `w` lands on `row`, and the row it leaves; `serving` is the
 * version of the document the fleet routes by (null: none), reported in a
 * conflict.
 */
export function compareAndSwap(
  row: Pick<ServiceRow, "document" | "kvSeen" | "kvState" | "highest">,
  serving: number | null,
  w: CasWrite,
): CasVerdict {
  if (reportedDocument(row) !== w.basis) {
    return {
      ok: false,
      conflict: { actual: serving, reason: "the document changed since it was read" },
    };
  }
  if (!aboveHighest(w.version, row.highest)) {
    const reason = `version ${w.version} is not above ${row.highest}, the highest seen`;
    return { ok: false, conflict: { actual: serving, reason } };
  }
  return {
    ok: true,
    row: {
      document: w.document,
      history: w.history,
      lastGood: w.document,
      kvState: "ok",
      highest: w.version,
    },
  };
}
