/**
 * An isolate's check-in: its batches applied once (into the buffer),
 * flushed to the object's state once per interval, and the answer:
 * "current", the object's document, or nothing while the isolate holds a
 * version the object has not seen (then the object polls KV at once).
 * Arrivals are counted for the status's rate.
 * Nothing here awaits: a check-in is applied, flushed and answered
 * atomically.
 *
 * Layer: app (control use case). The decisions are src/core/control/:
 * check-in.ts (the answer, the interval), batches.ts (which batches count).
 */
import { checkUserParts, type DeltaBatch } from "../../core/control/batches.ts";
import { checkInInterval, checkInVerdict } from "../../core/control/check-in.ts";
import { type FanInMode, type Route, routeFor } from "../../core/control/fan-in.ts";
import type { ControlContext } from "./context.ts";

export interface CheckInRequest {
  service: string;
  isolate: string;
  revision: string | null;
  batches: DeltaBatch[];
  /** Sent by a location aggregator (fan-in): the isolates checking in with it. */
  isolates?: number | undefined;
}

export interface CheckInReply {
  version: number;
  document: string | null;
  acked: number;
  intervalMs: number;
  /** Where isolates check in: with the service object, or their location's aggregator. */
  route?: Route | undefined;
  /** From an aggregator: how many shards its location's isolates spread over. */
  shards?: number | undefined;
}

/**
 * A check-in's JSON text, with the shape checked where a bad one would throw
 * later; the arms' user parts checked and bounded (absent: empty).
 */
export function parseCheckIn(text: string): CheckInRequest {
  const c = JSON.parse(text) as CheckInRequest;
  if (
    typeof c?.service !== "string" ||
    typeof c.isolate !== "string" ||
    !Array.isArray(c.batches)
  ) {
    throw new Error("malformed check-in");
  }
  checkUserParts(c.batches);
  return c;
}

export function checkIn(
  ctx: ControlContext,
  c: CheckInRequest,
  now: number,
  tuning: { checkInMs: number; maxCheckInsPerSecond: number; fanIn: FanInMode },
): { reply: CheckInReply; pollKvNow: boolean } {
  ctx.buffer.apply(c.isolate, c.batches, now);
  const route = fleetRoute(ctx, c, now, tuning);
  // An aggregator's interval counts the aggregators only: for the minute
  // after a switch to fan-in the isolates are still among the senders seen,
  // and would stretch the aggregators' interval as if they still came direct.
  const senders =
    c.isolates === undefined ? ctx.buffer.isolatesSince(now - 60_000) : ctx.fanIn.behind.size;
  if (now - ctx.last.flush >= tuning.checkInMs) flush(ctx, now);
  ctx.arrivals.push(now);
  if (ctx.arrivals.length > 4096 || (ctx.arrivals[0] ?? now) < now - 10_000) {
    ctx.arrivals = ctx.arrivals.filter((t) => t >= now - 10_000);
  }
  const current = ctx.serving.get();
  const verdict = checkInVerdict({
    held: c.revision,
    current: current.revision,
    highest: ctx.state.service("highest").highest,
  });
  const reply = {
    version: current.version,
    document: verdict.sendDocument ? ctx.state.service("document").document : null,
    acked: ctx.buffer.acked(c.isolate),
    intervalMs: checkInInterval(tuning, senders),
    route,
  };
  // The isolate holds a version the object has not seen: the next alarm polls KV.
  if (verdict.pollKvNow) ctx.last.kvPoll = 0;
  return { reply, pollKvNow: verdict.pollKvNow };
}

/**
 * The route the object hands out (src/core/control/fan-in.ts), by the fleet
 * it sees in the last minute: isolates checking in directly, and those
 * behind each aggregator, as the aggregator reports them.
 */
function fleetRoute(
  ctx: ControlContext,
  c: CheckInRequest,
  now: number,
  tuning: { checkInMs: number; maxCheckInsPerSecond: number; fanIn: FanInMode },
): Route {
  const fan = ctx.fanIn;
  if (typeof c.isolates === "number" && Number.isFinite(c.isolates) && c.isolates >= 0) {
    fan.behind.set(c.isolate, { isolates: Math.min(c.isolates, 1_000_000), seen: now });
  }
  let behind = 0;
  let aggregators = 0;
  for (const [id, a] of fan.behind) {
    if (a.seen < now - 60_000) fan.behind.delete(id);
    else {
      behind += a.isolates;
      aggregators += 1;
    }
  }
  const fleet = ctx.buffer.isolatesSince(now - 60_000) - aggregators + behind;
  fan.route = routeFor(tuning.fanIn, fleet, fan.route, tuning);
  return fan.route;
}

/**
 * Writes the buffered check-ins to the object's state in one synchronous
 * block: totals, series, shadow data, and the batch ledger that
 * acknowledges them.
 */
export function flush(ctx: ControlContext, now: number): void {
  ctx.last.flush = now;
  if (ctx.buffer.dirty) ctx.state.writeFlush(ctx.buffer.take(now));
}
