/**
 * KV key layout of the ROUTING namespace, shared by the worker and scripts.
 *
 * Layer: document (pure).
 */

/** The routing document of a service. */
export const documentKey = (service: string): string => `service:${service}`;

/** The last document the worker saw validate, used when the live key holds garbage. */
export const lastGoodKey = (service: string): string => `service:${service}:last-good`;

/**
 * The bounded write history of a service (a JSON array, oldest first), written
 * by the CLI and the admin API; see src/document/edits/history.ts.
 */
export const historyKey = (service: string): string => `history:${service}`;

/**
 * Shadow mode: the service's control object (src/control/service-control.ts)
 * mirrors its merged summary per shadow origin to one key,
 * `shadow-summary:<service>:<shadow>:control`, for `wrangler kv key get` and
 * the report's --kv mode. (Keys with other last segments are per-isolate
 * shards of older releases; they expire within 7 days.)
 */
export const shadowSummaryPrefix = (service: string): string => `shadow-summary:${service}:`;
export const shadowSummaryKey = (service: string, shadow: string, isolate: string): string =>
  `${shadowSummaryPrefix(service)}${shadow}:${isolate}`;

/**
 * Batches of notable shadow pairs, one key per mirror of the control object:
 * `shadow-log:<service>:` + a countdown timestamp, so a prefix listing
 * returns the newest first.
 */
export const shadowLogPrefix = (service: string): string => `shadow-log:${service}:`;
export const shadowLogKey = (service: string, atMs: number, isolate: string): string =>
  `${shadowLogPrefix(service)}${String(9_999_999_999_999 - Math.floor(atMs)).padStart(13, "0")}:${isolate}`;
