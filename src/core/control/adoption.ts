/**
 * What the control object does with KV's copy of its document: the only
 * way in for a change made around it (a raw `wrangler kv key put`, the
 * CLI's --direct mode, a delete). KV's text is
 *   - the same as when the object last looked: nothing to do (unless KV
 *     was behind then: looked at again);
 *   - deleted: reported so to the write pipeline (rollback / apply repair
 *     it) while the fleet keeps routing by the last good document;
 *   - failing the schema, or another service's: reported as invalid, the
 *     same way, and not adopted;
 *   - the object's own document, or the same document under older stamps
 *     (version, updatedAt, updatedBy: a re-stamped put, as it was put): KV
 *     is "ok";
 *   - a document the object wrote and replaced less than STALE_READ_MS ago,
 *     with a version not above the highest seen: KV is "behind" (a read
 *     older than the object's last writes); looked at again on the next
 *     poll;
 *   - anything else is a change made around the object: adopted, whatever
 *     version it carries: a version not above the highest seen is
 *     re-stamped one above it (versions only go up), and KV keeps the text
 *     as it was put (the object never writes KV's document key for an
 *     adoption: a put landing meanwhile would be lost). A re-put of an older
 *     document (the object wrote it, but replaced it long ago) is such a
 *     change: an operator rolling back with `wrangler kv key put`. The
 *     history keeps KV's own entry when it has one for that version (the
 *     CLI's --direct mode wrote it), else records a "kv" entry.
 * Compared by content, not by version: a put is recognised whatever
 * version its author wrote in it.
 * And, on the object's first call ever, what it imports from KV's texts.
 *
 * Layer: core (pure). Parsing is the document floor's: callers pass the
 * parser (src/document/validate.ts's parseRoutingDocument) and the
 * content without stamps, or stubs.
 */
import { aboveHighest } from "./compare-and-swap.ts";
import type { ServiceRow } from "./state-rows.ts";

export interface DocFacts {
  service: string;
  version: number;
}

export interface Problem {
  path: string;
  message: string;
}

/** A document text parsed: the document, or why it fails the schema. */
export type Parse<D extends DocFacts> = (
  text: string,
) => { ok: true; doc: D } | { ok: false; errors: Problem[] };

/**
 * How long after the object replaced a document KV may still return it
 * to the object's reads: KV caches a read at the edge for up to 60 s and
 * propagates a write within 60 s (the object's own writes are visible in
 * its location at once, so this is the rare case). Older than this, KV
 * holding that document again means somebody put it there; within it, the
 * put waits out the rest (status says so).
 */
export const STALE_READ_MS = 60_000;

/** What the adoption rule reads besides the row and KV's text. */
export interface KvLook<D extends DocFacts> {
  parse: Parse<D>;
  /** The document without its stamps (version, updatedAt, updatedBy), as comparable text. */
  content: (doc: D) => string;
  /** The current document's content (null: none). */
  currentContent: string | null;
  /** When the object replaced a document of this content (null: it never wrote one). */
  replacedAt: (content: string) => number | null;
  now: number;
}

type KvSeenState = Pick<ServiceRow, "kvSeen" | "kvState">;

export type Adoption<D extends DocFacts> =
  | { kind: "unchanged" }
  | { kind: "deleted"; row: KvSeenState }
  | { kind: "current"; row: KvSeenState }
  | { kind: "invalid"; row: KvSeenState; errors: Problem[] }
  | { kind: "behind"; row: KvSeenState; version: number; replacedAt: number }
  | {
      kind: "adopt";
      /** Written at once, before KV's history is read. */
      row: Pick<ServiceRow, "kvSeen">;
      doc: D;
      /** The version it is stored as: its own, or one above the highest seen. */
      version: number;
      /** Written with the document and history once they are known. */
      adopted: Pick<ServiceRow, "kvState" | "highest" | "kvVersion">;
    };

/** What KV's document `text` (null: deleted) means for the object's `row`. */
export function adoptionOf<D extends DocFacts>(
  service: string,
  row: Pick<ServiceRow, "kvSeen" | "kvState" | "document" | "highest">,
  text: string | null,
  look: KvLook<D>,
): Adoption<D> {
  if (text === row.kvSeen && row.kvState !== "behind") return { kind: "unchanged" };
  if (text === null) return { kind: "deleted", row: { kvSeen: null, kvState: "deleted" } };
  const parsed = look.parse(text);
  if (!parsed.ok || parsed.doc.service !== service) {
    const errors = parsed.ok ? [{ path: "service", message: "wrong service" }] : parsed.errors;
    return { kind: "invalid", row: { kvSeen: text, kvState: "invalid" }, errors };
  }
  const ok = { kvSeen: text, kvState: "ok" } as const;
  if (text === row.document) return { kind: "current", row: ok };
  const put = parsed.doc.version;
  const adopt = (version: number): Adoption<D> => ({
    kind: "adopt",
    row: { kvSeen: text },
    doc: parsed.doc,
    version,
    // KV holds this document (under the version it was put with): nothing to mirror.
    adopted: { kvState: "ok", highest: version, kvVersion: version },
  });
  // Above every version seen: a change, never a stale read (the object wrote none of them).
  if (aboveHighest(put, row.highest)) return adopt(put);
  const content = look.content(parsed.doc);
  if (content === look.currentContent) return { kind: "current", row: ok };
  const replacedAt = look.replacedAt(content);
  if (replacedAt !== null && look.now - replacedAt < STALE_READ_MS) {
    const behind = { kvSeen: text, kvState: "behind" } as const;
    return { kind: "behind", row: behind, version: put, replacedAt };
  }
  return adopt(row.highest + 1);
}

/** The history an adopted version keeps: KV's own when it has an entry for it, else one recorded. */
export const adoptedHistory = (kvHistory: readonly { version: number }[], version: number) =>
  kvHistory.some((e) => e.version === version) ? ("kv" as const) : ("record" as const);

/** A service's stored texts: the document, its history, the last-good copy (null when absent). */
export interface ServiceTexts {
  document: string | null;
  history: string | null;
  lastGood: string | null;
}

/**
 * What the object imports from KV's texts on its first call ever: the
 * valid document KV holds, else (deleted or invalid there) the last-good
 * copy the routers served; and whether the last-good copy must follow the
 * document (a mirror). `highest` is the highest version seen in the texts.
 */
export function importOf<D extends DocFacts>(
  service: string,
  texts: ServiceTexts,
  highest: number,
  parse: Parse<D>,
): { row: Partial<ServiceRow>; mirrorLastGood: boolean } {
  const parsed = texts.document === null ? null : parse(texts.document);
  const doc = parsed?.ok && parsed.doc.service === service ? parsed.doc : null;
  const lastGoodValid = texts.lastGood !== null && parse(texts.lastGood).ok;
  const serving = doc ? texts.document : lastGoodValid ? texts.lastGood : null;
  return {
    row: {
      document: serving,
      lastGood: serving ?? texts.lastGood,
      ...(texts.history !== null ? { history: texts.history } : {}),
      kvSeen: texts.document,
      kvState: doc ? "ok" : texts.document === null ? "deleted" : "invalid",
      highest,
      kvVersion: doc ? doc.version : 0,
      imported: true,
    },
    mirrorLastGood: doc !== null && texts.lastGood !== texts.document,
  };
}
