/**
 * Turns merged request metrics (and the shadow summary, when there is one)
 * into the numbers the gates judge.
 *
 * Layer: pure core.
 */

import { own } from "../dict.ts";
import { type ShadowSummary, viewSummary } from "../shadow/summary.ts";
import type { RolloutMetrics, ShadowMetrics } from "./gates.ts";
import { armSummary, type VersionMetrics } from "./request-metrics.ts";

/** The shadow gates' numbers: compared pairs, agreement, mean |Δscore| and its histogram. */
export type ShadowView = ShadowMetrics;

export function rolloutMetrics(
  m: VersionMetrics,
  live: string,
  canary: string,
  shadow: ShadowView | null,
): RolloutMetrics {
  const identifiedCanary = m.identified.canary ?? 0;
  const identifiedAll = Object.values(m.identified).reduce((a, b) => a + b, 0);
  return {
    live: { ...armSummary(m, live), latencyMs: own(m.arms, live)?.latencyMs },
    canary: { ...armSummary(m, canary), latencyMs: own(m.arms, canary)?.latencyMs },
    split: { canary: identifiedCanary, others: identifiedAll - identifiedCanary },
    shadow,
    revision: m.revision,
  };
}

/** The shadow gates' numbers from a merged shadow summary (no summary yet: no pairs). */
export function shadowViewOf(summary: ShadowSummary | null): ShadowView {
  if (!summary) return { pairs: 0, agreementRate: 0, meanAbsDelta: 0, agreed: 0 };
  const view = viewSummary(summary);
  return {
    pairs: view.compared,
    agreementRate: view.agreementRate ?? 0,
    meanAbsDelta: view.meanAbsDelta ?? 0,
    agreed: summary.agreed,
    absDelta: summary.absDelta,
  };
}
