/**
 * Shadow-mode operations: on (start or resume mirroring), set (change it),
 * off (pause; settings kept), remove (drop the block).
 *
 * Layer: document, edits (pure). The `shadow` block belongs to the schema
 * (src/document/routing-document.ts): `origin` and `shareBp`, an `enabled`
 * switch, and tuning fields with defaults, which these operations keep
 * untouched. A block written here may leave the defaults out (it is the
 * schema's input shape); `finish` validates every result and fills them in.
 */
import type { RoutingDocument, RoutingDocumentInput, Shadow } from "../routing-document.ts";
import { draftOf, finish, type OperationMeta, type OperationResult, refuse } from "./operation.ts";
import { formatBp } from "./shares.ts";

/** A shadow block as an author may write it (defaults optional). */
type ShadowInput = NonNullable<RoutingDocumentInput["shadow"]>;

function withShadow(doc: RoutingDocument, shadow: ShadowInput | undefined): RoutingDocumentInput {
  const draft: RoutingDocumentInput = draftOf(doc);
  if (shadow) draft.shadow = shadow;
  else delete draft.shadow;
  return draft;
}

const describe = (s: Pick<Shadow, "origin" | "shareBp">) =>
  `${formatBp(s.shareBp)} mirrored to ${s.origin}`;

/** Starts mirroring, or resumes a paused shadow (optionally changing origin/share). */
export function shadowOn(
  doc: RoutingDocument,
  args: { origin?: string; shareBp?: number },
  meta: OperationMeta,
): OperationResult {
  const was = doc.shadow;
  const origin = args.origin ?? was?.origin;
  if (!origin) return refuse("shadow.origin", "there is no shadow yet: name its origin");
  if (was?.enabled !== false && was && args.origin === undefined && args.shareBp === undefined) {
    return refuse("shadow.enabled", "shadow mode is already on");
  }
  const next = { ...was, origin, shareBp: args.shareBp ?? was?.shareBp ?? 10_000, enabled: true };
  const change = `shadow on: ${describe(next)}${was ? ` (was ${describe(was)}${was.enabled === false ? ", paused" : ""})` : ""}`;
  return finish(doc.service, withShadow(doc, next), meta, change);
}

export function shadowSet(
  doc: RoutingDocument,
  args: { origin?: string; shareBp?: number },
  meta: OperationMeta,
): OperationResult {
  const was = doc.shadow;
  if (!was) return refuse("shadow", "there is no shadow; turn it on first");
  if (args.origin === undefined && args.shareBp === undefined) {
    return refuse("shadow", "nothing to set: give an origin and/or a share");
  }
  const next = { ...was, origin: args.origin ?? was.origin, shareBp: args.shareBp ?? was.shareBp };
  const change = `shadow set: ${describe(next)} (was ${describe(was)})`;
  return finish(doc.service, withShadow(doc, next), meta, change);
}

/** Pauses mirroring; the settings stay in the document for `shadow on`. */
export function shadowOff(doc: RoutingDocument, meta: OperationMeta): OperationResult {
  const was = doc.shadow;
  if (!was || was.enabled === false) return refuse("shadow.enabled", "shadow mode is already off");
  const next = { ...was, enabled: false };
  return finish(doc.service, withShadow(doc, next), meta, `shadow off (was ${describe(was)})`);
}

/** Drops the shadow block entirely. */
export function shadowRemove(doc: RoutingDocument, meta: OperationMeta): OperationResult {
  const was = doc.shadow;
  if (!was) return refuse("shadow", "there is no shadow to remove");
  return finish(
    doc.service,
    withShadow(doc, undefined),
    meta,
    `shadow removed (was ${describe(was)})`,
  );
}

/**
 * For operations that make `origin` live (flip, promote): a shadow of the
 * new live origin would mirror traffic to itself, so its block is dropped.
 * Returns the note for the change summary ("" when nothing was dropped).
 */
export function dropShadowOfLive(draft: RoutingDocument, origin: string): string {
  if (draft.shadow?.origin !== origin) return "";
  delete draft.shadow;
  return ` (shadow of ${origin} removed)`;
}
