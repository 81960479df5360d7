/**
 * What the control object says about itself (health, dashboard, `router
 * status`, the benchmark): its version, the isolates checking in (directly
 * or behind location aggregators, as those report them) and their rate,
 * the route it hands out, the interval it hands out, the version it last wrote to KV
 * and what KV held when it last looked, whether a
 * rollout is active, its next alarm and its KV operations.
 *
 * Layer: app (control use case).
 */
import { checkInInterval } from "../../core/control/check-in.ts";
import type { ControlStatus } from "../../ports/control-plane-reader.ts";
import { rolloutActive } from "./analyse.ts";
import type { ControlContext } from "./context.ts";

export async function controlStatus(
  ctx: ControlContext,
  now: number,
  tuning: { checkInMs: number; maxCheckInsPerSecond: number },
  nextAlarm: () => Promise<number | null>,
): Promise<ControlStatus> {
  const senders = ctx.buffer.isolatesSince(now - 60_000);
  let behind = 0;
  let aggregators = 0;
  for (const a of ctx.fanIn.behind.values()) {
    if (a.seen < now - 60_000) continue;
    behind += a.isolates;
    aggregators += 1;
  }
  return {
    service: ctx.service,
    version: ctx.serving.get().version,
    isolates: senders - aggregators + behind,
    aggregators,
    route: ctx.fanIn.route,
    checkInsPerSecond: ctx.arrivals.filter((t) => t >= now - 10_000).length / 10,
    intervalMs: checkInInterval(tuning, senders),
    kvVersion: ctx.state.service("kvVersion").kvVersion,
    kv: kvHolds(ctx),
    rolloutActive: rolloutActive(ctx),
    nextAlarmAt: await nextAlarm(),
    kvOps: ctx.kv.ops(),
  };
}

/** What KV held when the object last looked, and the version in that text. */
function kvHolds(ctx: ControlContext): ControlStatus["kv"] {
  const { kvSeen, kvState } = ctx.state.service("kvSeen", "kvState");
  let version: number | null = null;
  if (kvSeen !== null) {
    try {
      const v = (JSON.parse(kvSeen) as { version?: unknown }).version;
      version = typeof v === "number" && Number.isInteger(v) ? v : null;
    } catch {
      version = null;
    }
  }
  return { state: kvState, version };
}
