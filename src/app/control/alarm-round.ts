/**
 * One round of the control object's alarm: flush the buffered check-ins;
 * look in KV for a raw put (every CONTROL_KV_POLL_MS, or at once when an
 * isolate was ahead); evaluate an active rollout once per plan interval;
 * apply the challenger policy (once a minute); mirror the shadow data to KV (every SHADOW_KV_MIRROR_MS); prune old
 * data (every minute). KV polls and evaluations run serialized with
 * writes (`serial`). A duty that throws ends the round; its clock was set,
 * the later duties' were not.
 *
 * Layer: app (control use case). When each duty is due is
 * src/core/control/alarm-plan.ts.
 */
import { dutyDue } from "../../core/control/alarm-plan.ts";
import { adoptFromKv } from "./adopt.ts";
import { analyseIfDue } from "./analyse.ts";
import { applyChallengerPolicy } from "./challenger-policy.ts";
import { flush } from "./check-in.ts";
import type { ControlContext } from "./context.ts";
import { mirrorShadow } from "./mirror.ts";

export async function alarmRound(
  ctx: ControlContext,
  now: number,
  tuning: { kvPollMs: number; shadowMirrorMs: number; challengerPolicyMs: number },
  serial: <T>(task: () => Promise<T>) => Promise<T>,
): Promise<void> {
  flush(ctx, now);
  if (dutyDue(ctx.last.kvPoll, now, tuning.kvPollMs)) {
    ctx.last.kvPoll = now;
    await serial(() => adoptFromKv(ctx, now));
  }
  await analyseIfDue(ctx, now, serial);
  if (dutyDue(ctx.last.challengers, now, tuning.challengerPolicyMs)) {
    ctx.last.challengers = now;
    await serial(() => applyChallengerPolicy(ctx, now));
  }
  if (dutyDue(ctx.last.shadowMirror, now, tuning.shadowMirrorMs)) {
    ctx.last.shadowMirror = now;
    await mirrorShadow(ctx, now);
  }
  if (dutyDue(ctx.last.prune, now, 60_000)) {
    ctx.last.prune = now;
    ctx.state.prune(now);
  }
}
