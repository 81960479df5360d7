/**
 * Rollback: restore a past document from the history as a NEW version.
 *
 * Layer: operations (pure). Without a target it restores the document the
 * latest write replaced (the newest restorable version below the current
 * one); `toVersion` picks any version still in the history. The restored
 * document keeps its routing content, but gets version = max(every version
 * seen) + 1 and the rollback's time and author, so versions only increase
 * and the worker's memo and last-good copy treat it as new.
 *
 * The current document may be unreadable (that is often why one rolls
 * back): pass what is stored, valid or not, and its version if known.
 */
import {
  type HistoryEntry,
  highestVersion,
  restorableVersions,
  versionOf,
} from "../history/history.ts";
import { finish, type OperationMeta, type OperationResult, refuse } from "./operation.ts";

export interface RollbackArgs {
  toVersion?: number;
}

/** What is stored for the service: its document (valid or not), history, last-good copy. */
export interface RollbackSources {
  current: unknown;
  history: readonly HistoryEntry[];
  /** The worker's `service:<name>:last-good` copy, if any. */
  lastGood?: unknown;
}

/**
 * Restorable documents, in the order a plain rollback considers them: the
 * history's, newest write first; the worker's last-good copy goes first
 * when it is newer than all of them (a document written around the tools,
 * e.g. by a raw `wrangler kv key put`, is only known that way).
 */
export function rollbackCandidates(sources: RollbackSources) {
  const candidates = restorableVersions(sources.history);
  const lastGoodVersion = versionOf(sources.lastGood);
  const newest = Math.max(0, ...candidates.map((c) => c.version));
  if (lastGoodVersion !== null && lastGoodVersion > newest) {
    const document = sources.lastGood as Record<string, unknown>;
    const replacedAt = typeof document.updatedAt === "string" ? document.updatedAt : "";
    candidates.unshift({ version: lastGoodVersion, document, replacedAt });
  }
  return candidates;
}

export function rollback(
  service: string,
  sources: RollbackSources,
  args: RollbackArgs,
  meta: OperationMeta,
): OperationResult {
  const currentVersion = versionOf(sources.current);
  const candidates = rollbackCandidates(sources).filter((c) => c.version !== currentVersion);
  const available = candidates.map((c) => c.version).join(", ") || "none";
  if (args.toVersion !== undefined && args.toVersion === currentVersion) {
    return refuse("version", `version ${args.toVersion} is already the current document`);
  }
  const target =
    args.toVersion === undefined
      ? candidates.find((c) => currentVersion === null || c.version < currentVersion)
      : candidates.find((c) => c.version === args.toVersion);
  if (!target) {
    if (args.toVersion !== undefined) {
      return refuse(
        "version",
        `history has no version ${args.toVersion} to restore (restorable: ${available})`,
      );
    }
    return refuse(
      "version",
      `history has no earlier version to restore (restorable: ${available}); raw \`wrangler kv key put\` writes leave no history: put the good document again, or use \`apply\``,
    );
  }
  const base = Math.max(highestVersion(sources.current, sources.history), target.version);
  const live = typeof target.document.live === "string" ? ` (live ${target.document.live})` : "";
  return finish(
    service,
    base,
    target.document,
    meta,
    `rollback to version ${target.version}${live}`,
  );
}
