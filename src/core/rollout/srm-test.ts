/**
 * The split check's test (sample-ratio mismatch), anytime-valid and exact:
 * the Bayes factor of a Beta-Binomial mixture against the expected share p0
 * (the two-arm case of Lindon & Malek, "Anytime-valid inference for
 * multinomial count data", NeurIPS 2022):
 *   BF = B(a + k, b + m) / B(a, b) / (p0^k (1 - p0)^m),  a = c p0, b = c (1 - p0)
 * for k canary and m other assignments: a martingale under p0 with BF_0 = 1,
 * exactly (not asymptotically). Its interval is the set of shares p0 whose
 * BF stays below 1/alpha. The assignments counted are users
 * (src/core/rollout/srm-gate.ts).
 *
 * Layer: pure core. Pinned by test/vectors/sequential.json (scipy).
 */
import { logGamma } from "./stats.ts";

export interface SequentialSrmOptions {
  /** Anytime false-alarm bound. */
  alpha: number;
  /**
   * Concentration c of the Beta(c p0, c (1 - p0)) mixing prior on the canary
   * share: larger c looks harder at small mismatches and is slower on large
   * ones. Any c > 0 keeps the guarantee.
   */
  concentration?: number;
}

export interface SequentialSrmResult {
  outcome: "pass" | "fail";
  /** log BF of the Beta-Binomial mixture against the expected share. */
  statistic: number;
  /** log(1/alpha). */
  boundary: number;
  /** exp(-statistic), at most 1. Its running minimum over looks is an anytime-valid p-value. */
  pValue: number;
  observedShare: number;
  expectedShare: number;
  /** The shares p0 whose BF stays below 1/alpha (the anytime-valid interval of the share). */
  lo: number;
  hi: number;
}

/** Default c, as in Lindon & Malek's reference implementation (savvi's Multinomial, k = 100). */
export const DEFAULT_SRM_CONCENTRATION = 100;

const logBeta = (a: number, b: number) => logGamma(a) + logGamma(b) - logGamma(a + b);

/** log BF of k canary and m other assignments against the share p0. */
export function srmLogBayesFactor(k: number, m: number, p0: number, concentration: number): number {
  const a = concentration * p0;
  const b = concentration * (1 - p0);
  return logBeta(a + k, b + m) - logBeta(a, b) - k * Math.log(p0) - m * Math.log(1 - p0);
}

/**
 * The interval's end between `inside` (BF below the boundary) and `outside`
 * (at or above it), by bisection on log p0 near 0 and on log(1 - p0) near 1.
 */
function srmEdge(
  k: number,
  m: number,
  c: number,
  boundary: number,
  inside: number,
  outside: number,
): number {
  if (srmLogBayesFactor(k, m, outside, c) < boundary) return outside;
  let a = inside;
  let b = outside;
  for (let i = 0; i < 100 && Math.abs(b - a) > 1e-12 * Math.max(1e-300, Math.min(a, 1 - a)); i++) {
    const mid = (a + b) / 2;
    if (srmLogBayesFactor(k, m, mid, c) < boundary) a = mid;
    else b = mid;
  }
  return (a + b) / 2;
}

/**
 * Sequential SRM on a two-way split: `canary` assignments against `others`,
 * when the document gives the canary `expectedShare` (0..1). A share of 0 or
 * 1 cannot mismatch and passes.
 */
export function sequentialSrm(
  canary: number,
  others: number,
  expectedShare: number,
  options: SequentialSrmOptions,
): SequentialSrmResult {
  const boundary = Math.log(1 / options.alpha);
  const total = canary + others;
  const observedShare = total > 0 ? canary / total : 0;
  if (expectedShare <= 0 || expectedShare >= 1 || total === 0) {
    return {
      outcome: "pass",
      statistic: 0,
      boundary,
      pValue: 1,
      observedShare,
      expectedShare,
      lo: 0,
      hi: 1,
    };
  }
  const c = options.concentration ?? DEFAULT_SRM_CONCENTRATION;
  const statistic = srmLogBayesFactor(canary, others, expectedShare, c);
  // The observed share is always inside: the marginal likelihood is at most the maximum one.
  const centre = Math.min(1 - 1e-12, Math.max(1e-12, observedShare));
  return {
    outcome: statistic >= boundary ? "fail" : "pass",
    statistic,
    boundary,
    pValue: Math.min(1, Math.exp(-statistic)),
    observedShare,
    expectedShare,
    lo: canary === 0 ? 0 : srmEdge(canary, others, c, boundary, centre, 1e-12),
    hi: others === 0 ? 1 : srmEdge(canary, others, c, boundary, centre, 1 - 1e-12),
  };
}
