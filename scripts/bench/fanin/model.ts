/**
 * The fan-in simulation's model (scripts/bench/fanin/bench.ts): pure
 * functions of explicit inputs, randomness passed in, so a seed gives the
 * same numbers on every machine.
 *
 * Two ways a write reaches the fleet of one service:
 *  - direct: every isolate checks in with the service object every
 *    `max(I, isolates / 500 per s)` (the product's own rule,
 *    src/core/control/check-in.ts checkInInterval) and gets the new
 *    document in the answer to its first check-in that reaches the object
 *    after the write;
 *  - fan-in: isolates check in with their location's aggregator
 *    (`<service>:<colo>:<shard>`) every I; each aggregator checks in with
 *    the service object every `max(I, aggregators / 500 per s)` and learns
 *    the document in that answer; an isolate gets it at its first check-in
 *    that reaches its aggregator after the aggregator learnt it. A location
 *    with more isolates than one object takes at I (500/s x I) is split
 *    into `shards = 2^k` aggregators; an isolate's shard is the hash of its
 *    id modulo shards, so shards are filled unevenly (binomially), and an
 *    aggregator hands its isolates the product's interval for the isolates
 *    it sees ("grown") or I regardless ("fixed"). The exchange upstream
 *    runs on the aggregator's own clock ("timer") or is started by an
 *    isolate's check-in once an interval has passed, or by its alarm
 *    ("check-in", as built).
 * Check-ins are periodic (start to start, as the isolate's link schedules
 * them), each with a random phase; a call reaches its callee half-way
 * through its round trip. No event per message: each caller's first
 * useful call is found directly from its phase, so 100,000 isolates cost
 * milliseconds.
 *
 * Cost: Durable Object requests, duration and SQLite rows written per
 * 30-day month, with docs/control-plane.md's formulas and prices.
 *
 * Layer: benchmark support (pure; imports the product's interval rule).
 */
import { checkInInterval } from "../../../src/core/control/check-in.ts";
import { shardsFor } from "../../../src/core/control/fan-in.ts";
import { mulberry32, normal } from "../gates/random.ts";

export { mulberry32 };
export type Rand = () => number;
/** A round-trip time in ms, drawn per call. */
export type Sampler = (rand: Rand) => number;

export interface Tuning {
  /** CHECKIN_INTERVAL_MS: I. */
  checkInMs: number;
  /** CONTROL_MAX_CHECKINS_PER_SECOND: what one object is kept under. */
  maxCheckInsPerSecond: number;
}

export const DEFAULT_TUNING: Tuning = { checkInMs: 2_000, maxCheckInsPerSecond: 500 };

// ---- numbers --------------------------------------------------------------

/** Nearest-rank quantile (NaN for none); does not reorder `xs`. */
export function quantile(xs: ArrayLike<number>, p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = Float64Array.from(xs).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

/** The same quantiles of an already sorted array. */
export function sortedQuantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

/** Always `ms`. */
export const fixed =
  (ms: number): Sampler =>
  () =>
    ms;

/** z of the normal's 99th percentile. */
const Z99 = 2.326_347_874;

/** Lognormal with the given median and 99th percentile (ms). */
export function lognormal(median: number, p99: number): Sampler {
  const sigma = Math.log(p99 / median) / Z99;
  return (rand) => median * Math.exp(sigma * normal(rand));
}

/** One of `samples`, uniformly (a measured distribution, replayed). */
export function empirical(samples: readonly number[]): Sampler {
  if (samples.length === 0) throw new Error("empirical: no samples");
  return (rand) => samples[Math.floor(rand() * samples.length)] ?? 0;
}

// ---- the fleet --------------------------------------------------------------

export type Spread = "zipf" | "uniform";

/** Each location's share of the isolates: Zipf (s = 1: the k-th location has 1/k) or equal. */
export function locationShares(locations: number, spread: Spread): number[] {
  const raw = Array.from({ length: locations }, (_, k) => (spread === "zipf" ? 1 / (k + 1) : 1));
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w / total);
}

export interface Fleet {
  isolates: number;
  locations: number;
  /** The location of each isolate. */
  location: Int32Array;
  /** Isolates per location. */
  perLocation: number[];
  /** Each isolate's check-in phase, as a fraction of its interval (uniform in [0, 1)). */
  phase: Float64Array;
  /** Each isolate's id hash, uniform in [0, 2^32) (what `hash(isolate id)` gives). */
  hash: Uint32Array;
}

/** Places `isolates` by `shares` (each independently), with random phases and id hashes. */
export function placeFleet(isolates: number, shares: readonly number[], rand: Rand): Fleet {
  const cumulative: number[] = [];
  let sum = 0;
  for (const s of shares) {
    sum += s;
    cumulative.push(sum);
  }
  const location = new Int32Array(isolates);
  const perLocation = shares.map(() => 0);
  const phase = new Float64Array(isolates);
  const hash = new Uint32Array(isolates);
  for (let i = 0; i < isolates; i++) {
    const u = rand() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) > u) hi = mid;
      else lo = mid + 1;
    }
    location[i] = lo;
    perLocation[lo] = (perLocation[lo] ?? 0) + 1;
    phase[i] = rand();
    hash[i] = Math.floor(rand() * 2 ** 32);
  }
  return { isolates, locations: shares.length, location, perLocation, phase, hash };
}

// ---- the rules ----------------------------------------------------------------

/** The interval an object hands out to `callers` (the product's rule). */
export const intervalFor = (t: Tuning, callers: number): number => checkInInterval(t, callers);

/** Isolates one aggregator takes at I without exceeding the limit (1,000 at 2 s and 500/s). */
export const shardCapacity = (t: Tuning): number =>
  Math.floor((t.maxCheckInsPerSecond * t.checkInMs) / 1000);

/** The shards of a location (the product's rule, src/core/control/fan-in.ts). */
export { shardsFor };

/** How an aggregator paces its isolates: I always (as specified), or the product's growing rule. */
export type AggregatorPacing = "fixed" | "grown";

export interface Aggregator {
  location: number;
  shard: number;
  isolates: number;
  /** The interval it hands its isolates. */
  intervalMs: number;
  /** Its upstream check-in phase, as a fraction of the upstream interval. */
  phase: number;
}

export interface FaninLayout {
  aggregators: Aggregator[];
  /** Each isolate's aggregator (index into aggregators). */
  of: Int32Array;
  /** The interval the service object hands the aggregators. */
  upstreamMs: number;
  /** The most shards at one location. */
  maxShards: number;
}

/** Aggregators per location and shard, as the isolates' id hashes fill them. */
export function faninLayout(
  fleet: Fleet,
  t: Tuning,
  pacing: AggregatorPacing,
  rand: Rand,
): FaninLayout {
  const shards = fleet.perLocation.map((n) => shardsFor(n, t));
  const first: number[] = [];
  const aggregators: Aggregator[] = [];
  shards.forEach((count, location) => {
    first.push(aggregators.length);
    for (let shard = 0; shard < count; shard++)
      aggregators.push({ location, shard, isolates: 0, intervalMs: t.checkInMs, phase: 0 });
  });
  const of = new Int32Array(fleet.isolates);
  for (let i = 0; i < fleet.isolates; i++) {
    const location = fleet.location[i] ?? 0;
    const a = (first[location] ?? 0) + ((fleet.hash[i] ?? 0) % (shards[location] ?? 1));
    of[i] = a;
    const agg = aggregators[a];
    if (agg) agg.isolates += 1;
  }
  // Only aggregators some isolate calls exist (an object is created by its first call).
  const used = aggregators.map((a) => a.isolates > 0);
  const renumber = new Int32Array(aggregators.length);
  const live: Aggregator[] = [];
  aggregators.forEach((a, k) => {
    renumber[k] = live.length;
    if (used[k]) live.push(a);
  });
  for (let i = 0; i < of.length; i++) of[i] = renumber[of[i] ?? 0] ?? 0;
  for (const a of live) {
    a.intervalMs = pacing === "grown" ? intervalFor(t, a.isolates) : t.checkInMs;
    a.phase = rand();
  }
  return {
    aggregators: live,
    of,
    upstreamMs: intervalFor(t, live.length),
    maxShards: Math.max(1, ...shards),
  };
}

// ---- propagation ------------------------------------------------------------------

/**
 * A caller checking in every `period` ms from `phase` (start to start):
 * when it holds what its callee has from `ready` on. Its first call that
 * reaches the callee (half-way through the round trip) at or after `ready`
 * brings it back at the end of that round trip.
 */
export function learnsAt(
  ready: number,
  phase: number,
  period: number,
  roundTrip: () => number,
): number {
  // One period early: an earlier call still in flight can catch it (round trips >= 2 periods).
  let k = Math.floor((ready - phase) / period) - 1;
  for (;;) {
    const sent = phase + k * period;
    const rtt = roundTrip();
    if (sent + rtt / 2 >= ready) return sent + rtt;
    k += 1;
  }
}

/** The round trip from a location to the service object (one object, one place). */
export type Remote = (location: number, rand: Rand) => number;

/** Each location's typical round trip to the service object, drawn once; each call varies by `jitter`. */
export function remoteByLocation(
  locations: number,
  base: Sampler,
  jitter: Sampler,
  rand: Rand,
): Remote {
  const bases = Array.from({ length: locations }, () => base(rand));
  return (location, r) => (bases[location] ?? 0) * jitter(r);
}

export interface Latencies {
  /** isolate -> its location's aggregator. */
  local: Sampler;
  /** isolate or aggregator -> the service object. */
  remote: Remote;
}

/** Direct: each isolate's delay from the write at `t0` until it routes by it (ms). */
export function propagateDirect(
  fleet: Fleet,
  t: Tuning,
  t0: number,
  lat: Latencies,
  rand: Rand,
): Float64Array {
  const period = intervalFor(t, fleet.isolates);
  const out = new Float64Array(fleet.isolates);
  for (let i = 0; i < fleet.isolates; i++) {
    const location = fleet.location[i] ?? 0;
    const phase = (fleet.phase[i] ?? 0) * period;
    out[i] = learnsAt(t0, phase, period, () => lat.remote(location, rand)) - t0;
  }
  return out;
}

/**
 * When an aggregator checks in upstream: on its own clock every upstream
 * interval (as designed: a random phase), or started by an isolate's
 * check-in that arrives at least an upstream interval after the last
 * exchange started, with none in flight (the isolate that starts it is
 * answered before the exchange returns), and, with `alarm`, also by the
 * aggregator's alarm, which a check-in that did not start one sets for one
 * upstream interval after the last exchange (src/app/control/aggregate.ts).
 */
export type UpstreamTrigger = "timer" | "check-in";

export interface UpstreamOptions {
  trigger: UpstreamTrigger;
  /** "check-in": the alarm at last exchange + upstream interval while it holds unsent deltas. */
  alarm?: boolean;
}

/** Fan-in: each isolate's delay from the write at `t0` until it routes by it (ms). */
export function propagateFanin(
  fleet: Fleet,
  layout: FaninLayout,
  t0: number,
  lat: Latencies,
  rand: Rand,
  upstream: UpstreamOptions = { trigger: "timer" },
): Float64Array {
  const out = new Float64Array(fleet.isolates);
  if (upstream.trigger === "check-in") {
    const members: number[][] = layout.aggregators.map(() => []);
    for (let i = 0; i < fleet.isolates; i++) members[layout.of[i] ?? 0]?.push(i);
    layout.aggregators.forEach((a, k) => {
      const exchange = { upstreamMs: layout.upstreamMs, alarm: upstream.alarm ?? false };
      upstreamOnCheckIn(fleet, a, members[k] ?? [], exchange, t0, lat, rand, out);
    });
    return out;
  }
  const learnt = layout.aggregators.map((a) =>
    learnsAt(t0, a.phase * layout.upstreamMs, layout.upstreamMs, () =>
      lat.remote(a.location, rand),
    ),
  );
  for (let i = 0; i < fleet.isolates; i++) {
    const a = layout.of[i] ?? 0;
    const period = layout.aggregators[a]?.intervalMs ?? t0;
    const phase = (fleet.phase[i] ?? 0) * period;
    out[i] = learnsAt(learnt[a] ?? t0, phase, period, () => lat.local(rand)) - t0;
  }
  return out;
}

/**
 * One aggregator whose exchanges with the service object are started by
 * its isolates' check-ins (and its alarm): every check-in around `t0` in
 * time order, the exchanges they start, and for each isolate the first
 * check-in that reaches the aggregator once it holds the write.
 */
function upstreamOnCheckIn(
  fleet: Fleet,
  agg: Aggregator,
  members: readonly number[],
  ex: { upstreamMs: number; alarm: boolean },
  t0: number,
  lat: Latencies,
  rand: Rand,
  out: Float64Array,
): void {
  const period = agg.intervalMs;
  // From well before t0 to well after. The first exchange is at the first
  // check-in after `from`, and the rhythm keeps that phase: a random start,
  // or every exchange would fall in step with the write.
  const from = t0 - (4 + rand()) * ex.upstreamMs - 2 * period;
  const to = t0 + 4 * ex.upstreamMs + 4 * period;
  const arrive: number[] = [];
  const back: number[] = [];
  const who: number[] = [];
  for (const i of members) {
    const phase = (fleet.phase[i] ?? 0) * period;
    for (let k = Math.floor((from - phase) / period); phase + k * period <= to; k++) {
      const sent = phase + k * period;
      const rtt = lat.local(rand);
      arrive.push(sent + rtt / 2);
      back.push(sent + rtt);
      who.push(i);
    }
  }
  const order = Array.from(arrive.keys()).sort((x, y) => (arrive[x] ?? 0) - (arrive[y] ?? 0));
  const done = new Set<number>();
  let last = Number.NEGATIVE_INFINITY;
  let inFlightUntil = Number.NEGATIVE_INFINITY;
  let learnt = Number.POSITIVE_INFINITY;
  /** Deltas applied since the last exchange: the alarm is set for last + upstreamMs. */
  let unsent = false;
  const exchange = (at: number) => {
    last = at;
    unsent = false;
    const rtt = lat.remote(agg.location, rand);
    inFlightUntil = at + rtt;
    if (learnt === Number.POSITIVE_INFINITY && at + rtt / 2 >= t0) learnt = at + rtt;
  };
  for (const c of order) {
    const at = arrive[c] ?? 0;
    if (ex.alarm && unsent && last + ex.upstreamMs <= at)
      exchange(Math.max(last + ex.upstreamMs, inFlightUntil));
    const i = who[c] ?? 0;
    if (at >= learnt) {
      if (!done.has(i)) {
        done.add(i);
        out[i] = (back[c] ?? 0) - t0;
      }
      if (done.size === members.length) return;
      continue;
    }
    if (at - last >= ex.upstreamMs && at >= inFlightUntil) exchange(at);
    else unsent = true;
  }
  // Past the window (not expected): the isolates' next check-ins after it learnt.
  for (const i of members) {
    if (done.has(i)) continue;
    const phase = (fleet.phase[i] ?? 0) * period;
    out[i] = learnsAt(learnt, phase, period, () => lat.local(rand)) - t0;
  }
}

export interface Spread3 {
  p50: number;
  p99: number;
  max: number;
}

/** p50 / p99 / max of a set of delays. */
export function summarize(delays: Float64Array): Spread3 {
  const sorted = Float64Array.from(delays).sort();
  return {
    p50: sortedQuantile(sorted, 0.5),
    p99: sortedQuantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

// ---- load --------------------------------------------------------------------------

export interface Load {
  /** Interval the isolates are handed (the largest, for fan-in). */
  isolateIntervalMs: number;
  /** Interval the aggregators are handed (null: direct). */
  upstreamIntervalMs: number | null;
  /** Check-ins per second at the service object. */
  servicePerSecond: number;
  /** Check-ins per second at the busiest aggregator (null: direct). */
  busiestAggregatorPerSecond: number | null;
  aggregators: number;
  maxShards: number;
  /** Isolates at the busiest aggregator. */
  busiestAggregatorIsolates: number;
}

export function directLoad(isolates: number, t: Tuning): Load {
  const interval = intervalFor(t, isolates);
  return {
    isolateIntervalMs: interval,
    upstreamIntervalMs: null,
    servicePerSecond: isolates / (interval / 1000),
    busiestAggregatorPerSecond: null,
    aggregators: 0,
    maxShards: 0,
    busiestAggregatorIsolates: 0,
  };
}

export function faninLoad(layout: FaninLayout): Load {
  let busiest = 0;
  let busiestIsolates = 0;
  let longest = 0;
  for (const a of layout.aggregators) {
    const rate = a.isolates / (a.intervalMs / 1000);
    if (rate > busiest) {
      busiest = rate;
      busiestIsolates = a.isolates;
    }
    longest = Math.max(longest, a.intervalMs);
  }
  return {
    isolateIntervalMs: longest,
    upstreamIntervalMs: layout.upstreamMs,
    servicePerSecond: layout.aggregators.length / (layout.upstreamMs / 1000),
    busiestAggregatorPerSecond: busiest,
    aggregators: layout.aggregators.length,
    maxShards: layout.maxShards,
    busiestAggregatorIsolates: busiestIsolates,
  };
}

// ---- cost ----------------------------------------------------------------------------

/** Workers Paid prices as docs/control-plane.md uses them, and the Free plan's daily limits. */
export const PRICES = {
  requestsIncluded: 1_000_000,
  perMillionRequests: 0.15,
  gbSecondsIncluded: 400_000,
  perMillionGbSeconds: 12.5,
  rowsWrittenIncluded: 50_000_000,
  perMillionRowsWritten: 1.0,
  /** Duration is billed at 128 MB while active. */
  gb: 0.128,
} as const;

export const FREE_PER_DAY = {
  requests: 100_000,
  gbSeconds: 13_000,
  rowsWritten: 100_000,
  rowsRead: 5_000_000,
} as const;

export const MONTH_S = 30 * 86_400;

export interface CostInputs {
  isolates: number;
  t: Tuning;
  /** null: direct; else the aggregators and the upstream interval. */
  fanin: { aggregators: number; upstreamMs: number } | null;
  /** The service object's alarm (CONTROL_ALARM_MS): one request and one setAlarm row each. */
  alarmMs: number;
  /** Rows the service object writes per flush (one flush per I). */
  serviceRowsPerFlush: number;
  /** Rows an aggregator writes per flush: its upstream batch, its ledger, the acknowledged batch's delete. */
  aggregatorRowsPerFlush: number;
  /** An aggregator's own alarm (null: none); one request and one setAlarm row each. */
  aggregatorAlarmMs: number | null;
}

export interface Cost {
  /** Per 30-day month. */
  requests: number;
  objects: number;
  gbSeconds: number;
  rowsWritten: number;
  requestCost: number;
  durationCost: number;
  rowsCost: number;
  total: number;
  /** Per day, against the Free plan's limits. */
  perDay: { requests: number; gbSeconds: number; rowsWritten: number };
}

const beyond = (n: number, included: number, perMillion: number) =>
  (Math.max(0, n - included) * perMillion) / 1e6;

/**
 * One service's control plane for a 30-day month: every object billed as
 * always active (each is called every interval: docs/control-plane.md's
 * rule), requests = check-ins + alarms, rows = flushes + setAlarm.
 */
export function monthlyCost(c: CostInputs): Cost {
  const perSecond = (n: number, ms: number) => n / (ms / 1000);
  const flushesPerSecond = 1000 / c.t.checkInMs;
  const serviceAlarms = 1000 / c.alarmMs;
  let requestsPerSecond: number;
  let rowsPerSecond = c.serviceRowsPerFlush * flushesPerSecond + serviceAlarms;
  let objects = 1;
  if (c.fanin === null) {
    requestsPerSecond = perSecond(c.isolates, intervalFor(c.t, c.isolates)) + serviceAlarms;
  } else {
    const a = c.fanin.aggregators;
    const aggAlarms = c.aggregatorAlarmMs === null ? 0 : a * (1000 / c.aggregatorAlarmMs);
    objects += a;
    requestsPerSecond =
      perSecond(c.isolates, c.t.checkInMs) + // isolates -> aggregators
      perSecond(a, c.fanin.upstreamMs) + // aggregators -> service object
      serviceAlarms +
      aggAlarms;
    rowsPerSecond += a * c.aggregatorRowsPerFlush * flushesPerSecond + aggAlarms;
  }
  const requests = requestsPerSecond * MONTH_S;
  const gbSeconds = objects * PRICES.gb * MONTH_S;
  const rowsWritten = rowsPerSecond * MONTH_S;
  const requestCost = beyond(requests, PRICES.requestsIncluded, PRICES.perMillionRequests);
  const durationCost = beyond(gbSeconds, PRICES.gbSecondsIncluded, PRICES.perMillionGbSeconds);
  const rowsCost = beyond(rowsWritten, PRICES.rowsWrittenIncluded, PRICES.perMillionRowsWritten);
  return {
    requests,
    objects,
    gbSeconds,
    rowsWritten,
    requestCost,
    durationCost,
    rowsCost,
    total: requestCost + durationCost + rowsCost,
    perDay: {
      requests: requestsPerSecond * 86_400,
      gbSeconds: objects * PRICES.gb * 86_400,
      rowsWritten: rowsPerSecond * 86_400,
    },
  };
}

/** The shortest check-in interval (whole seconds) at which `isolates` direct fit the Free plan's requests and rows. */
export function freePlanIntervalS(isolates: number, alarmMs: number, rowsPerFlush: number): number {
  const alarmsPerDay = 86_400_000 / alarmMs;
  const room = FREE_PER_DAY.requests - alarmsPerDay;
  const roomRows = FREE_PER_DAY.rowsWritten - alarmsPerDay;
  // isolates * 86,400 / T <= room, and rowsPerFlush * 86,400 / T <= roomRows.
  return Math.ceil(Math.max((isolates * 86_400) / room, (rowsPerFlush * 86_400) / roomRows));
}
