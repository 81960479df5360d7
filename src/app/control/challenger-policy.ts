/**
 * The challenger policy (a document's `challengerPolicy.removeWhenWorse`):
 * once a minute, on the alarm, the control object builds the service's
 * leaderboard from its own exact sums (src/app/outcomes/challenger-board.ts)
 * and removes the first challenger shown worse than the champion, through
 * the one write pipeline (source "policy", the challenger's standing as the
 * evidence): its users go back to the champion. One removal per look: the
 * write starts a new revision, whose board the next look judges.
 *
 * The verdict's error bound is the board's: an identical challenger is
 * called worse on some metric, at any look, with probability at most
 * BOARD_ALPHA (gates:bench section f measures it over a day of looks).
 *
 * Layer: app (control use case).
 */
import { emptyVersionMetrics, revisionOf } from "../../core/rollout/request-metrics.ts";
import { challengerRemove } from "../../document/edits/challenger.ts";
import { challengerBoard } from "../outcomes/challenger-board.ts";
import { WriteRefused, writeService } from "../write-service.ts";
import { flush } from "./check-in.ts";
import { objectStore } from "./commit.ts";
import type { ControlContext } from "./context.ts";

export const POLICY_AUTHOR = "challenger-policy";

/** One look; the challenger it removed, or null. */
export async function applyChallengerPolicy(
  ctx: ControlContext,
  now: number,
): Promise<string | null> {
  const doc = ctx.serving.get().doc;
  if (!doc?.challengerPolicy?.removeWhenWorse || doc.challengers.length === 0) return null;
  flush(ctx, now);
  const { service, state } = ctx;
  const board = await challengerBoard(
    doc,
    {
      metrics: {
        read: async (d) =>
          state.metrics(service, revisionOf(d)) ??
          emptyVersionMetrics(service, d.version, revisionOf(d), 0),
      },
      controlPlane: { series: async (_s, since) => state.series(since) },
      outcomes: { cells: async () => ctx.outcomeCells() },
    },
    now,
  );
  const worse = board.challengers.find((c) => c.verdict === "worse");
  if (!worse) return null;
  const shownWorse = worse.metrics.filter((m) => m.verdict === "worse");
  const reason = `challenger ${worse.challenger} shown worse than ${board.champion} on ${shownWorse.map((m) => m.metric).join(", ")} (alpha ${board.alpha} per challenger, any look)`;
  try {
    await writeService(objectStore(ctx), {
      service,
      meta: { author: POLICY_AUTHOR, now: new Date(now).toISOString() },
      expectedVersion: doc.version,
      source: "policy",
      evidence: { event: "remove-worse", reason, revision: board.revision, standing: worse },
      edit: (current, meta) => challengerRemove(current, { origin: worse.challenger }, meta),
    });
  } catch (err) {
    // Someone wrote meanwhile: the next look judges the new revision.
    if (err instanceof WriteRefused) {
      ctx.log("challenger policy: write refused", { service, error: err.message, level: "warn" });
      return null;
    }
    throw err;
  }
  ctx.log("challenger policy: removed a challenger shown worse", {
    service,
    reason,
    level: "warn",
  });
  return worse.challenger;
}
