/**
 * The RouterEvents port: one event per routed request, per shadow pair and
 * per request that qualified for mirroring but was skipped. Fire and
 * forget: writing one never throws into, blocks or fails the request.
 * Implemented over Workers Analytics Engine by
 * src/adapters/analytics/router-events.ts (no dataset bound: nothing is
 * written).
 *
 * Layer: ports (types only).
 */
import type { ShadowPair } from "../core/shadow/compare.ts";

export interface RequestEvent {
  service: string;
  origin: string;
  role: string;
  reason: string;
  identitySource: string;
  errorKind: string;
  status: number;
  totalMs: number;
  originMs: number;
  failover: boolean;
  /** The arm could have failed over, but the body was over retry.maxBodyBytes. */
  failoverSkipped: boolean;
  bucket: number | null;
  version: number;
}

export interface ShadowSkipEvent {
  service: string;
  production: string;
  role: string;
  shadow: string;
  reason: string;
  version: number;
  bucket: number | null;
  bodyBytes: number;
}

export interface RouterEvents {
  request(e: RequestEvent): void;
  shadowPair(pair: ShadowPair): void;
  shadowSkip(e: ShadowSkipEvent): void;
}
