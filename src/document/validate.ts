/**
 * Validation entry points for routing documents, returning field-path errors
 * instead of throwing, so the worker, the CLI and the admin API report
 * failures the same way ("challengers.1.shareBp: ...").
 *
 * Layer: document (pure). Cost is linear in the document (n log n for the
 * challenger overlap check), and hostile input is refused before the schema
 * runs: text over LIMITS.documentBytes is refused unparsed, JSON nested
 * deeper than LIMITS.depth or holding a `__proto__` key is refused with its
 * path (zod would silently drop `__proto__`). A validated document's
 * `origins` has no prototype, so `origins[name]` never finds `constructor`.
 */

import { documentText } from "./document-text.ts";
import type { FieldError } from "./field-errors.ts";
import { LIMITS, RoutingDocument } from "./routing-document.ts";

/**
 * THE size bound, in the words of every refusal (the worker, the CLI, the
 * admin API): any JSON text of a routing document (a file, an admin API
 * body, a KV value) and the text the tools store for it (compact, defaults
 * filled in: src/document/document-text.ts) may have at most
 * LIMITS.documentBytes bytes of UTF-8.
 */
export const DOCUMENT_LIMIT_RULE = `a routing document may have at most ${LIMITS.documentBytes} bytes of JSON text (UTF-8, as stored in KV)`;

export type ValidationResult =
  | { ok: true; doc: RoutingDocument }
  | { ok: false; errors: FieldError[] };

export function validateRoutingDocument(input: unknown): ValidationResult {
  const hostile = hostileShape(input);
  if (hostile) return { ok: false, errors: [hostile] };
  const parsed = RoutingDocument.safeParse(input);
  if (parsed.success) {
    const doc = parsed.data;
    // What the tools store for it must fit too (defaults filled in), so a
    // valid document is always one the worker can read back.
    const stored = utf8Length(documentText(doc));
    if (stored > LIMITS.documentBytes) {
      const message = `is ${stored} bytes as stored (compact JSON, defaults filled in); ${DOCUMENT_LIMIT_RULE}`;
      return { ok: false, errors: [{ path: "", message }] };
    }
    doc.origins = Object.assign(Object.create(null), doc.origins);
    return { ok: true, doc };
  }
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    })),
  };
}

/** Parses JSON text, then validates it; oversized text is refused unparsed. */
export function parseRoutingDocument(text: string): ValidationResult {
  const tooLarge = sizeError(text);
  if (tooLarge) return { ok: false, errors: [tooLarge] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      errors: [{ path: "", message: `not valid JSON: ${(err as Error).message}` }],
    };
  }
  return validateRoutingDocument(json);
}

/** The size rule alone, for callers that hold the text (admin API, CLI). */
export function sizeError(text: string): FieldError | null {
  const limit = LIMITS.documentBytes;
  // UTF-8 never takes fewer bytes than UTF-16 code units, so a long text is
  // refused without measuring it (the admin API, which stops reading at the
  // limit, says the same: "is over").
  if (text.length > limit) {
    return { path: "", message: `is over ${limit} bytes; ${DOCUMENT_LIMIT_RULE}` };
  }
  const bytes = utf8Length(text);
  if (bytes <= limit) return null;
  return { path: "", message: `is ${bytes} bytes; ${DOCUMENT_LIMIT_RULE}` };
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The first `__proto__` key or over-deep nesting in a JSON value, with its path. */
function hostileShape(input: unknown): FieldError | null {
  const stack: { value: unknown; path: string[] }[] = [{ value: input, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: string[] };
    if (value === null || typeof value !== "object") continue;
    if (path.length >= LIMITS.depth) {
      return { path: path.join("."), message: `nests deeper than ${LIMITS.depth} levels` };
    }
    for (const key of Object.keys(value)) {
      if (key === "__proto__") {
        return { path: [...path, key].join("."), message: "is not an allowed key" };
      }
      stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return null;
}

export { type FieldError, formatFieldErrors } from "./field-errors.ts";
