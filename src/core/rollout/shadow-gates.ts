/**
 * The shadow gates: label agreement and mean |Δscore| over every compared
 * pair of the shadow's summary, each an anytime-valid interval test against
 * the plan's bound (src/core/rollout/sequential.ts), its variance times how
 * much the pairs cluster by user (src/core/rollout/dispersion.ts: the
 * jackknife over the summary's user clusters for disagreements, the design
 * effect of log |Δscore| for the mean). A shadow whose answers carry no
 * score (free text compared by similarity, a label alone) passes the
 * |Δscore| gate once it has minPairs compared pairs: agreement judges it.
 *
 * Layer: pure core.
 */
import { ABS_DELTA, bucketUpperBound } from "../histogram.ts";
import { dispersion, logDispersion } from "./dispersion.ts";
import { evidenceOf, interval, verdictWords } from "./gate-evidence.ts";
import { count, num, pct } from "./gate-words.ts";
import type { GateContext, GateResult, RolloutMetrics } from "./gates.ts";
import type { GateRules } from "./plan.ts";
import { testMean, testRate } from "./sequential.ts";

/**
 * Mixing sd of the agreement test: quickest for distances of about one
 * percentage point (gates:bench: 0.005 and 0.02 were each slower on some
 * of 1% -> 2% / 1% -> 5%).
 */
export const RATE_MIXING_SD = 0.01;
/** Mixing sd of the |Δscore| test, as a fraction of the bound. */
export const DELTA_MIXING_FRACTION = 0.25;

const clustering = (phi: number) =>
  phi > 1.05 ? `; users' clustering counted (dispersion ${num(phi)})` : "";

export function shadowGates(rules: GateRules, m: RolloutMetrics, ctx: GateContext): GateResult[] {
  const g = rules.shadow;
  if (!g) return [];
  const s = m.shadow;
  const out: GateResult[] = [];
  // Agreement, judged as its complement: the disagreement rate may be at most 1 - minAgreement.
  if (!s || s.pairs < g.minPairs) {
    out.push({
      gate: "shadow-agreement",
      outcome: "inconclusive",
      detail: `${count(s?.pairs ?? 0)} compared shadow pairs (need ${count(g.minPairs)})`,
    });
  } else {
    const agreed = s.agreed ?? Math.round(s.agreementRate * s.pairs);
    const phi = s.users ? dispersion([{ trials: s.users.compared, events: s.users.disagreed }]) : 1;
    const t = testRate(
      { trials: s.pairs, events: s.pairs - agreed },
      {
        alpha: ctx.alphas["shadow-agreement"] as number,
        bound: 1 - g.minAgreement,
        mixingSd: RATE_MIXING_SD,
        dispersion: phi,
      },
    );
    const asAgreement = {
      ...t,
      effect: 1 - t.effect,
      lo: 1 - t.hi,
      hi: 1 - t.lo,
      bound: g.minAgreement,
    };
    out.push({
      gate: "shadow-agreement",
      outcome: t.outcome,
      detail: `label agreement ${pct(agreed / s.pairs)} over ${count(s.pairs)} pairs (${interval(asAgreement, pct)})${verdictWords(t, s.pairs, "pairs", `the ${pct(g.minAgreement)} minimum`)}${clustering(phi)}`,
      evidence: evidenceOf(asAgreement, "shadow label agreement", s.pairs, s.pairs),
    });
  }
  const h = s?.absDelta;
  if (s && s.pairs >= g.minPairs && (h?.n ?? 0) === 0) {
    // Answers without a score (an LLM's text, a label alone): nothing to
    // bound, and waiting for scores that never come would hold every step.
    out.push({
      gate: "shadow-delta",
      outcome: "pass",
      detail: `no scored pairs among ${count(s.pairs)} compared: answers without a score are judged by agreement alone`,
    });
  } else if (!s || !h || h.n < g.minPairs) {
    out.push({
      gate: "shadow-delta",
      outcome: "inconclusive",
      detail: `${count(h?.n ?? 0)} scored shadow pairs (need ${count(g.minPairs)})`,
    });
  } else {
    const mean = h.sum / h.n;
    // Second moment from the buckets' upper ends (clamped to the largest value seen):
    // at least the true one, so the variance errs on the wide side.
    let second = 0;
    for (const [k, c] of Object.entries(h.counts)) {
      const ub = Math.min(h.hi ?? Infinity, bucketUpperBound(ABS_DELTA, Number(k)));
      second += c * ub * ub;
    }
    // At least (5% of the mean)^2: the histogram's resolution, so identical values do not give 0.
    const spread = Math.max(second / h.n - mean * mean, (0.05 * mean) ** 2, 1e-24);
    const phi = s.users
      ? logDispersion([{ n: s.users.scored, sum: s.users.logAbs, sq: s.users.logAbsSq }])
      : 1;
    const variance = phi * spread;
    const t = testMean(
      { n: h.n, mean, variance },
      {
        alpha: ctx.alphas["shadow-delta"] as number,
        bound: g.maxMeanAbsDelta,
        mixingSd: Math.max(1e-9, g.maxMeanAbsDelta * DELTA_MIXING_FRACTION),
      },
    );
    const lo = { ...t, lo: Math.max(0, t.lo) };
    out.push({
      gate: "shadow-delta",
      outcome: t.outcome,
      detail: `mean |Δscore| ${num(mean)} over ${count(h.n)} pairs (${interval(lo, num)})${verdictWords(t, h.n, "pairs", `the ${num(g.maxMeanAbsDelta)} maximum`)}${clustering(phi)}`,
      evidence: evidenceOf(lo, "shadow mean |Δscore|", h.n, h.n),
    });
  }
  return out;
}
