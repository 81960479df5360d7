/**
 * The ShadowRecorder port: shadow pairs and skips of this isolate, reported
 * off the request path. Implemented by the check-in link
 * (src/adapters/durable-object/check-in-link.ts), which carries them to the
 * service's control object.
 *
 * Layer: ports (types only).
 */
import type { ShadowPair } from "../core/shadow/compare.ts";
import type { SkipReason } from "../core/shadow/summary.ts";
import type { WaitUntil } from "./wait-until.ts";

export interface ShadowRecorder {
  recordPair(pair: ShadowPair, waitUntil: WaitUntil): void;
  recordSkip(
    skip: { service: string; shadow: string; reason: SkipReason; version: number },
    waitUntil: WaitUntil,
  ): void;
}
