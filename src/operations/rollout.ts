/**
 * The document changes a rollout makes: set the canary share for a step,
 * kill the canary on a rollback, and promote the canary to live.
 *
 * Layer: operations (pure). The analyzer (src/rollout/analyzer.ts) and the
 * manual rollout commands use these, so an automatic rollback is the same
 * change as `npm run router -- canary kill`. Promotion makes the canary
 * origin live and removes both the canary and the finished plan.
 */
import type { DocChange } from "../rollout/state-machine.ts";
import type { RoutingDocument } from "../schema/routing-document.ts";
import { canaryKill, canarySet } from "./canary.ts";
import { draftOf, finish, type OperationMeta, type OperationResult, refuse } from "./operation.ts";
import { dropShadowOfLive } from "./shadow.ts";

/** Null when the change is no change. */
export function applyRolloutChange(
  doc: RoutingDocument,
  change: DocChange,
  meta: OperationMeta,
): OperationResult | null {
  if (!change) return null;
  const canary = doc.canary;
  if (!canary) return refuse("canary", "a rollout needs a canary block (origin and salt)");
  switch (change.kind) {
    case "set-share":
      if (canary.shareBp === change.shareBp && !canary.killed) return null;
      return canarySet(doc, { shareBp: change.shareBp }, meta);
    case "kill":
      return canary.killed ? null : canaryKill(doc, meta);
    case "flip": {
      const draft = draftOf(doc);
      draft.live = canary.origin;
      // The plan is done: its record stays in `rollout:<service>` and the history.
      delete draft.canary;
      delete draft.rollout;
      const note = dropShadowOfLive(draft, canary.origin);
      return finish(
        doc.service,
        doc.version,
        draft,
        meta,
        `rollout promoted ${canary.origin} to live (was ${doc.live})${note}`,
      );
    }
  }
}
