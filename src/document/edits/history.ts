/**
 * The write history of a service: what each write changed, who made it,
 * and the document it replaced, so any recent version can be restored.
 *
 * Layer: document, edits (pure; the history format only). Stored in KV under
 * `history:<service>` (src/document/kv-keys.ts) as a JSON array, oldest entry
 * first, at most HISTORY_LIMIT entries. The CLI and the admin API both write
 * it through `recordWrite`, so each sees the other's writes.
 *
 * One entry per write:
 *   version     the version the write CREATED,
 *   updatedAt / updatedBy   when and by whom,
 *   change      a one-line human summary ("flip live blue -> green"),
 *   source      "cli", "admin", "rollout" (the automatic rollout analyzer),
 *               "kv" (a raw KV put the service's control object adopted),
 *               "policy" (the challenger policy removed a challenger shown worse),
 *   forced      true when a safety check was skipped (flip --force),
 *   evidence    optional machine-readable reasons (a rollout's gate results),
 *   document    the document the write REPLACED (version < `version`);
 *               absent when the write created the service.
 * A write made around these tools (a raw `wrangler kv key put`) gets its
 * entry when the control object adopts it (source "kv").
 * Readers go by the order of entries, never by version: a raw put of a
 * stale copy (version 2 over 12) once made the tools write a second
 * version 3, and such histories stay readable (src/document/edits/rollback.ts).
 * Every writer now stamps nextVersion (src/document/edits/stored-service.ts).
 */
import type { RoutingDocument } from "../routing-document.ts";
import * as z from "../zod.ts";

export const HISTORY_LIMIT = 50;

export const HistoryEntry = z.object({
  version: z.number().check(z.int(), z.gte(1)),
  updatedAt: z.string(),
  updatedBy: z.string(),
  change: z.string(),
  source: z.enum(["cli", "admin", "rollout", "kv", "policy"]),
  forced: z.optional(z.boolean()),
  evidence: z.optional(z.record(z.string(), z.unknown())),
  document: z.optional(z.record(z.string(), z.unknown())),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/**
 * Parses a stored history. A missing key is an empty history; entries that
 * do not parse are dropped (and counted) rather than failing a rollback.
 */
export function parseHistory(text: string | null): { entries: HistoryEntry[]; dropped: number } {
  if (text === null) return { entries: [], dropped: 0 };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { entries: [], dropped: 1 };
  }
  if (!Array.isArray(json)) return { entries: [], dropped: 1 };
  const entries: HistoryEntry[] = [];
  for (const item of json) {
    const parsed = HistoryEntry.safeParse(item);
    if (parsed.success) entries.push(parsed.data);
  }
  return { entries, dropped: json.length - entries.length };
}

export function serializeHistory(entries: readonly HistoryEntry[]): string {
  return JSON.stringify(entries);
}

export interface WriteRecord {
  /** The document replaced; null when the write created the service. */
  previous: RoutingDocument | Record<string, unknown> | null;
  next: RoutingDocument;
  change: string;
  source: HistoryEntry["source"];
  forced?: boolean;
  evidence?: Record<string, unknown>;
}

/** The history after one more write, trimmed to the newest `limit` entries. */
export function recordWrite(
  history: readonly HistoryEntry[],
  write: WriteRecord,
  limit = HISTORY_LIMIT,
): HistoryEntry[] {
  const entry: HistoryEntry = {
    version: write.next.version,
    updatedAt: write.next.updatedAt,
    updatedBy: write.next.updatedBy,
    change: write.change,
    source: write.source,
    ...(write.forced ? { forced: true } : {}),
    ...(write.evidence ? { evidence: write.evidence } : {}),
    ...(write.previous ? { document: write.previous as Record<string, unknown> } : {}),
  };
  return [...history, entry].slice(-limit);
}

/** The version number of a stored (possibly invalid) document, if it has one. */
export function versionOf(doc: unknown): number | null {
  const v = (doc as { version?: unknown } | null)?.version;
  return typeof v === "number" && Number.isInteger(v) ? v : null;
}
