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
import { LIMITS, RoutingDocument } from "./routing-document.ts";

export interface FieldError {
  /** Dot path of the failing field, "" for the whole document. */
  path: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; doc: RoutingDocument }
  | { ok: false; errors: FieldError[] };

export function validateRoutingDocument(input: unknown): ValidationResult {
  const hostile = hostileShape(input);
  if (hostile) return { ok: false, errors: [hostile] };
  const parsed = RoutingDocument.safeParse(input);
  if (parsed.success) {
    const doc = parsed.data;
    // Tools store documents pretty-printed; that text must fit the bound too.
    const stored = sizeError(`${JSON.stringify(doc, null, 2)}\n`);
    if (stored)
      return {
        ok: false,
        errors: [{ ...stored, message: `${stored.message} (as stored, pretty-printed)` }],
      };
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
  // refused without measuring it.
  const bytes = text.length > limit ? text.length : utf8Length(text);
  if (bytes <= limit) return null;
  return {
    path: "",
    message: `is ${text.length > limit ? "at least " : ""}${bytes} bytes; a routing document may have at most ${limit}`,
  };
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

export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `  ${e.path || "(document)"}: ${e.message}`).join("\n");
}
