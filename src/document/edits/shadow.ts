/**
 * Shadow-mode operations: on (start or resume mirroring), set (change it),
 * off (pause; settings kept), remove (drop the block).
 *
 * Layer: document, edits (pure). The `shadow` block belongs to the schema
 * (src/document/routing-document.ts): at least `origin` and `shareBp`, an
 * `enabled` switch, and optional tuning fields, which these operations keep
 * untouched. Typing here is deliberately loose (the schema owns the shape);
 * every result is still validated by `finish`. If the schema has no shadow
 * field, every shadow operation is refused with a clear message.
 */
import { RoutingDocument } from "../routing-document.ts";
import { draftOf, finish, type OperationMeta, type OperationResult, refuse } from "./operation.ts";
import { formatBp } from "./shares.ts";

/** The fields these operations rely on; the schema defines more. */
export interface ShadowSettings {
  origin: string;
  shareBp: number;
  enabled?: boolean;
  [field: string]: unknown;
}

type Loose = { shadow?: ShadowSettings };

/** True when the routing-document schema has a `shadow` field. */
export function schemaHasShadow(): boolean {
  const shape = (RoutingDocument as unknown as { shape?: Record<string, unknown> }).shape;
  return shape !== undefined && Object.hasOwn(shape, "shadow");
}

const NO_SCHEMA = "the routing-document schema has no `shadow` field; nothing written";

export function shadowOf(doc: RoutingDocument): ShadowSettings | undefined {
  return (doc as unknown as Loose).shadow;
}

function withShadow(doc: RoutingDocument, shadow: ShadowSettings | undefined): RoutingDocument {
  const draft = draftOf(doc) as unknown as Loose;
  if (shadow) draft.shadow = shadow;
  else delete draft.shadow;
  return draft as unknown as RoutingDocument;
}

const describe = (s: ShadowSettings) => `${formatBp(s.shareBp)} mirrored to ${s.origin}`;

/** Starts mirroring, or resumes a paused shadow (optionally changing origin/share). */
export function shadowOn(
  doc: RoutingDocument,
  args: { origin?: string; shareBp?: number },
  meta: OperationMeta,
): OperationResult {
  if (!schemaHasShadow()) return refuse("shadow", NO_SCHEMA);
  const was = shadowOf(doc);
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
  if (!schemaHasShadow()) return refuse("shadow", NO_SCHEMA);
  const was = shadowOf(doc);
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
  if (!schemaHasShadow()) return refuse("shadow", NO_SCHEMA);
  const was = shadowOf(doc);
  if (!was || was.enabled === false) return refuse("shadow.enabled", "shadow mode is already off");
  const next = { ...was, enabled: false };
  return finish(doc.service, withShadow(doc, next), meta, `shadow off (was ${describe(was)})`);
}

/** Drops the shadow block entirely. */
export function shadowRemove(doc: RoutingDocument, meta: OperationMeta): OperationResult {
  if (!schemaHasShadow()) return refuse("shadow", NO_SCHEMA);
  const was = shadowOf(doc);
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
  const loose = draft as unknown as Loose;
  if (loose.shadow?.origin !== origin) return "";
  delete loose.shadow;
  return ` (shadow of ${origin} removed)`;
}
