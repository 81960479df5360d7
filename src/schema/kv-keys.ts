/**
 * KV key layout of the ROUTING namespace, shared by the worker and scripts.
 *
 * Layer: schema (pure).
 */

/** The routing document of a service. */
export const documentKey = (service: string): string => `service:${service}`;

/** The last document the worker saw validate, used when the live key holds garbage. */
export const lastGoodKey = (service: string): string => `service:${service}:last-good`;

/**
 * The bounded write history of a service (a JSON array, oldest first), written
 * by the CLI and the admin API; see src/history/history.ts.
 */
export const historyKey = (service: string): string => `history:${service}`;
