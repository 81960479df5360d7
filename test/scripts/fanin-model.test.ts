/**
 * The fan-in simulation's model (scripts/bench/fanin/model.ts): facts
 * about the protocol it simulates, not the targets (those are read off
 * `npm run bench:fanin`). With fixed round trips a write reaches every
 * isolate within one interval per hop plus half a round trip per hop
 * (a call meets its callee half-way); the shard and interval rules; the
 * load per object; the cost formulas give docs/control-plane.md's
 * numbers; a seed gives the same run twice.
 */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_TUNING,
  directLoad,
  faninLayout,
  faninLoad,
  fixed,
  freePlanIntervalS,
  intervalFor,
  learnsAt,
  locationShares,
  lognormal,
  monthlyCost,
  mulberry32,
  placeFleet,
  propagateDirect,
  propagateFanin,
  quantile,
  shardCapacity,
  shardsFor,
  summarize,
} from "../../scripts/bench/fanin/model.ts";

const T = DEFAULT_TUNING;
const fixedLatencies = (remote: number, local: number) => ({
  remote: () => remote,
  local: fixed(local),
});

describe("learnsAt: a periodic caller and a callee that has the news from `ready` on", () => {
  it.each([
    // [ready, phase, period, rtt, expected]: the first call reaching the callee at or after ready
    [1000, 0, 2000, 100, 2100], // sent at 2000, meets at 2050
    [1000, 950, 2000, 100, 1050], // sent at 950, meets at 1000 exactly: caught
    [1000, 951, 2000, 100, 1051], // sent at 951, meets at 1001
    [1000, 949, 2000, 100, 3049], // meets at 999: missed, the next one is sent at 2949
  ])("ready %i, phase %i, period %i, rtt %i: learns at %i", (ready, phase, period, rtt, at) => {
    expect(learnsAt(ready, phase, period, () => rtt)).toBe(at);
  });
});

describe("propagation with fixed round trips", () => {
  const rand = mulberry32(7);
  const fleet = placeFleet(20_000, locationShares(300, "zipf"), rand);

  it("direct: between half a round trip and one (grown) interval plus half a round trip", () => {
    const delays = propagateDirect(fleet, T, 123_456, fixedLatencies(100, 1), rand);
    const interval = intervalFor(T, 20_000); // 40 s
    expect(interval).toBe(40_000);
    const { p50, max } = summarize(delays);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(50);
    expect(max).toBeLessThanOrEqual(interval + 50);
    expect(max).toBeGreaterThan(interval + 50 - 100); // 20,000 uniform phases: the max is near the bound
    expect(Math.abs(p50 - (interval / 2 + 50))).toBeLessThan(interval * 0.02);
  });

  it("fan-in: between the half round trips and upstream interval + isolate interval + the half round trips", () => {
    const layout = faninLayout(fleet, T, "fixed", rand);
    expect(layout.upstreamMs).toBe(2_000);
    const delays = propagateFanin(fleet, layout, 123_456, fixedLatencies(100, 2), rand);
    const bound = layout.upstreamMs + T.checkInMs + 50 + 1;
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(51);
    const { p50, max } = summarize(delays);
    expect(max).toBeLessThanOrEqual(bound);
    expect(max).toBeGreaterThan(bound - 100);
    // The sum of two uniform waits on [0, 2 s): median 2 s.
    expect(Math.abs(p50 - (2_000 + 51))).toBeLessThan(100);
  });

  it("upstream on check-in: a busy aggregator is as fast as one on its own clock", () => {
    const r = mulberry32(8);
    const one = placeFleet(500, [1], r);
    const layout = faninLayout(one, T, "grown", r);
    let max = 0;
    for (let k = 0; k < 50; k++) {
      const delays = propagateFanin(one, layout, 50_000 + k * 377, fixedLatencies(100, 2), r, {
        trigger: "check-in",
        alarm: true,
      });
      max = Math.max(max, summarize(delays).max);
    }
    // One upstream interval (+ the wait for the next check-in: 500 isolates, ms apart) + one isolate interval.
    expect(max).toBeLessThanOrEqual(2_000 + 100 + 2_000 + 51);
  });

  it("upstream on check-in: a lone isolate's aggregator exchanges every other check-in unless its alarm does", () => {
    const worst = (alarm: boolean) => {
      const r = mulberry32(9);
      const lone = placeFleet(1, [1], r);
      const layout = faninLayout(lone, T, "grown", r);
      // The same isolate's check-ins arrive I apart, give or take its round trip's jitter.
      const lat = { remote: () => 100, local: lognormal(1, 5) };
      let max = 0;
      for (let k = 0; k < 200; k++) {
        const delays = propagateFanin(lone, layout, 50_000 + k * 377, lat, r, {
          trigger: "check-in",
          alarm,
        });
        max = Math.max(max, delays[0] ?? 0);
      }
      return max;
    };
    expect(worst(false)).toBeGreaterThan(5_000); // up to 2 I for the exchange, then I
    expect(worst(true)).toBeLessThanOrEqual(2_000 + 2_000 + 50 + 50);
  });

  it("is the same run twice with the same seed", () => {
    const run = () => {
      const r = mulberry32(42);
      const f = placeFleet(5_000, locationShares(300, "uniform"), r);
      const lat = { remote: () => 60 * (0.5 + r()), local: lognormal(1, 5) };
      return summarize(propagateFanin(f, faninLayout(f, T, "fixed", r), 10_000, lat, r));
    };
    expect(run()).toEqual(run());
  });
});

describe("the rules", () => {
  it("an object takes 500/s x I isolates at I: 1,000 at 2 s, 2,500 at 5 s", () => {
    expect(shardCapacity(T)).toBe(1_000);
    expect(shardCapacity({ ...T, checkInMs: 5_000 })).toBe(2_500);
  });

  it.each([
    [0, 1],
    [1, 1],
    [1_000, 1],
    [1_001, 2],
    [2_000, 2],
    [2_001, 4],
    [15_900, 16],
    [16_001, 32],
    [100_000, 64], // at most 64, as the product's rule
  ])("%i isolates at a location: %i shards", (isolates, shards) => {
    expect(shardsFor(isolates, { checkInMs: 2_000, maxCheckInsPerSecond: 500 })).toBe(shards);
  });

  it.each([
    [10, 2_000],
    [1_000, 2_000],
    [1_001, 2_002],
    [10_000, 20_000],
    [100_000, 200_000],
  ])("%i callers are handed %i ms (the product's rule)", (callers, ms) => {
    expect(intervalFor(T, callers)).toBe(ms);
  });
});

describe("load per object", () => {
  it("direct: the service object stays at 500/s while the interval grows", () => {
    expect(directLoad(10_000, T)).toMatchObject({
      isolateIntervalMs: 20_000,
      servicePerSecond: 500,
    });
    expect(directLoad(100, T)).toMatchObject({ isolateIntervalMs: 2_000, servicePerSecond: 50 });
  });

  it("fan-in: one location of 2,500 isolates is 4 shards; hashing fills them unevenly", () => {
    const rand = mulberry32(3);
    const fleet = placeFleet(2_500, [1], rand);
    const layout = faninLayout(fleet, T, "fixed", rand);
    expect(layout.maxShards).toBe(4);
    expect(layout.aggregators.map((a) => a.shard)).toEqual([0, 1, 2, 3]);
    expect(layout.aggregators.reduce((n, a) => n + a.isolates, 0)).toBe(2_500);
    const load = faninLoad(layout);
    expect(load.servicePerSecond).toBe(2); // 4 aggregators every 2 s
    expect(load.busiestAggregatorPerSecond).toBe(load.busiestAggregatorIsolates / 2);
    expect(load.busiestAggregatorIsolates).toBeGreaterThan(625);
  });

  it("fan-in: hashing overfills a shard past 500/s at I in most fleets; never with the grown rule", () => {
    // 1,990 isolates at one location: 2 shards of 995 on average (sd 22), so
    // one of them is above 1,000 about 3 times in 4.
    let over = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const fleet = placeFleet(1_990, [1], mulberry32(seed));
      const fixedPace = faninLoad(faninLayout(fleet, T, "fixed", mulberry32(seed)));
      const grown = faninLoad(faninLayout(fleet, T, "grown", mulberry32(seed)));
      expect(fixedPace.maxShards).toBe(2);
      if ((fixedPace.busiestAggregatorPerSecond ?? 0) > 500) over += 1;
      expect(grown.busiestAggregatorPerSecond).toBeLessThanOrEqual(500 + 1e-9);
      expect(grown.isolateIntervalMs).toBe(intervalFor(T, grown.busiestAggregatorIsolates));
    }
    expect(over).toBeGreaterThan(60);
  });

  it("only aggregators some isolate calls exist; the upstream interval grows past 1,000 of them", () => {
    const rand = mulberry32(5);
    const fleet = placeFleet(10, locationShares(300, "uniform"), rand);
    const layout = faninLayout(fleet, T, "fixed", rand);
    expect(layout.aggregators.length).toBe(new Set(fleet.location).size);
    const many = placeFleet(3_000, locationShares(3_000, "uniform"), rand);
    const big = faninLayout(many, T, "fixed", rand);
    expect(big.upstreamMs).toBe(intervalFor(T, big.aggregators.length));
    expect(big.upstreamMs).toBeGreaterThan(2_000);
  });
});

describe("sampling", () => {
  it("a lognormal has the median and p99 it was given", () => {
    const rand = mulberry32(9);
    const draw = lognormal(60, 250);
    const xs = Array.from({ length: 200_000 }, () => draw(rand));
    expect(quantile(xs, 0.5)).toBeGreaterThan(60 * 0.98);
    expect(quantile(xs, 0.5)).toBeLessThan(60 * 1.02);
    expect(quantile(xs, 0.99)).toBeGreaterThan(250 * 0.95);
    expect(quantile(xs, 0.99)).toBeLessThan(250 * 1.05);
  });

  it("Zipf (s = 1) over 300 locations gives the first 1 / H(300), about 15.9 %", () => {
    const shares = locationShares(300, "zipf");
    expect(shares[0]).toBeCloseTo(0.159, 3);
    expect(shares[1]).toBeCloseTo((shares[0] ?? 0) / 2, 9);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });
});

describe("cost per 30-day month (docs/control-plane.md's formulas)", () => {
  const common = {
    t: T,
    alarmMs: 5_000,
    serviceRowsPerFlush: 10,
    aggregatorRowsPerFlush: 3,
    aggregatorAlarmMs: 5_000,
  };

  it("direct: 10 isolates 13.5 M requests ($1.87), 1,000 and 10,000 the same $194; 13.5 M rows", () => {
    const ten = monthlyCost({ ...common, isolates: 10, fanin: null });
    expect(ten.requests).toBe(13_478_400); // 5/s + alarms every 5 s
    expect(ten.requestCost).toBeCloseTo(1.87, 2);
    expect(ten.gbSeconds).toBeCloseTo(331_776, 6);
    expect(ten.durationCost).toBe(0);
    expect(ten.rowsWritten).toBe(13_478_400);
    const thousand = monthlyCost({ ...common, isolates: 1_000, fanin: null });
    const tenThousand = monthlyCost({ ...common, isolates: 10_000, fanin: null });
    expect(thousand.requestCost).toBeCloseTo(194.33, 2);
    expect(tenThousand.requests).toBe(thousand.requests);
  });

  it("fan-in: every isolate's check-in is a request; 300 aggregators always active; 3 rows per flush + setAlarm", () => {
    const c = monthlyCost({
      ...common,
      isolates: 10_000,
      fanin: { aggregators: 300, upstreamMs: 2_000 },
    });
    const perSecond = 10_000 / 2 + 300 / 2 + 0.2 + 300 * 0.2;
    expect(c.requests).toBeCloseTo(perSecond * 2_592_000, 0);
    expect(c.objects).toBe(301);
    expect(c.durationCost).toBeCloseTo(((301 * 331_776 - 400_000) * 12.5) / 1e6, 6);
    expect(c.rowsWritten).toBeCloseTo((5 + 0.2 + 300 * (1.5 + 0.2)) * 2_592_000, 0);
  });

  it("ten isolates fit the Free plan's requests and rows from an 11 s interval (10 s makes 103,680 a day)", () => {
    expect(freePlanIntervalS(10, 5_000, 10)).toBe(11);
    const at10 = monthlyCost({
      ...common,
      isolates: 10,
      fanin: null,
      t: { ...T, checkInMs: 10_000 },
    });
    expect(at10.perDay.requests).toBe(103_680);
  });
});
