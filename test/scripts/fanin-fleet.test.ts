/**
 * Fan-in for real (issue 25): sixteen router isolates in four simulated
 * locations (LOCATION var per router worker) through real location
 * aggregators and a real service object, in one workerd
 * (test/support/stack/local-fleet.ts), with FANIN "auto" and a check-in
 * budget of 20/s, so the service object switches the sixteen isolates to
 * fan-in past 2 x 20/s x 300 ms = 12 isolates (as it does past 2,000 at
 * the defaults). A canary kill
 * through the CLI reaches every isolate through the aggregators; every
 * request of every isolate is counted once by arm at the service object;
 * the service object sees four senders (one aggregator per location), not
 * sixteen isolates. KV's memo is ten minutes: nothing reaches an isolate
 * through KV here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoOrigins, startDemoOrigins } from "../support/stack/demo-origins.ts";
import { type LocalFleet, startLocalFleet } from "../support/stack/local-fleet.ts";
import { testModels } from "../test-models.ts";
import {
  cli,
  admin as fleetAdmin,
  armTotals as fleetArmTotals,
  fleetDoc,
  everyRouter as fleetEveryRouter,
  predict,
  until,
} from "./fleet-support.ts";

const ROUTERS = 16;
const LOCATIONS = ["ams", "sin", "iad", "gru"];
const CHECKIN_MS = 300;

let origins: DemoOrigins;
let fleet: LocalFleet;

beforeAll(async () => {
  origins = await startDemoOrigins(testModels);
  fleet = await startLocalFleet({
    routers: ROUTERS,
    quiet: true,
    bindings: {
      CONFIG_MEMO_TTL_MS: "600000",
      CHECKIN_INTERVAL_MS: String(CHECKIN_MS),
      CONTROL_ALARM_MS: "500",
      CONTROL_KV_POLL_MS: "500",
      FANIN: "auto",
      CONTROL_MAX_CHECKINS_PER_SECOND: "20",
    },
    routerBindings: (i) => ({ LOCATION: LOCATIONS[i % LOCATIONS.length] as string }),
  });
}, 120_000);
afterAll(async () => {
  await fleet?.dispose();
  await origins?.close();
});

const doc = (service: string, over: Record<string, unknown> = {}) =>
  fleetDoc(origins, service, over);
const everyRouter = (service: string, user: string) => fleetEveryRouter(fleet, service, user);
const admin = async (path: string) => (await fleetAdmin(fleet, path)).body;
const armTotals = () => fleetArmTotals(fleet, "fan-count");

describe("fan-in through location aggregators", () => {
  it("a canary kill through the CLI reaches all sixteen isolates in four locations", async () => {
    await fleet.kv.put(
      "service:fan-kill",
      JSON.stringify(doc("fan-kill", { canary: { origin: "canary", shareBp: 10_000, salt: "s" } })),
    );
    expect(await everyRouter("fan-kill", "alice")).toEqual(Array(ROUTERS).fill("canary"));
    // Traffic until every isolate has moved to its aggregator (the object said "fan-in").
    const aggregators = await until(
      async () => {
        await everyRouter("fan-kill", "alice");
        return (await admin("/services/fan-kill/control")).aggregators as number;
      },
      (aggregators) => aggregators === LOCATIONS.length,
      15_000,
    );
    expect(aggregators).toBe(LOCATIONS.length);
    const killed = await cli(fleet, fleet.urls[5] ?? "", "canary", "kill", "fan-kill");
    expect(killed.stdout).toMatch(/kill/i);
    const started = Date.now();
    const variants = await until(
      () => everyRouter("fan-kill", "alice"),
      (v) => v.every((x) => x === "blue"),
      10_000,
    );
    expect(variants).toEqual(Array(ROUTERS).fill("blue"));
    // Two hops (aggregator, then isolate), each within an interval: well under 2 x 300 ms + 1 s here.
    expect(Date.now() - started).toBeLessThan(2 * CHECKIN_MS + 1_000 + 1_500);
  }, 90_000);

  it("counts every request of every isolate once, by arm, through the aggregators", async () => {
    await fleet.kv.put(
      "service:fan-count",
      JSON.stringify(doc("fan-count", { canary: { origin: "canary", shareBp: 5_000, salt: "c" } })),
    );
    // Warm up: every isolate learns the document and moves to its aggregator.
    await until(
      async () => {
        await everyRouter("fan-count", "warm");
        return (await admin("/services/fan-count/control")).aggregators as number;
      },
      (aggregators) => aggregators === LOCATIONS.length,
      15_000,
    );
    // The warm-up's own requests still on their way: wait until the totals hold still.
    let before = await armTotals();
    for (let still = 0; still < 4; ) {
      await new Promise((r) => setTimeout(r, CHECKIN_MS));
      const now = await armTotals();
      still = JSON.stringify([...now]) === JSON.stringify([...before]) ? still + 1 : 0;
      before = now;
    }
    const sent = new Map<string, number>();
    for (let round = 0; round < 25; round++) {
      const variants = await Promise.all(
        fleet.urls.map((url, i) => predict(url, "fan-count", `user-${round}-${i}`)),
      );
      for (const v of variants) sent.set(v ?? "?", (sent.get(v ?? "?") ?? 0) + 1);
    }
    const expected = new Map(before);
    for (const [arm, n] of sent) expected.set(arm, (expected.get(arm) ?? 0) + n);
    const arms = await until(
      armTotals,
      (m) => [...expected].every(([arm, n]) => (m.get(arm) ?? 0) >= n),
      15_000,
    );
    expect(Object.fromEntries(arms)).toEqual(Object.fromEntries(expected));
    // A moment more: nothing arrives twice.
    await new Promise((r) => setTimeout(r, 4 * CHECKIN_MS));
    expect(Object.fromEntries(await armTotals())).toEqual(Object.fromEntries(expected));
    const control = await admin("/services/fan-count/control");
    expect(control).toMatchObject({ route: "fan-in", aggregators: LOCATIONS.length });
    const status = await cli(fleet, fleet.urls[0] ?? "", "status", "fan-count");
    expect(status.stdout).toMatch(/isolates check in through 4 location aggregators, each every/);
    // The sixteen isolates, counted through the aggregators' reports.
    expect(control.isolates).toBeGreaterThanOrEqual(ROUTERS);
  }, 90_000);
});
