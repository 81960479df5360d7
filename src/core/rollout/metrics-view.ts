/**
 * Turns merged request metrics (and the shadow summary, when there is one)
 * into the numbers the gates judge.
 *
 * Layer: pure core.
 */

import { type ShadowSummary, viewSummary } from "../shadow/summary.ts";
import type { RolloutMetrics } from "./gates.ts";
import { armSummary, type VersionMetrics } from "./request-metrics.ts";

export interface ShadowView {
  pairs: number;
  agreementRate: number;
  meanAbsDelta: number;
}

export function rolloutMetrics(
  m: VersionMetrics,
  live: string,
  canary: string,
  shadow: ShadowView | null,
): RolloutMetrics {
  const identifiedCanary = m.identified.canary ?? 0;
  const identifiedAll = Object.values(m.identified).reduce((a, b) => a + b, 0);
  return {
    live: armSummary(m, live),
    canary: armSummary(m, canary),
    split: { canary: identifiedCanary, others: identifiedAll - identifiedCanary },
    shadow,
  };
}

/** The shadow gates' numbers from a merged shadow summary (no summary yet: no pairs). */
export function shadowViewOf(summary: ShadowSummary | null): ShadowView {
  if (!summary) return { pairs: 0, agreementRate: 0, meanAbsDelta: 0 };
  const view = viewSummary(summary);
  return {
    pairs: view.compared,
    agreementRate: view.agreementRate ?? 0,
    meanAbsDelta: view.meanAbsDelta ?? 0,
  };
}
