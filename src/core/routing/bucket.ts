/**
 * User buckets: the one place a user id becomes a position in 0..9999.
 *
 * Layer: pure core. bucket = floor(murmur3_x86_32(utf8(`${salt}:${id}`)) * 10000 / 2^32).
 * Invariants: the same (salt, id) always lands in the same bucket; changing a
 * salt reshuffles every user for that rollout; shares are integer basis
 * points, so a share s (0..10000) selects exactly the buckets [0, s).
 */
import { murmur3String } from "./murmur3.ts";

/** Number of buckets; one bucket is one basis point (0.01 %). */
export const BUCKETS = 10_000;

const TWO_POW_32 = 4_294_967_296;

export function bucketOf(salt: string, userId: string): number {
  return Math.floor((murmur3String(`${salt}:${userId}`) * BUCKETS) / TWO_POW_32);
}

/** True when the bucket falls in [startBp, startBp + shareBp). */
export function inRange(bucket: number, startBp: number, shareBp: number): boolean {
  return bucket >= startBp && bucket < startBp + shareBp;
}
