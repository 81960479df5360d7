/**
 * Background work that must not delay the response: the Worker's
 * `ctx.waitUntil` (or the Durable Object's), handed to whatever starts
 * work that outlives the request.
 *
 * Layer: ports (types only).
 */

export type WaitUntil = (promise: Promise<unknown>) => void;
