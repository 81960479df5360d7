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
 * Shadow mode (see src/adapters/kv/shadow-log.ts): each isolate keeps its own
 * running summary per service and shadow origin under its own key, so no key
 * is written by two isolates; the report merges the shards of a prefix.
 */
export const shadowSummaryPrefix = (service: string): string => `shadow-summary:${service}:`;
export const shadowSummaryKey = (service: string, shadow: string, isolate: string): string =>
  `${shadowSummaryPrefix(service)}${shadow}:${isolate}`;

/**
 * Batches of notable shadow pairs, one key per flush: `shadow-log:<service>:`
 * + a countdown timestamp, so a prefix listing returns the newest first.
 */
export const shadowLogPrefix = (service: string): string => `shadow-log:${service}:`;
export const shadowLogKey = (service: string, atMs: number, isolate: string): string =>
  `${shadowLogPrefix(service)}${String(9_999_999_999_999 - Math.floor(atMs)).padStart(13, "0")}:${isolate}`;

/**
 * Request metrics per document revision ("<version>@<updatedAt ms>", see
 * src/core/rollout/request-metrics.ts and src/adapters/kv/metrics-store.ts): one
 * shard per isolate, merged by the rollout analyzer.
 */
export const metricsPrefix = (service: string, revision: string): string =>
  `metrics:${service}:${revision}:`;
export const metricsKey = (service: string, revision: string, isolate: string): string =>
  `${metricsPrefix(service, revision)}${isolate}`;

/** The progress of a service's rollout (step, state, verdict timeline); see src/core/rollout/ and src/app/rollout/. */
export const rolloutStatusKey = (service: string): string => `rollout:${service}`;
