/**
 * What the rollout commands get from a running router's admin API
 * (`/_router/admin/services/<service>/rollout...`): the rollout view, the
 * analyzer's outcome, and the paths. The client itself (the router's URL,
 * its token, errors an operator can act on) is scripts/cli/api.ts.
 *
 * Layer: CLI. The analyzer runs inside each service's control object (a
 * Durable Object of the router, on its alarm), next to the exact metrics the
 * isolates check in and the rollout's status record; KV holds neither (no
 * `rollout:` or `metrics:` keys), so these commands always ask the router
 * and have no --direct mode.
 */
import type { AnalysisOutcome } from "../../../src/app/rollout/analyzer.ts";
import type {
  ArmView,
  RolloutView as CoreRolloutView,
} from "../../../src/core/rollout/rollout-view.ts";
import type { RolloutPlan } from "../../../src/document/rollout-plan.ts";

/** GET /_router/admin/services/<service>/rollout: the one rollout view (src/core/rollout/rollout-view.ts). */
export type RolloutView = CoreRolloutView<RolloutPlan>;
export type { AnalysisOutcome, ArmView };

export const rolloutPath = (service: string, action = "") =>
  `/services/${encodeURIComponent(service)}/rollout${action ? `/${action}` : ""}`;

const iso = (ms: number | null | undefined) =>
  typeof ms === "number" ? new Date(ms).toISOString() : (ms ?? null);

/**
 * The view for --json: every time in ISO 8601, like the documents (the
 * API's view keeps epoch milliseconds; the text rendering reads those).
 */
export function viewJson(view: RolloutView) {
  const status = view.status;
  return {
    ...view,
    now: iso(view.now),
    status: status && {
      ...status,
      stepStartedAt: iso(status.stepStartedAt),
      startedAt: iso(status.startedAt),
      updatedAt: iso(status.updatedAt),
      timeline: status.timeline.map((e) => ({ ...e, at: iso(e.at) })),
      ...(status.lastEvaluation
        ? { lastEvaluation: { ...status.lastEvaluation, at: iso(status.lastEvaluation.at) } }
        : {}),
    },
    metrics: {
      ...view.metrics,
      firstAt: iso(view.metrics.firstAt),
      lastAt: iso(view.metrics.lastAt),
    },
  };
}
