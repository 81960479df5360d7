/**
 * The object's KV mirror: its document, history and last-good copy after a
 * write, an adoption or the import (so the wrangler-only runbook and cold
 * isolates see it), and the shadow summaries and notable pairs (so `npm
 * run shadow:report` and `wrangler kv key get` keep working). A failed
 * document mirror is logged and returned, never thrown: the write stands,
 * and the next poll retries it.
 *
 * Layer: app (control use case). What a mirror writes, and when to retry
 * it, is src/core/control/mirror-plan.ts.
 */
import { type MirrorCause, mirrored, mirrorPlan } from "../../core/control/mirror-plan.ts";
import type { ControlContext } from "./context.ts";

/** Mirrors the document the fleet routes by; the KV error, if any. */
export async function mirrorDocument(
  ctx: ControlContext,
  cause: MirrorCause,
): Promise<string | null> {
  const { document, history } = ctx.state.service("document", "history");
  const plan = mirrorPlan(document, cause);
  if (plan === null || document === null) return null;
  const version = ctx.serving.get().version;
  try {
    await ctx.kv.mirror(ctx.service, { document, history, documentInKv: !plan.writeDocument });
    // KV's document key holds the object's text only when this mirror wrote it.
    if (plan.writeDocument)
      ctx.state.setService(mirrored(ctx.state.service("kvVersion"), version, document));
    return null;
  } catch (err) {
    ctx.log("KV mirror failed; retried on the next alarm", {
      service: ctx.service,
      version,
      error: String(err),
    });
    return String(err);
  }
}

/**
 * Mirrors the merged summaries (one key each) and the notable pairs
 * recorded since the last mirror (one log batch), when something changed.
 */
export async function mirrorShadow(ctx: ControlContext, now: number): Promise<void> {
  const marks = ctx.state.shadowMirror();
  const records = ctx.state.shadowRecordsAfter(marks.mirroredRecord, 200);
  const summaries = ctx.state.shadowSummaries();
  // Read before the KV writes: a flush while they are in flight is mirrored next time.
  if (marks.changed <= marks.mirrored && records.length === 0) return;
  const pairs = records.map((r) => r.record);
  await ctx.kv.mirrorShadow(ctx.service, summaries, pairs, now);
  ctx.state.setShadowMirror({
    mirroredRecord: records.at(-1)?.id ?? marks.mirroredRecord,
    mirrored: marks.changed,
  });
}
