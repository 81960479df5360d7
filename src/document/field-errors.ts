/**
 * A field-path error of a routing document ("canary.shareBp: must be at
 * most 10000"), and how the CLI and the admin API print a list of them.
 * Apart from the schema (src/document/validate.ts re-exports both) so a
 * reader of errors does not load zod.
 *
 * Layer: document (pure).
 */
export interface FieldError {
  /** Dot path of the failing field, "" for the whole document. */
  path: string;
  message: string;
}

export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `  ${e.path || "(document)"}: ${e.message}`).join("\n");
}
