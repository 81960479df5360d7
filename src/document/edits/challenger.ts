/**
 * Champion-challenger operations: add, set, remove, promote.
 *
 * Layer: document, edits (pure). Each challenger owns a fixed bucket range
 * [startBp, startBp + shareBp) of the shared challenger hash. Invariants:
 *   - `add` without a start takes the FIRST free range that fits, so existing
 *     challengers keep exactly their users;
 *   - `set` keeps the start unless one is given (moving a range reshuffles
 *     its users);
 *   - `promote` makes the challenger live (the champion) and drops it from
 *     the challengers; the old live origin stays in "origins", idle.
 */
import { BUCKETS } from "../../core/routing/bucket.ts";
import type { RoutingDocument } from "../routing-document.ts";
import {
  addOrigin,
  draftOf,
  finish,
  type OperationMeta,
  type OperationResult,
  refuse,
} from "./operation.ts";
import { dropShadowOfLive } from "./shadow.ts";
import { formatBp, rangeText } from "./shares.ts";

type Range = { startBp: number; shareBp: number };

/** The lowest start where `shareBp` buckets fit between the taken ranges, or null. */
export function firstFreeStart(taken: readonly Range[], shareBp: number): number | null {
  const sorted = taken.filter((r) => r.shareBp > 0).sort((a, b) => a.startBp - b.startBp);
  let start = 0;
  for (const range of sorted) {
    if (range.startBp - start >= shareBp) return start;
    start = Math.max(start, range.startBp + range.shareBp);
  }
  return BUCKETS - start >= shareBp ? start : null;
}

const indexOf = (doc: RoutingDocument, origin: string) =>
  doc.challengers.findIndex((c) => c.origin === origin);

export interface ChallengerAddArgs {
  origin: string;
  shareBp: number;
  startBp?: number;
  /** Add this origin (name -> URL) to "origins" first. */
  url?: string;
}

export function challengerAdd(
  doc: RoutingDocument,
  args: ChallengerAddArgs,
  meta: OperationMeta,
): OperationResult {
  if (indexOf(doc, args.origin) >= 0) {
    return refuse("challengers", `"${args.origin}" is already a challenger; use set`);
  }
  const startBp = args.startBp ?? firstFreeStart(doc.challengers, args.shareBp);
  if (startBp === null) {
    return refuse("challengers", `no free bucket range of ${formatBp(args.shareBp)} is left`);
  }
  const draft = draftOf(doc);
  if (args.url !== undefined) {
    const refused = addOrigin(draft, args.origin, args.url);
    if (refused) return refused;
  }
  draft.challengerSalt ??= `${doc.service}-challengers-${meta.now}`;
  const added = { origin: args.origin, startBp, shareBp: args.shareBp };
  draft.challengers = [...draft.challengers, added];
  return finish(doc.service, draft, meta, `challenger ${args.origin} added (${rangeText(added)})`);
}

export function challengerSet(
  doc: RoutingDocument,
  args: { origin: string; shareBp?: number; startBp?: number },
  meta: OperationMeta,
): OperationResult {
  const i = indexOf(doc, args.origin);
  const current = doc.challengers[i];
  if (!current) return refuse("challengers", `"${args.origin}" is not a challenger`);
  if (args.shareBp === undefined && args.startBp === undefined) {
    return refuse("challengers", "nothing to set: give a share and/or a start");
  }
  const next = {
    origin: current.origin,
    startBp: args.startBp ?? current.startBp,
    shareBp: args.shareBp ?? current.shareBp,
  };
  const draft = draftOf(doc);
  draft.challengers[i] = next;
  return finish(
    doc.service,
    draft,
    meta,
    `challenger ${args.origin} set to ${rangeText(next)} (was ${rangeText(current)})`,
  );
}

export function challengerRemove(
  doc: RoutingDocument,
  args: { origin: string },
  meta: OperationMeta,
): OperationResult {
  const i = indexOf(doc, args.origin);
  if (i < 0) return refuse("challengers", `"${args.origin}" is not a challenger`);
  const draft = draftOf(doc);
  draft.challengers.splice(i, 1);
  return finish(doc.service, draft, meta, `challenger ${args.origin} removed`);
}

export function challengerPromote(
  doc: RoutingDocument,
  args: { origin: string },
  meta: OperationMeta,
): OperationResult {
  const i = indexOf(doc, args.origin);
  if (i < 0) return refuse("challengers", `"${args.origin}" is not a challenger`);
  const draft = draftOf(doc);
  draft.challengers.splice(i, 1);
  draft.live = args.origin;
  const note = dropShadowOfLive(draft, args.origin);
  return finish(
    doc.service,
    draft,
    meta,
    `challenger ${args.origin} promoted to champion (live ${doc.live} -> ${args.origin})${note}`,
  );
}
