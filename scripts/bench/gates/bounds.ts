/**
 * The numbers `npm run gates:bench` puts beside its measurements: Wilson
 * score intervals for rates, Wald's information limit for a detection time,
 * quantiles of times where some rollouts never ended that way, and how a
 * time is written in the tables.
 *
 * Layer: build-time script.
 */

/** z of a two-sided 95 % interval. */
export const Z95 = 1.959964;

/**
 * Wilson score interval for k successes in n trials (Wilson, "Probable
 * inference, the law of succession, and statistical inference", JASA 1927).
 */
export function wilson(k: number, n: number, z = Z95): [number, number] {
  if (n <= 0) return [0, 1];
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** KL(Bern(p1) || Bern(p0)), nats. */
export function klBernoulli(p1: number, p0: number): number {
  const term = (a: number, b: number) => (a === 0 ? 0 : a * Math.log(a / b));
  return term(p1, p0) + term(1 - p1, 1 - p0);
}

/**
 * Wald's information limit: no level-alpha test that stops on a worse
 * candidate (rate p1 instead of p0) can do so with fewer than about
 * ln(1 / alpha) / KL(Bern(p1) || Bern(p0)) candidate observations on
 * average (Wald & Wolfowitz 1948; the bound as alpha -> 0).
 */
export function waldRequests(alpha: number, p0: number, p1: number): number {
  return Math.log(1 / alpha) / klBernoulli(p1, p0);
}

/** Nearest-rank quantile; Infinity entries stand for "never" (censored). Null for none. */
export function quantile(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  ] as number;
}

/** 95 -> "1m35s", 3780 -> "1h03m"; Infinity (never) -> "never". */
export function minutes(seconds: number): string {
  if (!Number.isFinite(seconds)) return "never";
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m === 0) return `${s}s`;
  if (m < 60) return s ? `${m}m${s}s` : `${m}m`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
