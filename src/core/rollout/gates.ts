/**
 * The rollout gates: each turns the current step's measurements into
 * pass / fail / inconclusive, with the evidence that decided it.
 *
 * Layer: pure core. Order: minimum sample first (nothing else is judged
 * before both arms have it), then error rate, latency, shadow agreement and
 * sample-ratio mismatch.
 */
import type { GateRules } from "./plan.ts";
import { sampleRatioMismatch, twoProportionZTest } from "./stats.ts";

export interface ArmMetrics {
  requests: number;
  /** 5xx answers, timeouts and connection errors (before failover). */
  errors: number;
  p95Ms: number | null;
}

export interface RolloutMetrics {
  live: ArmMetrics;
  canary: ArmMetrics;
  /** Requests with a user id, by the arm the decision chose (for sample-ratio mismatch). */
  split: { canary: number; others: number };
  shadow: { pairs: number; agreementRate: number; meanAbsDelta: number } | null;
}

export type GateName =
  | "min-requests"
  | "error-rate"
  | "latency-p95"
  | "shadow-agreement"
  | "shadow-delta"
  | "srm";
export type GateOutcome = "pass" | "fail" | "inconclusive";

export interface GateResult {
  gate: GateName;
  outcome: GateOutcome;
  detail: string;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function evaluateGates(
  gates: GateRules,
  m: RolloutMetrics,
  canaryShareBp: number,
): GateResult[] {
  const enough = m.live.requests >= gates.minRequests && m.canary.requests >= gates.minRequests;
  const results: GateResult[] = [
    {
      gate: "min-requests",
      outcome: enough ? "pass" : "inconclusive",
      detail: `canary ${m.canary.requests}, live ${m.live.requests} requests (need ${gates.minRequests} each)`,
    },
  ];
  if (!enough) return results;

  const z = twoProportionZTest(m.canary.errors, m.canary.requests, m.live.errors, m.live.requests);
  const worse =
    z.pValue < gates.errorRate.maxPValue && z.rateA - z.rateB > gates.errorRate.minDelta;
  results.push({
    gate: "error-rate",
    outcome: worse ? "fail" : "pass",
    detail: `canary ${pct(z.rateA)} vs live ${pct(z.rateB)}, z=${z.z.toFixed(2)}, p=${z.pValue.toPrecision(3)} (fail if p < ${gates.errorRate.maxPValue} and Δ > ${pct(gates.errorRate.minDelta)})`,
  });

  if (m.canary.p95Ms === null || m.live.p95Ms === null || m.live.p95Ms <= 0) {
    results.push({ gate: "latency-p95", outcome: "inconclusive", detail: "no latency data" });
  } else {
    const ratio = m.canary.p95Ms / m.live.p95Ms;
    const slower = m.canary.p95Ms - m.live.p95Ms;
    const { max, minDeltaMs } = gates.latencyP95Ratio;
    results.push({
      gate: "latency-p95",
      outcome: ratio > max && slower > minDeltaMs ? "fail" : "pass",
      detail: `p95 canary ${m.canary.p95Ms.toFixed(1)} ms / live ${m.live.p95Ms.toFixed(1)} ms = ${ratio.toFixed(2)} (fail above ${max} and +${minDeltaMs} ms)`,
    });
  }

  if (gates.shadow) {
    const s = m.shadow;
    if (!s || s.pairs < gates.shadow.minPairs) {
      const detail = `${s?.pairs ?? 0} shadow pairs (need ${gates.shadow.minPairs})`;
      results.push({ gate: "shadow-agreement", outcome: "inconclusive", detail });
      results.push({ gate: "shadow-delta", outcome: "inconclusive", detail });
    } else {
      results.push({
        gate: "shadow-agreement",
        outcome: s.agreementRate < gates.shadow.minAgreement ? "fail" : "pass",
        detail: `label agreement ${pct(s.agreementRate)} over ${s.pairs} pairs (min ${pct(gates.shadow.minAgreement)})`,
      });
      results.push({
        gate: "shadow-delta",
        outcome: s.meanAbsDelta > gates.shadow.maxMeanAbsDelta ? "fail" : "pass",
        detail: `mean |Δscore| ${s.meanAbsDelta.toFixed(4)} (max ${gates.shadow.maxMeanAbsDelta})`,
      });
    }
  }

  const srm = sampleRatioMismatch(
    [m.split.canary, m.split.others],
    [canaryShareBp, 10_000 - canaryShareBp],
  );
  results.push({
    gate: "srm",
    outcome: srm.pValue < gates.srm.maxPValue ? "fail" : "pass",
    detail: `split canary ${m.split.canary} / others ${m.split.others} for ${canaryShareBp} bp: χ²=${srm.chiSquare.toFixed(2)}, p=${srm.pValue.toPrecision(3)} (alarm below ${gates.srm.maxPValue})`,
  });
  return results;
}
