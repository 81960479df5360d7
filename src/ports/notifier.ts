/**
 * The Notifier port: tells people about a rollout event; never throws,
 * never blocks the rollout. Implemented by
 * src/adapters/fetch/webhook-notifier.ts.
 *
 * Layer: ports (types only).
 */
import type { RolloutEvent } from "../core/rollout/rollout-event.ts";

export type Notifier = (event: RolloutEvent) => Promise<void>;
