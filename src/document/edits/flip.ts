/**
 * Blue-green flip: make another origin live, in one write.
 *
 * Layer: document, edits (pure). Without a target the flip goes to THE idle
 * origin: the one origin that is neither live nor a canary, a challenger or
 * the shadow. When there are several candidates the caller must name one,
 * so a flip never guesses. A shadow of the new live origin is dropped (the
 * schema forbids mirroring live to itself).
 */
import type { RoutingDocument } from "../routing-document.ts";
import { draftOf, finish, type OperationMeta, type OperationResult, refuse } from "./operation.ts";
import { dropShadowOfLive } from "./shadow.ts";
import { idleOrigins } from "./summary.ts";

export type FlipTarget = { ok: true; origin: string } | { ok: false; message: string };

/** The origin a flip would make live. */
export function flipTarget(doc: RoutingDocument, to?: string): FlipTarget {
  if (to !== undefined) {
    if (!Object.hasOwn(doc.origins, to)) {
      return { ok: false, message: `names no origin in "origins" (${Object.keys(doc.origins)})` };
    }
    if (to === doc.live) return { ok: false, message: `"${to}" is already live` };
    return { ok: true, origin: to };
  }
  const idle = idleOrigins(doc);
  if (idle.length === 1 && idle[0] !== undefined) return { ok: true, origin: idle[0] };
  return {
    ok: false,
    message:
      idle.length === 0
        ? "there is no idle origin to flip to; name the target origin"
        : `several idle origins (${idle.join(", ")}); name the one to flip to`,
  };
}

export function flip(
  doc: RoutingDocument,
  args: { to?: string },
  meta: OperationMeta,
): OperationResult {
  const target = flipTarget(doc, args.to);
  if (!target.ok) return refuse("live", target.message);
  const draft = draftOf(doc);
  draft.live = target.origin;
  const note = dropShadowOfLive(draft, target.origin);
  return finish(doc.service, draft, meta, `flip live ${doc.live} -> ${target.origin}${note}`);
}
