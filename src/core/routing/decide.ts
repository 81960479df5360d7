/**
 * The routing decision: which origin answers this request, and why.
 *
 * Layer: pure core. Synchronous, no I/O, no clock, no randomness, no Hono or
 * Cloudflare imports, so the worker, the CLI (`assign`) and the benchmarks
 * run exactly this code. Order of precedence:
 *   1. an authenticated override (smoke tests of the idle origin),
 *   2. no user id -> live (never hash a request id or a random number),
 *   3. the canary, on its own salt: buckets [0, shareBp) of bucketOf(canary.salt, id),
 *   4. the challengers, on the shared challenger salt: each owns a fixed range,
 *   5. the live origin (champion) takes everything else.
 * A user is therefore in at most one arm. Ramping a canary up only adds
 * buckets, so earlier canary users stay in the canary.
 */
import { bucketOf, inRange } from "./bucket.ts";

export type ArmRole = "live" | "canary" | "challenger" | "override";
export type DecisionReason = "override" | "no-identity" | "canary" | "challenger" | "live";

export interface RequestFacts {
  /** The resolved user id, or null when no identity source produced one. */
  userId: string | null;
  /** An origin name the caller is authenticated to force (already verified). */
  override?: string | null;
}

export interface Decision {
  /** Key into doc.origins; also the arm name reported as x-model-variant. */
  origin: string;
  role: ArmRole;
  reason: DecisionReason;
  /** The bucket (0..9999) that decided, or null when no hash was taken. */
  bucket: number | null;
}

/**
 * What the decision reads of a routing document. The core owns this shape;
 * the schema's document satisfies it (checked in src/document/core-shapes.ts).
 */
export interface RoutingRules {
  live: string;
  canary?: { origin: string; shareBp: number; salt: string; killed: boolean } | undefined;
  challengerSalt?: string | undefined;
  challengers: readonly { origin: string; startBp: number; shareBp: number }[];
}

export function decide(rules: RoutingRules, facts: RequestFacts): Decision {
  if (facts.override) {
    return { origin: facts.override, role: "override", reason: "override", bucket: null };
  }
  const userId = facts.userId;
  if (userId === null || userId === "") {
    return { origin: rules.live, role: "live", reason: "no-identity", bucket: null };
  }

  let bucket: number | null = null;
  const canary = rules.canary;
  if (canary && !canary.killed && canary.shareBp > 0) {
    bucket = bucketOf(canary.salt, userId);
    if (bucket < canary.shareBp) {
      return { origin: canary.origin, role: "canary", reason: "canary", bucket };
    }
  }

  if (rules.challengers.length > 0 && rules.challengerSalt) {
    const challengerBucket = bucketOf(rules.challengerSalt, userId);
    for (const challenger of rules.challengers) {
      if (inRange(challengerBucket, challenger.startBp, challenger.shareBp)) {
        return {
          origin: challenger.origin,
          role: "challenger",
          reason: "challenger",
          bucket: challengerBucket,
        };
      }
    }
    bucket ??= challengerBucket;
  }

  return { origin: rules.live, role: "live", reason: "live", bucket };
}
