/**
 * What KV holds for one service, parsed once for every writer: the stored
 * document (raw text, JSON, validated or field errors), its history and
 * the worker's last-good copy.
 *
 * Layer: document, edits (pure; the CLI reads the texts through wrangler, the
 * admin API through the binding). A stored document may be absent or
 * invalid; only rollback and replace accept that. `nextVersion` is THE
 * version rule: every writer (CLI, admin API, rollout analyzer) stamps its
 * write with it.
 */

import type { ServiceTexts } from "../../core/control/adoption.ts";
import type { RoutingDocument } from "../routing-document.ts";
import { type FieldError, parseRoutingDocument, validateRoutingDocument } from "../validate.ts";
import { type HistoryEntry, parseHistory, versionOf } from "./history.ts";

export interface StoredService {
  service: string;
  /** The stored text; null when the key is absent. The lost-update guard compares it. */
  raw: string | null;
  /** The stored JSON object (null when absent or not a JSON object). */
  json: Record<string, unknown> | null;
  /** The validated document, or null with `errors`. */
  doc: RoutingDocument | null;
  errors: FieldError[];
  history: HistoryEntry[];
  /** Unreadable history entries that were skipped. */
  droppedHistory: number;
  /** The worker's last-good copy, a rollback candidate. */
  lastGood: Record<string, unknown> | null;
}

/** What parseStoredService reads: a service's texts, the last-good copy optional. */
export type StoredTexts = Omit<ServiceTexts, "lastGood"> & Partial<Pick<ServiceTexts, "lastGood">>;

export function parseStoredService(service: string, texts: StoredTexts): StoredService {
  const { entries, dropped } = parseHistory(texts.history);
  const raw = texts.document;
  const parsed = raw === null ? null : parseRoutingDocument(raw);
  let errors = parsed && !parsed.ok ? parsed.errors : [];
  let doc = parsed?.ok ? parsed.doc : null;
  if (doc && doc.service !== service) {
    errors = [{ path: "service", message: `is "${doc.service}", key is for "${service}"` }];
    doc = null;
  }
  return {
    service,
    raw,
    json: jsonObject(raw),
    doc,
    errors,
    history: entries,
    droppedHistory: dropped,
    lastGood: jsonObject(texts.lastGood ?? null),
  };
}

/**
 * The highest version ever seen for the service: the stored document's
 * (valid or not), every history entry's (the version it created and the
 * document it replaced) and the worker's last-good copy's; 0 for none.
 */
export function highestVersionSeen(
  stored: Pick<StoredService, "json" | "history" | "lastGood">,
): number {
  return Math.max(
    0,
    versionOf(stored.json) ?? 0,
    versionOf(stored.lastGood) ?? 0,
    ...stored.history.map((e) => Math.max(e.version, versionOf(e.document) ?? 0)),
  );
}

/**
 * The version the next write creates: one above the highest ever seen, not
 * the stored document's + 1. After a raw put of a stale copy (version 2
 * over 12) the next write is 13, never a second 3; versions never repeat.
 */
export const nextVersion = (stored: Pick<StoredService, "json" | "history" | "lastGood">): number =>
  highestVersionSeen(stored) + 1;

/**
 * A stored version below the highest one seen: someone put a stale copy
 * around the tools (the worker serves it: KV is the truth). Null when not.
 */
export function versionRegression(
  stored: StoredService,
): { version: number; highest: number; next: number } | null {
  const version = storedVersion(stored);
  const highest = highestVersionSeen(stored);
  return version !== null && version < highest ? { version, highest, next: highest + 1 } : null;
}

/**
 * The last-good copy when it is a valid document of this service: what the
 * worker serves while the stored document is deleted or invalid.
 */
export function validLastGood(stored: StoredService): RoutingDocument | null {
  if (!stored.lastGood) return null;
  const parsed = validateRoutingDocument(stored.lastGood);
  return parsed.ok && parsed.doc.service === stored.service ? parsed.doc : null;
}

/**
 * What a write's diff is taken against: the stored document (validated, so
 * defaults do not show as changes), else its raw JSON, else, when it was
 * deleted, the last-good copy the router serves meanwhile.
 */
export function diffBase(stored: StoredService): unknown {
  return stored.doc ?? stored.json ?? (stored.raw === null ? validLastGood(stored) : null);
}

/** The stored version, read from the JSON even when the document is invalid. */
export function storedVersion(stored: StoredService): number | null {
  const v = stored.json?.version;
  return typeof v === "number" && Number.isInteger(v) ? v : null;
}

function jsonObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The text the tools store for a document (compact JSON; the 64 KiB bound is on it). */
export { documentText } from "../document-text.ts";

/**
 * The lost-update guard's test: null when `fresh` (re-read just before the
 * write) still holds exactly what `read` saw, else the two versions. KV has
 * no compare-and-swap, so a write landing after the re-read is still lost.
 */
export function movedSince(
  read: StoredService,
  fresh: StoredService,
): { expected: number | null; actual: number | null } | null {
  if (fresh.raw === read.raw) return null;
  return { expected: storedVersion(read), actual: storedVersion(fresh) };
}
