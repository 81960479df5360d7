/**
 * What every judged gate reports: its evidence from an interval test, and
 * the end of its sentence ("beyond the +0.5 pp allowed; boundary crossed
 * after 4,100 canary requests").
 *
 * Layer: pure core.
 */
import { count } from "./gate-words.ts";
import type { GateEvidence } from "./gates.ts";
import { type IntervalTest, moreNeeded } from "./sequential.ts";

export function evidenceOf(
  t: IntervalTest,
  measure: string,
  candidate: number,
  reference: number,
): GateEvidence {
  const e: GateEvidence = {
    measure,
    effect: t.effect,
    lo: t.lo,
    hi: t.hi,
    bound: t.bound,
    statistic: t.statistic,
    boundary: t.boundary,
    alpha: t.alpha,
    candidate,
    reference,
  };
  if (t.outcome === "inconclusive") e.more = moreNeeded(t, candidate);
  return e;
}

/** ", beyond the +0.5 pp allowed; boundary crossed after 4,100 canary requests" and the like. */
export function verdictWords(t: IntervalTest, n: number, what: string, allowed: string): string {
  if (t.outcome === "fail")
    return `, beyond ${allowed}; boundary crossed after ${count(n)} ${what}`;
  if (t.outcome === "pass") return `, within ${allowed} after ${count(n)} ${what}`;
  const more = moreNeeded(t, n);
  const hint =
    more === null ? "it sits on the bound" : `about ${count(more)} more ${what} at this estimate`;
  return `: not yet beyond or within ${allowed} (${hint})`;
}

export const interval = (t: IntervalTest, f: (x: number) => string) =>
  `interval ${f(t.lo)} to ${f(t.hi)}`;
