/**
 * A shadow's pairs summed over USER_BUCKETS clusters of users, for the
 * shadow gates' cluster-robust variances (src/core/rollout/shadow-gates.ts).
 *
 * Layer: pure core. Built by the summary (src/core/shadow/summary.ts) one
 * pair at a time; integers only, so merges are exact in any order; read
 * from the wire or storage with bounds (a part that does not fit its pairs,
 * or an earlier release's missing part, reads as none).
 */
import { logSumsFit, USER_BUCKETS } from "../rollout/user-sums.ts";

/**
 * Pairs summed over USER_BUCKETS clusters of users, for the shadow gates'
 * cluster-robust variances: a user's pairs all land in one cluster (the
 * routing bucket, sticky per user; a request without a user id falls in
 * the cluster of its own sampling draw). Integers, so merges stay exact.
 */
export interface ShadowUserSums {
  compared: number[];
  disagreed: number[];
  /** Pairs with both scores, and the sums of logUnits(|Δscore|) and its square. */
  scored: number[];
  logAbs: number[];
  logAbsSq: number[];
}

const zeros = () => new Array<number>(USER_BUCKETS).fill(0);

export function emptyShadowUserSums(): ShadowUserSums {
  return {
    compared: zeros(),
    disagreed: zeros(),
    scored: zeros(),
    logAbs: zeros(),
    logAbsSq: zeros(),
  };
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const bucketsOf = (x: unknown, ok: (v: unknown) => boolean): number[] | null =>
  Array.isArray(x) && x.length === USER_BUCKETS && x.every(ok) ? [...(x as number[])] : null;

/** ShadowUserSums from an untrusted value (a check-in, a stored summary); malformed or absent: null. */
export function shadowUserSumsFrom(value: unknown): ShadowUserSums | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  const compared = bucketsOf(v.compared, isCount);
  const disagreed = bucketsOf(v.disagreed, isCount);
  const scored = bucketsOf(v.scored, isCount);
  const logAbs = bucketsOf(v.logAbs, Number.isSafeInteger);
  const logAbsSq = bucketsOf(v.logAbsSq, isCount);
  if (!compared || !disagreed || !scored || !logAbs || !logAbsSq) return null;
  for (let b = 0; b < USER_BUCKETS; b++) {
    if ((disagreed[b] ?? 0) > (compared[b] ?? 0)) return null;
    if (!logSumsFit(scored[b] ?? 0, logAbs[b] ?? 0, logAbsSq[b] ?? 0)) return null;
  }
  return { compared, disagreed, scored, logAbs, logAbsSq };
}

export function addShadowUserSums(a: ShadowUserSums, b: ShadowUserSums): ShadowUserSums {
  const add = (x: readonly number[], y: readonly number[]) => x.map((v, i) => v + (y[i] ?? 0));
  return {
    compared: add(a.compared, b.compared),
    disagreed: add(a.disagreed, b.disagreed),
    scored: add(a.scored, b.scored),
    logAbs: add(a.logAbs, b.logAbs),
    logAbsSq: add(a.logAbsSq, b.logAbsSq),
  };
}
