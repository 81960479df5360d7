/**
 * Statistics behind the rollout gates: the normal tail, the two-proportion
 * z-test (is the canary's error rate higher than live's?) and the chi-square
 * goodness-of-fit test for sample-ratio mismatch (is the split what the
 * document says?).
 *
 * Layer: pure core. Deterministic numerics, pinned by fixed vectors in
 * test/core/rollout-stats.test.ts.
 */

// Coefficients of Numerical Recipes' erfcc (Chebyshev fit; |relative error| < 1.2e-7).
const ERFC = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
];

/** Complementary error function. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  let poly = 0;
  for (let i = ERFC.length - 1; i >= 0; i--) poly = (ERFC[i] as number) + t * poly;
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** P(Z > z) for a standard normal Z. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

export interface TwoProportionResult {
  /** Rates of the candidate (a) and the baseline (b). */
  rateA: number;
  rateB: number;
  z: number;
  /** One-sided p-value for "a's rate is higher than b's". */
  pValue: number;
}

/**
 * Two-proportion z-test with the pooled standard error. One-sided: only a
 * candidate that is worse than the baseline matters for a rollback.
 */
export function twoProportionZTest(
  failuresA: number,
  totalA: number,
  failuresB: number,
  totalB: number,
): TwoProportionResult {
  const rateA = totalA > 0 ? failuresA / totalA : 0;
  const rateB = totalB > 0 ? failuresB / totalB : 0;
  const pooled = (failuresA + failuresB) / (totalA + totalB || 1);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / (totalA || 1) + 1 / (totalB || 1)));
  if (se === 0) return { rateA, rateB, z: 0, pValue: rateA > rateB ? 0 : 1 };
  const z = (rateA - rateB) / se;
  return { rateA, rateB, z, pValue: normalUpperTail(z) };
}

/** ln Γ(x) (Lanczos, g = 7, n = 9; |rel err| < 1e-13 for x > 0). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const xm = x - 1;
  let a = c[0] as number;
  const t = xm + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (xm + i);
  return 0.5 * Math.log(2 * Math.PI) + (xm + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized upper incomplete gamma Q(s, x) (series below s+1, continued fraction above). */
export function upperGammaQ(s: number, x: number): number {
  if (x <= 0) return 1;
  const lnPre = -x + s * Math.log(x) - logGamma(s);
  if (x < s + 1) {
    let sum = 1 / s;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (s + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPre));
  }
  // Lentz's continued fraction for Q.
  const tiny = 1e-300;
  let b = x + 1 - s;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(lnPre) * h;
}

/** P(X > x) for X ~ chi-square with `df` degrees of freedom. */
export function chiSquareUpperTail(x: number, df: number): number {
  return upperGammaQ(df / 2, x / 2);
}

export interface SrmResult {
  chiSquare: number;
  df: number;
  pValue: number;
}

/**
 * Sample-ratio mismatch: chi-square goodness of fit of observed counts per
 * arm against the expected shares (any positive weights; normalized here).
 * Arms with an expected share of 0 are left out of the test.
 */
export function sampleRatioMismatch(observed: number[], expectedShares: number[]): SrmResult {
  const total = observed.reduce((a, b) => a + b, 0);
  const weight = expectedShares.reduce((a, b) => a + b, 0);
  let chiSquare = 0;
  let cells = 0;
  observed.forEach((o, i) => {
    const share = (expectedShares[i] ?? 0) / (weight || 1);
    if (share <= 0) return;
    const expected = total * share;
    chiSquare += ((o - expected) * (o - expected)) / expected;
    cells++;
  });
  const df = Math.max(1, cells - 1);
  return {
    chiSquare,
    df,
    pValue: total === 0 || cells < 2 ? 1 : chiSquareUpperTail(chiSquare, df),
  };
}
