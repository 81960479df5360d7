/**
 * The text every tool stores for a routing document (the admin API through
 * the control object, the CLI's --direct mode, the object's KV mirror):
 * compact JSON of the validated document, its defaults filled in. The
 * 64 KiB bound (LIMITS.documentBytes) is on the UTF-8 bytes of this text,
 * so a compact document that writes out its defaults is stored byte for
 * byte as long as it was given. `jq` or `router status`
 * pretty-prints it.
 *
 * Layer: document (pure).
 */
import type { RoutingDocument } from "./routing-document.ts";

export const documentText = (doc: RoutingDocument): string => JSON.stringify(doc);

/**
 * What a document says, without its stamps (version, updatedAt,
 * updatedBy): two puts of the same document compare equal, whatever
 * version their authors wrote in them (the control object's adoption rule).
 */
export const documentContent = (doc: RoutingDocument): string =>
  JSON.stringify({ ...doc, version: 0, updatedAt: "", updatedBy: "" });
