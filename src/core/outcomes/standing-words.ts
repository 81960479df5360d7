/**
 * A leaderboard row in words, the same in the CLI (`router challenger
 * status`) and the dashboard: a mean in the metric's unit (rates in
 * percent, latency as the geometric mean in ms from the mean of
 * 100 ln ms, other outcomes as numbers), a difference (percentage points,
 * a latency ratio, a signed number), and what an undecided row still needs.
 *
 * Layer: pure core.
 */
import type { MetricStanding } from "./leaderboard.ts";

const sig = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
const signed = (text: string, x: number) => (x >= 0 ? `+${text}` : text);

export function meanWords(unit: MetricStanding["unit"], mean: number | null): string {
  if (mean === null) return "–";
  if (unit === "rate") return `${(mean * 100).toFixed(1)}%`;
  if (unit === "log-ms") return `${sig(Math.exp(mean / 100))} ms`;
  return sig(mean);
}

export function differenceWords(unit: MetricStanding["unit"], x: number): string {
  if (unit === "rate") return signed(`${(x * 100).toFixed(1)} pp`, x);
  if (unit === "log-ms") return `x${Math.exp(x / 100).toFixed(2)}`;
  return signed(sig(x), x);
}

/** "+21.6 pp (+7.9 pp to +35.3 pp)", or "–" without an estimate. */
export function intervalWords(s: MetricStanding): string {
  if (s.effect === null || s.lo === null || s.hi === null) return "–";
  return `${differenceWords(s.unit, s.effect)} (${differenceWords(s.unit, s.lo)} to ${differenceWords(s.unit, s.hi)})`;
}

export function needsWords(s: MetricStanding): string {
  if (s.verdict !== "undecided") return "decided";
  if (s.moreNeeded === null) return s.effect === null ? "no data yet" : "cannot tell (at 0)";
  const more = `about ${s.moreNeeded.toLocaleString("en-US")} more`;
  return s.minutes === null ? more : `${more} (~${Math.ceil(s.minutes)} min)`;
}
