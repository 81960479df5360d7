/**
 * Why the write pipeline refuses a write, with the HTTP status and code
 * the admin API answers (src/app/write-service.ts throws them; the CLI
 * maps codes back without loading the pipeline).
 *
 * Layer: app (data only).
 */
import type { RouterStatus } from "./errors.ts";

/**
 * Every refusal of a write, with its HTTP status and its stable error code:
 * the one list (the CLI maps kinds to exit codes, and the admin API's codes
 * back to kinds, from it; the admin API's reference names its codes).
 */
export const REFUSALS = {
  not_found: { status: 404, code: "no_routing_document" },
  stored_document_invalid: { status: 409, code: "stored_document_invalid" },
  version_mismatch: { status: 412, code: "version_mismatch" },
  invalid_change: { status: 400, code: "invalid_change" },
  check_failed: { status: 409, code: "check_failed" },
  aborted: { status: 409, code: "aborted" },
  version_conflict: { status: 409, code: "version_conflict" },
  history_not_written: { status: 500, code: "history_not_written" },
} as const satisfies Record<string, { status: RouterStatus; code: string }>;

export type RefusalKind = keyof typeof REFUSALS;
