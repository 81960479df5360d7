/**
 * Turns merged request metrics (and the shadow summary, when there is one)
 * into the numbers the gates judge.
 *
 * Layer: pure core.
 */

import { own } from "../dict.ts";
import { type ShadowSummary, viewSummary } from "../shadow/summary.ts";
import { shadowUserSumsFrom } from "../shadow/user-clusters.ts";
import type { RolloutMetrics, ShadowMetrics } from "./gates.ts";
import { armSummary, type VersionMetrics } from "./request-metrics.ts";
import { distinctUsers, emptySeenUsers, mergeSeenUsers } from "./user-sums.ts";

/** The shadow gates' numbers: compared pairs, agreement, mean |Δscore| and its histogram. */
export type ShadowView = ShadowMetrics;

export function rolloutMetrics(
  m: VersionMetrics,
  live: string,
  canary: string,
  shadow: ShadowView | null,
): RolloutMetrics {
  let others = emptySeenUsers();
  for (const [name, arm] of Object.entries(m.arms))
    if (name !== canary && arm.seen) others = mergeSeenUsers(others, arm.seen);
  const canaryUsers = distinctUsers(own(m.arms, canary)?.seen ?? emptySeenUsers());
  const otherUsers = distinctUsers(others);
  const armOf = (name: string) => {
    const arm = own(m.arms, name);
    return { ...armSummary(m, name), latencyMs: arm?.latencyMs, users: arm?.users };
  };
  return {
    live: armOf(live),
    canary: armOf(canary),
    split:
      canaryUsers === null || otherUsers === null
        ? null
        : { canary: canaryUsers, others: otherUsers },
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
    users: shadowUserSumsFrom(summary.byUser) ?? undefined,
  };
}
