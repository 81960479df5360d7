/**
 * The split check (sample-ratio mismatch): did the canary get its share of
 * USERS? Assignment hashes the user id, so users are the assigned units:
 * counting requests instead would let one heavy or looping client, or just
 * ordinary heavy-tailed traffic, look like a broken split (the request share
 * of an arm has about 1 + requests-per-user times the binomial variance).
 *
 * Layer: pure core. Distinct users per arm come from the arms' bitmaps
 * (src/core/rollout/user-sums.ts); under a correct split each new user is
 * the canary's with probability share, so the Beta-Binomial Bayes factor
 * (src/core/rollout/sequential.ts sequentialSrm) is exact and anytime-valid
 * over users. A mismatch does not say the canary is worse: the state machine
 * pauses the rollout on it (a client that invents ids can hold a rollout,
 * never roll a healthy canary back).
 */
import { count, pct } from "./gate-words.ts";
import type { GateContext, GateResult, RolloutMetrics } from "./gates.ts";
import { DEFAULT_SRM_CONCENTRATION, sequentialSrm } from "./srm-test.ts";

export function srmGate(m: RolloutMetrics, ctx: GateContext): GateResult {
  const expected = ctx.shareBp / 10_000;
  if (!m.split) {
    return {
      gate: "srm",
      outcome: "pass",
      detail:
        "more users than the split check counts (about 45,000 per arm): it judged the step's first users",
    };
  }
  const { canary, others } = m.split;
  const total = canary + others;
  if (total === 0) {
    return {
      gate: "srm",
      outcome: "inconclusive",
      detail: "no identified users to check the split",
    };
  }
  const alpha = ctx.alphas.srm as number;
  const r = sequentialSrm(canary, others, expected, {
    alpha,
    concentration: DEFAULT_SRM_CONCENTRATION,
  });
  const got = `canary got ${pct(r.observedShare)} of ${count(total)} users for a ${pct(expected)} share`;
  const detail =
    expected <= 0 || expected >= 1
      ? `${got}: a ${pct(expected)} share cannot mismatch`
      : r.outcome === "fail"
        ? `${got} (interval ${pct(r.lo)} to ${pct(r.hi)}): the split of users is broken (log BF ${r.statistic.toFixed(1)} >= ${r.boundary.toFixed(1)}); the other gates cannot be trusted: check the assignment and identity (are ids invented per request?)`
        : `${got} (interval ${pct(r.lo)} to ${pct(r.hi)}): no mismatch`;
  return {
    gate: "srm",
    outcome: r.outcome,
    detail,
    evidence: {
      measure: "canary share of identified users",
      effect: r.observedShare,
      lo: r.lo,
      hi: r.hi,
      bound: expected,
      statistic: r.statistic,
      boundary: r.boundary,
      alpha,
      candidate: canary,
      reference: total,
    },
  };
}
