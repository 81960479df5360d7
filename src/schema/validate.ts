/**
 * Validation entry points for routing documents, returning field-path errors
 * instead of throwing, so the worker, the CLI and the admin API report
 * failures the same way ("challengers.1.shareBp: ...").
 *
 * Layer: schema (pure).
 */
import { RoutingDocument } from "./routing-document.ts";

export interface FieldError {
  /** Dot path of the failing field, "" for the whole document. */
  path: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; doc: RoutingDocument }
  | { ok: false; errors: FieldError[] };

export function validateRoutingDocument(input: unknown): ValidationResult {
  const parsed = RoutingDocument.safeParse(input);
  if (parsed.success) return { ok: true, doc: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    })),
  };
}

/** Parses JSON text, then validates it. */
export function parseRoutingDocument(text: string): ValidationResult {
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

export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `  ${e.path || "(document)"}: ${e.message}`).join("\n");
}
