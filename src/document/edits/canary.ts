/**
 * Canary operations: set (start or change), ramp (next step), kill, remove.
 *
 * Layer: document, edits (pure). Invariants:
 *   - ramping keeps the salt, so every user already in the canary stays in it
 *     (the canary owns buckets [0, shareBp) of its own hash);
 *   - a new canary origin gets a new salt unless one is given, so a new
 *     rollout starts from a fresh sample of users;
 *   - a killed canary is not ramped: resuming it takes an explicit `set`.
 */
import type { RoutingDocument } from "../routing-document.ts";
import {
  addOrigin,
  draftOf,
  finish,
  type OperationMeta,
  type OperationResult,
  refuse,
} from "./operation.ts";
import { formatBp } from "./shares.ts";

/** The default ramp ladder in basis points: 1 %, 5 %, 10 %, 25 %, 50 %, 100 %. */
export const RAMP_LADDER: readonly number[] = [100, 500, 1000, 2500, 5000, 10000];

export interface CanarySetArgs {
  /** Canary origin; required when there is no canary yet. */
  origin?: string;
  /** Add this origin (name -> URL) to "origins" first. */
  url?: string;
  shareBp: number;
  salt?: string;
}

export function canarySet(
  doc: RoutingDocument,
  args: CanarySetArgs,
  meta: OperationMeta,
): OperationResult {
  const origin = args.origin ?? doc.canary?.origin;
  if (!origin) return refuse("canary.origin", "there is no canary yet: name its origin");
  const draft = draftOf(doc);
  if (args.url !== undefined) {
    const refused = addOrigin(draft, origin, args.url);
    if (refused) return refused;
  }
  const sameRollout = doc.canary?.origin === origin;
  const salt =
    args.salt ??
    (sameRollout && doc.canary ? doc.canary.salt : `${doc.service}-${origin}-${meta.now}`);
  draft.canary = { origin, shareBp: args.shareBp, salt, killed: false };
  const was = doc.canary;
  const change = !was
    ? `canary ${origin} started at ${formatBp(args.shareBp)}`
    : `canary ${origin} set to ${formatBp(args.shareBp)} (was ${was.origin} ${formatBp(was.shareBp)}${was.killed ? ", killed" : ""})`;
  return finish(doc.service, draft, meta, change);
}

/** The next ladder step above `shareBp`, or null at 100 %. */
export function nextRampStep(
  shareBp: number,
  ladder: readonly number[] = RAMP_LADDER,
): number | null {
  return ladder.find((step) => step > shareBp) ?? null;
}

export function canaryRamp(
  doc: RoutingDocument,
  args: { toBp?: number },
  meta: OperationMeta,
): OperationResult {
  const canary = doc.canary;
  if (!canary) return refuse("canary", "there is no canary to ramp");
  if (canary.killed) {
    return refuse("canary.killed", "the canary is killed; resume it with `canary set` first");
  }
  const to = args.toBp ?? nextRampStep(canary.shareBp);
  if (to === null) return refuse("canary.shareBp", "the canary is already at 100%");
  if (to === canary.shareBp) {
    return refuse("canary.shareBp", `the canary is already at ${formatBp(to)}`);
  }
  const draft = draftOf(doc);
  draft.canary = { ...canary, shareBp: to };
  return finish(
    doc.service,
    draft,
    meta,
    `canary ${canary.origin} ramped ${formatBp(canary.shareBp)} -> ${formatBp(to)}`,
  );
}

/** Kill switch: everyone back to live at once; the share is kept for the record. */
export function canaryKill(doc: RoutingDocument, meta: OperationMeta): OperationResult {
  const canary = doc.canary;
  if (!canary) return refuse("canary", "there is no canary to kill");
  if (canary.killed) return refuse("canary.killed", "the canary is already killed");
  const draft = draftOf(doc);
  draft.canary = { ...canary, killed: true };
  return finish(
    doc.service,
    draft,
    meta,
    `canary ${canary.origin} killed (was ${formatBp(canary.shareBp)})`,
  );
}

/** Removes the canary block; its origin stays in "origins". */
export function canaryRemove(doc: RoutingDocument, meta: OperationMeta): OperationResult {
  const canary = doc.canary;
  if (!canary) return refuse("canary", "there is no canary to remove");
  const draft = draftOf(doc);
  delete draft.canary;
  return finish(doc.service, draft, meta, `canary ${canary.origin} removed`);
}
