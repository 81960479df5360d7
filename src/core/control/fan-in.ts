/**
 * Fan-in: where an isolate checks in. One service object takes about 500
 * check-ins a second, so past a few hundred isolates they check in with an
 * aggregator object of their location instead (`<service>:<location>:<shard>`),
 * which checks in with the service object once per interval for all of
 * them; documents come back down the same way. The decisions, all pure:
 *   - the route the service object hands out: FANIN "on", "off", or "auto":
 *     fan in once the fleet (isolates seen in a minute) is past where two
 *     hops beat one, i.e. where the direct interval, grown with the fleet,
 *     would pass twice the configured one: 2 x maxCheckInsPerSecond x
 *     interval (2,000 isolates at 500/s and 2 s; `npm run bench:fanin`);
 *     back to direct below half that (a gap, so a fleet near the line does
 *     not flap);
 *   - how many shards a location's aggregator splits into, so each stays
 *     under the check-in budget its interval allows;
 *   - which shard an isolate uses, and the aggregator's name;
 *   - when an isolate may move to another target: only with nothing
 *     unacknowledged, so no batch is ever applied by two objects.
 *
 * Layer: core (pure).
 */
import { murmur3String } from "../routing/murmur3.ts";

export type FanInMode = "on" | "off" | "auto";
export type Route = "direct" | "fan-in";

/** Auto mode fans in above this many isolates seen in the last minute, and goes back below half. */
export function fanInAbove(t: { checkInMs: number; maxCheckInsPerSecond: number }): number {
  return Math.ceil((2 * t.maxCheckInsPerSecond * t.checkInMs) / 1000);
}

/** Reads a FANIN var: "on", "off", anything else (unset included) "auto". */
export function fanInMode(text: string | undefined): FanInMode {
  const t = (text ?? "").trim().toLowerCase();
  return t === "on" || t === "off" ? t : "auto";
}

/** The route the service object hands out, given the fleet it sees and the route it handed out last. */
export function routeFor(
  mode: FanInMode,
  isolates: number,
  current: Route,
  t: { checkInMs: number; maxCheckInsPerSecond: number },
): Route {
  if (mode !== "auto") return mode === "on" ? "fan-in" : "direct";
  const above = fanInAbove(t);
  if (isolates > above) return "fan-in";
  if (isolates < above / 2) return "direct";
  return current;
}

/**
 * Shards of a location's aggregators: the smallest power of two that keeps
 * each shard's isolates within what its interval allows at
 * maxCheckInsPerSecond (1,000 isolates at 2 s and 500/s). Never fewer than
 * `current` halved (shrinking one step at a time), at most 64.
 */
export function shardsFor(
  isolates: number,
  t: { checkInMs: number; maxCheckInsPerSecond: number },
): number {
  const perShard = Math.max(1, Math.floor((t.maxCheckInsPerSecond * t.checkInMs) / 1000));
  let shards = 1;
  while (shards < 64 && isolates > shards * perShard) shards *= 2;
  return shards;
}

/** The shard an isolate checks in with: stable for an isolate id and shard count. */
export const shardOf = (isolate: string, shards: number): number =>
  shards <= 1 ? 0 : murmur3String(`shard:${isolate}`, 0) % shards;

/** The aggregator object's name for a service, location and shard. */
export const aggregatorName = (service: string, location: string, shard: number): string =>
  `${service}:${location}:${shard}`;

/**
 * The check-in target an isolate uses next. It moves to `wanted` only with
 * nothing unacknowledged: batches already sent to one object are re-sent
 * there until acknowledged, so no batch is ever counted by two objects.
 */
export function nextTarget(current: string, wanted: string, unacknowledged: number): string {
  return unacknowledged === 0 ? wanted : current;
}
