/**
 * Rollback: restore a past document as a NEW version.
 *
 * Layer: document, edits (pure). The history is read in WRITE order, never
 * sorted by version: a raw `wrangler kv key put` of a stale copy can leave
 * duplicate or lower versions behind, and only the order of writes stays
 * true. A document is identified by its revision (version AND updatedAt),
 * so two different documents that share a version number are told apart.
 *   - No target: the document the current write replaced (the newest
 *     history entry that created the stored document). When no recorded
 *     write created it (a raw put, garbage, or a deleted key), the newest
 *     known good document: the worker's last-good copy when it is at least
 *     as new as the history's documents, else the newest valid one of those.
 *   - `toVersion`: the newest restorable document with that version.
 * The restored document keeps its routing content and gets the write's
 * stamps (meta.version is nextVersion: above every version seen), so the
 * worker's memo and last-good copy treat it as new.
 */

import { validateRoutingDocument } from "../validate.ts";
import { versionOf } from "./history.ts";
import { finish, type OperationMeta, type OperationResult, refuse } from "./operation.ts";
import type { StoredService } from "./stored-service.ts";

export interface RollbackArgs {
  toVersion?: number;
}

/** What is stored for the service: its document (valid, invalid or absent), history, last-good copy. */
export type RollbackSources = Pick<
  StoredService,
  "service" | "raw" | "json" | "history" | "lastGood"
>;

export interface Restorable {
  version: number;
  document: Record<string, unknown>;
  /** The document's own updatedAt ("" when it has none). */
  updatedAt: string;
  from: "history" | "last-good";
}

const updatedAtOf = (doc: Record<string, unknown>): string =>
  typeof doc.updatedAt === "string" ? doc.updatedAt : "";

/** "12@2026-11-27T10:00:00.000Z": which document, even when versions repeat. */
function revisionOf(doc: unknown): string | null {
  const version = versionOf(doc);
  if (version === null) return null;
  return `${version}@${updatedAtOf(doc as Record<string, unknown>)}`;
}

function restorable(doc: unknown, from: Restorable["from"]): Restorable | null {
  const version = versionOf(doc);
  if (version === null || doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    return null;
  }
  const document = doc as Record<string, unknown>;
  return { version, document, updatedAt: updatedAtOf(document), from };
}

const time = (iso: string) => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
};

/**
 * Every restorable document, newest first, never the current one (same
 * revision) and each once: the worker's last-good copy first when it is at
 * least as new as every document in the history (a document written around
 * the tools is only known that way), then the history's in write order.
 */
export function rollbackCandidates(sources: RollbackSources): Restorable[] {
  const history: Restorable[] = [];
  for (let i = sources.history.length - 1; i >= 0; i--) {
    const candidate = restorable(sources.history[i]?.document, "history");
    if (candidate) history.push(candidate);
  }
  const lastGood = restorable(sources.lastGood, "last-good");
  const newest = Math.max(Number.NEGATIVE_INFINITY, ...history.map((c) => time(c.updatedAt)));
  const ordered =
    lastGood === null
      ? history
      : time(lastGood.updatedAt) >= newest
        ? [lastGood, ...history]
        : [...history, lastGood];
  const current = revisionOf(sources.json);
  const seen = new Set(current === null ? [] : [current]);
  return ordered.filter((c) => {
    const revision = `${c.version}@${c.updatedAt}`;
    if (seen.has(revision)) return false;
    seen.add(revision);
    return true;
  });
}

/** The versions `rollback --to` can restore, newest first (a repeated version once: its newest). */
export function restorableVersions(sources: RollbackSources): number[] {
  return [...new Set(rollbackCandidates(sources).map((c) => c.version))];
}

/**
 * The index of the newest history entry that wrote the stored document, or
 * -1 when no recorded write did (a raw put, garbage, a deleted key).
 */
export function currentWriteIndex(sources: RollbackSources): number {
  const current = revisionOf(sources.json);
  if (current === null) return -1;
  return sources.history.findLastIndex((e) => `${e.version}@${e.updatedAt}` === current);
}

const isGood = (service: string, c: Restorable) => {
  const parsed = validateRoutingDocument(c.document);
  return parsed.ok && parsed.doc.service === service;
};

export function rollback(
  sources: RollbackSources,
  args: RollbackArgs,
  meta: OperationMeta,
): OperationResult {
  const { service } = sources;
  const candidates = rollbackCandidates(sources);
  const available = restorableVersions(sources).join(", ") || "none";
  const currentVersion = versionOf(sources.json);

  if (args.toVersion !== undefined) {
    const n = args.toVersion;
    const target = candidates.find((c) => c.version === n);
    if (!target) {
      return refuse(
        "version",
        n === currentVersion
          ? `version ${n} is already the current document (restorable: ${available})`
          : `history has no version ${n} to restore (restorable: ${available})`,
      );
    }
    const repeated = candidates.filter((c) => c.version === n).length > 1 || currentVersion === n;
    return restore(sources, target, meta, `rollback to version ${n}`, repeated);
  }

  const index = currentWriteIndex(sources);
  if (index >= 0) {
    const entry = sources.history[index];
    const target = restorable(entry?.document, "history");
    if (!target) {
      return refuse(
        "version",
        `version ${currentVersion} was the write that created "${service}": there is no earlier document to restore (restorable: ${available}); \`--to <version>\` picks one`,
      );
    }
    if (!isGood(service, target)) {
      return refuse(
        "version",
        `the document version ${currentVersion} replaced (version ${target.version}) fails the schema; \`--to <version>\` picks another (restorable: ${available})`,
      );
    }
    return restore(sources, target, meta, `rollback to version ${target.version}`, false);
  }

  // No recorded write made the stored document: restore the newest good one known.
  const target = candidates.find((c) => isGood(service, c));
  if (!target) {
    return refuse(
      "version",
      sources.raw === null
        ? `no routing document for "${service}" and nothing to restore: no last-good copy and no valid document in the history; \`apply\` the known-good document`
        : `history has no earlier version to restore (restorable: ${available}); raw \`wrangler kv key put\` writes leave no history: put the good document again, or use \`apply\``,
    );
  }
  const verb = sources.raw === null ? "restore deleted document: version" : "rollback to version";
  // The document a raw put replaced is known only from the last-good copy: say when it was not.
  const unrecorded =
    sources.raw !== null && target.from === "history"
      ? `, the newest in the history (${currentVersion === null ? "the current document" : `version ${currentVersion}`} was written around the tools)`
      : "";
  return restore(sources, target, meta, `${verb} ${target.version}`, false, unrecorded);
}

function restore(
  sources: RollbackSources,
  target: Restorable,
  meta: OperationMeta,
  what: string,
  repeated: boolean,
  note = "",
): OperationResult {
  const notes = [
    ...(typeof target.document.live === "string" ? [`live ${target.document.live}`] : []),
    ...(repeated ? [`the one of ${target.updatedAt || "unknown time"}`] : []),
  ];
  const from = target.from === "last-good" ? ", the worker's last-good copy" : "";
  const change = `${what}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}${from}${note}`;
  return finish(sources.service, target.document, meta, change);
}
