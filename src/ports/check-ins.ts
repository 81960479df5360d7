/**
 * The CheckIns port: keeps the documents an isolate routes by current. A
 * request says its service was routed (`touch`): a check-in with the
 * service's control object is then due, run inside waitUntil. Implemented
 * by src/adapters/durable-object/check-in-link.ts.
 *
 * Layer: ports (types only).
 */
import type { WaitUntil } from "./wait-until.ts";

export interface CheckIns {
  touch(service: string, waitUntil: WaitUntil): void;
  /** The link's counters, for the health endpoint. */
  stats(): unknown;
}
