/**
 * Fan-in's decisions (src/core/control/fan-in.ts): the route the service
 * object hands out (with a gap, so a fleet near the line does not flap),
 * the shards of a location, the shard of an isolate, and the rule that an
 * isolate moves only with nothing unacknowledged.
 */
import { describe, expect, it } from "vitest";
import {
  aggregatorName,
  fanInAbove,
  fanInMode,
  nextTarget,
  routeFor,
  shardOf,
  shardsFor,
} from "../../src/core/control/fan-in.ts";

describe("the route", () => {
  const t = { checkInMs: 2_000, maxCheckInsPerSecond: 500 };
  it("on and off are what they say, whatever the fleet", () => {
    expect(routeFor("on", 1, "direct", t)).toBe("fan-in");
    expect(routeFor("off", 100_000, "fan-in", t)).toBe("direct");
  });

  it("auto fans in where two hops beat one (the direct interval past twice its own), back below half", () => {
    // 2 x 500/s x 2 s: past 2,000 isolates one object's interval passes 4 s.
    expect(fanInAbove(t)).toBe(2_000);
    expect(fanInAbove({ checkInMs: 300, maxCheckInsPerSecond: 500 })).toBe(300);
    expect(routeFor("auto", 2_000, "direct", t)).toBe("direct");
    expect(routeFor("auto", 2_001, "direct", t)).toBe("fan-in");
    expect(routeFor("auto", 1_000, "fan-in", t)).toBe("fan-in");
    expect(routeFor("auto", 999, "fan-in", t)).toBe("direct");
    expect(routeFor("auto", 1_500, "direct", t)).toBe("direct");
    expect(routeFor("auto", 1_500, "fan-in", t)).toBe("fan-in");
  });

  it("reads the FANIN var, anything but on/off as auto", () => {
    expect(["on", " OFF ", "", undefined, "yes"].map(fanInMode)).toEqual([
      "on",
      "off",
      "auto",
      "auto",
      "auto",
    ]);
  });
});

describe("shards", () => {
  const t = { checkInMs: 2_000, maxCheckInsPerSecond: 500 };
  it("the smallest power of two keeping each shard within its interval's budget", () => {
    expect([1, 1_000, 1_001, 2_000, 2_001, 16_000, 10_000_000].map((n) => shardsFor(n, t))).toEqual(
      [1, 1, 2, 2, 4, 16, 64],
    );
  });

  it("spreads isolates evenly, the same isolate always to the same shard", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4_000; i++)
      counts[shardOf(`isolate-${i}`, 4)] = (counts[shardOf(`isolate-${i}`, 4)] ?? 0) + 1;
    for (const c of counts) expect(Math.abs(c - 1_000)).toBeLessThan(120);
    expect(shardOf("x", 4)).toBe(shardOf("x", 4));
    expect(shardOf("x", 1)).toBe(0);
    expect(aggregatorName("fraud", "ams", 3)).toBe("fraud:ams:3");
  });
});

describe("moving between targets", () => {
  it("only with nothing unacknowledged: no batch is counted by two objects", () => {
    expect(nextTarget("service", "fraud:ams:0", 2)).toBe("service");
    expect(nextTarget("service", "fraud:ams:0", 0)).toBe("fraud:ams:0");
    expect(nextTarget("fraud:ams:0", "fraud:ams:1", 1)).toBe("fraud:ams:0");
  });
});
