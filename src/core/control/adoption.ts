/**
 * What the control object does with KV's copy of its document: the only
 * way in for a change made around it (a raw `wrangler kv key put`, the
 * CLI's --direct mode, a delete). KV's text is
 *   - the same as when the object last looked: nothing to do;
 *   - deleted: reported so to the write pipeline (rollback / apply repair
 *     it) while the fleet keeps routing by the last good document;
 *   - failing the schema, or another service's: reported as invalid, the
 *     same way, and not adopted;
 *   - the object's own document: KV is "ok";
 *   - a version not above the highest seen: not adopted (KV reads can be
 *     stale, and versions only go up); the next write replaces it;
 *   - a higher version: adopted, with KV's own history when it has an
 *     entry for that version (the CLI's --direct mode wrote one), else with
 *     a "kv" entry the write pipeline records.
 * And, on the object's first call ever, what it imports from KV's texts.
 *
 * Layer: core (pure). Parsing is the document floor's: callers pass the
 * parser (src/document/validate.ts's parseRoutingDocument), or a stub.
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

type KvSeenState = Pick<ServiceRow, "kvSeen" | "kvState">;

export type Adoption<D extends DocFacts> =
  | { kind: "unchanged" }
  | { kind: "deleted" | "current"; row: KvSeenState }
  | { kind: "invalid"; row: KvSeenState; errors: Problem[] }
  | { kind: "stale"; row: KvSeenState; version: number; highest: number }
  | {
      kind: "adopt";
      /** Written at once, before KV's history is read. */
      row: Pick<ServiceRow, "kvSeen">;
      doc: D;
      /** Written with the history once it is known. */
      adopted: Pick<ServiceRow, "document" | "lastGood" | "kvState" | "highest" | "kvVersion">;
    };

/** What KV's document `text` (null: deleted) means for the object's `row`. */
export function adoptionOf<D extends DocFacts>(
  service: string,
  row: Pick<ServiceRow, "kvSeen" | "document" | "highest">,
  text: string | null,
  parse: Parse<D>,
): Adoption<D> {
  if (text === row.kvSeen) return { kind: "unchanged" };
  if (text === null) return { kind: "deleted", row: { kvSeen: null, kvState: "deleted" } };
  const parsed = parse(text);
  if (!parsed.ok || parsed.doc.service !== service) {
    const errors = parsed.ok ? [{ path: "service", message: "wrong service" }] : parsed.errors;
    return { kind: "invalid", row: { kvSeen: text, kvState: "invalid" }, errors };
  }
  const ok = { kvSeen: text, kvState: "ok" } as const;
  if (text === row.document) return { kind: "current", row: ok };
  const { version } = parsed.doc;
  if (!aboveHighest(version, row.highest)) {
    return { kind: "stale", row: ok, version, highest: row.highest };
  }
  return {
    kind: "adopt",
    row: { kvSeen: text },
    doc: parsed.doc,
    adopted: {
      document: text,
      lastGood: text,
      kvState: "ok",
      highest: version,
      kvVersion: version,
    },
  };
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
