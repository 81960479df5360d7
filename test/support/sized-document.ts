/**
 * A routing document whose JSON text has an exact size in bytes: compact,
 * every default written out, stamped the way a write through the admin API
 * stamps it (version 1, a 24-character updatedAt, updatedBy `SIZED_AUTHOR`),
 * so the text the tools store for it is the same length as the text given.
 * An extra origin `pad` (never routed to) takes the padding.
 *
 * Layer: test support (pure: the document schema only).
 */
import { RoutingDocument } from "../../src/document/routing-document.ts";

export const SIZED_AUTHOR = "size-test";

export function sizedDocumentText(base: Record<string, unknown>, bytes: number): string {
  const withPad = (pad: number) => {
    const draft = {
      ...base,
      version: 1,
      updatedAt: "2026-12-01T00:00:00.000Z",
      updatedBy: SIZED_AUTHOR,
      origins: {
        ...(base.origins as Record<string, unknown>),
        pad: { url: `http://127.0.0.1:9/${"p".repeat(pad)}` },
      },
    };
    const parsed = RoutingDocument.safeParse(draft);
    if (!parsed.success) throw new Error(`base document is invalid: ${parsed.error.message}`);
    return JSON.stringify(parsed.data); // defaults filled in, as the tools store it
  };
  const text = withPad(bytes - withPad(0).length);
  if (new TextEncoder().encode(text).length !== bytes) throw new Error("not ASCII");
  return text;
}
