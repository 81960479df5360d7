/**
 * Whole-document writes: replace (a full document from a file or a PUT) and
 * patch (an RFC 7386 JSON merge patch, for PATCH).
 *
 * Layer: document, edits (pure). The caller's version / updatedAt / updatedBy
 * are ignored: like every operation the result is stamped with the write's
 * version (one above the highest ever seen), so a stale copy cannot move
 * the version number backwards.
 */
import { dict } from "../../core/dict.ts";
import type { RoutingDocument } from "../routing-document.ts";
import { diffDocuments } from "./diff.ts";
import { finish, type OperationMeta, type OperationResult, refuse } from "./operation.ts";

/** Replaces (or creates, when `current` is null) the document of `service`. */
export function replaceDocument(
  service: string,
  current: RoutingDocument | null,
  input: unknown,
  meta: OperationMeta,
): OperationResult {
  const result = finish(service, input, meta, "");
  if (!result.ok) return result;
  return { ...result, change: summarize(current ? "replace" : "create", current, result.doc) };
}

/** RFC 7386: objects merge key by key, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  // Prototype-free, so a "__proto__" key in a patch becomes an own key that
  // validation refuses with its path, never the merged object's prototype.
  const base = dict(
    target !== null && typeof target === "object" && !Array.isArray(target)
      ? (target as Record<string, unknown>)
      : undefined,
  );
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

export function patchDocument(
  doc: RoutingDocument,
  patch: unknown,
  meta: OperationMeta,
): OperationResult {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) {
    return refuse("", "a merge patch must be a JSON object");
  }
  const result = finish(doc.service, mergePatch(doc, patch), meta, "");
  if (!result.ok) return result;
  return { ...result, change: summarize("patch", doc, result.doc) };
}

function summarize(verb: string, before: RoutingDocument | null, after: RoutingDocument): string {
  if (!before) return `${verb} (live ${after.live})`;
  const paths = diffDocuments(before, after).map((l) => l.path);
  const top = [...new Set(paths.map((p) => p.split(".").slice(0, 2).join(".")))];
  const shown = top.length > 4 ? [...top.slice(0, 4), `+${top.length - 4} more`] : top;
  return `${verb}: ${shown.join(", ") || "no field changed"}`;
}
