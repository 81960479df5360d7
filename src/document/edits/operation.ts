/**
 * What every rollout operation shares: its inputs (who, when, and the
 * version the write creates) and its result (the next document, or field
 * errors), and `finish`, which stamps and validates a changed document.
 *
 * Layer: document, edits (pure; no I/O, no clock: `now` is passed in). The CLI and
 * the admin API call the same operations, so a flip means the same thing
 * whichever way it is made. Invariants of every successful result:
 *   - version is `meta.version`, which every writer sets to
 *     nextVersion(stored) (src/document/edits/stored-service.ts): one above the
 *     highest version ever seen, so versions only increase even after a raw
 *     put of a stale copy,
 *   - updatedAt / updatedBy are the operation's time and author,
 *   - the document passes the shared schema (src/document/validate.ts),
 *   - the service name never changes.
 */
import type { RoutingDocument } from "../routing-document.ts";
import { type FieldError, validateRoutingDocument } from "../validate.ts";

/** Who makes a change and when: what a caller knows before reading KV. */
export interface Authorship {
  /** Who makes the change; becomes updatedBy. */
  author: string;
  /** When; becomes updatedAt (ISO 8601). */
  now: string;
}

/** The stamps of one write; the writer adds the version once it has read KV. */
export interface OperationMeta extends Authorship {
  /** The version the write creates: nextVersion(stored), never the document's version + 1. */
  version: number;
}

export type OperationResult =
  | { ok: true; doc: RoutingDocument; change: string }
  | { ok: false; errors: FieldError[] };

export const refuse = (path: string, message: string): OperationResult => ({
  ok: false,
  errors: [{ path, message }],
});

/** A deep copy of a document to edit. */
export const draftOf = (doc: RoutingDocument): RoutingDocument => structuredClone(doc);

/**
 * Stamps `draft` with `meta` (version, updatedAt, updatedBy) and validates
 * it. `draft` may be any JSON value (patches and replacements come from users).
 */
export function finish(
  service: string,
  draft: unknown,
  meta: OperationMeta,
  change: string,
): OperationResult {
  if (draft === null || typeof draft !== "object" || Array.isArray(draft)) {
    return refuse("", "a routing document must be a JSON object");
  }
  const stamped = {
    ...draft,
    version: meta.version,
    updatedAt: meta.now,
    updatedBy: meta.author,
  };
  const validated = validateRoutingDocument(stamped);
  if (!validated.ok) return { ok: false, errors: validated.errors };
  if (validated.doc.service !== service) {
    return refuse("service", `must stay "${service}" (a document cannot move to another service)`);
  }
  return { ok: true, doc: validated.doc, change };
}

/**
 * Adds origin `name` -> `url` to a draft. Refuses to repoint an existing
 * origin: changing where live traffic goes is a replace, never a side effect.
 */
export function addOrigin(
  draft: RoutingDocument,
  name: string,
  url: string,
): OperationResult | null {
  const existing = draft.origins[name];
  if (existing && existing.url !== url) {
    return refuse(`origins.${name}.url`, `already exists with another URL; not repointing it`);
  }
  draft.origins[name] ??= { url, timeoutMs: 10_000 };
  return null;
}
