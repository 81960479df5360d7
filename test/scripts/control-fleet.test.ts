/**
 * The control plane across many isolates, for real: eight router workers
 * (separate isolates of the same bundle) bind one control-object namespace
 * hosted by a ninth worker (test/support/stack/local-fleet.ts), in one workerd,
 * with real local origins and real local KV.
 *
 * The isolates' KV memo is set to ten minutes, so nothing in these tests
 * can reach an isolate through KV: a change that shows up everywhere came
 * through the check-ins.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoOrigins, startDemoOrigins } from "../support/stack/demo-origins.ts";
import { type LocalFleet, startLocalFleet } from "../support/stack/local-fleet.ts";
import { testModels } from "../test-models.ts";
import {
  cli,
  admin as fleetAdmin,
  fleetDoc,
  everyRouter as fleetEveryRouter,
  predict,
  until,
} from "./fleet-support.ts";

const ROUTERS = 8;
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
    },
  });
}, 120_000);
afterAll(async () => {
  await fleet?.dispose();
  await origins?.close();
});

const doc = (service: string, over: Record<string, unknown> = {}) =>
  fleetDoc(origins, service, over);
const everyRouter = (service: string, user: string) => fleetEveryRouter(fleet, service, user);
const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
  fleetAdmin(fleet, path, init);

describe("a change reaches every isolate through the check-ins", () => {
  it("a canary kill through the CLI sends every isolate's canary users back to live", async () => {
    // A user every isolate puts on the canary (share 100%).
    await fleet.kv.put(
      "service:fleet-kill",
      JSON.stringify(
        doc("fleet-kill", { canary: { origin: "canary", shareBp: 10_000, salt: "s" } }),
      ),
    );
    expect(await everyRouter("fleet-kill", "alice")).toEqual(Array(ROUTERS).fill("canary"));

    const killed = await cli(fleet, fleet.urls[3] ?? "", "canary", "kill", "fleet-kill");
    expect(killed.stdout).toMatch(/kill/i);
    const started = Date.now();
    // Keep traffic flowing (each isolate checks in while it serves).
    const variants = await until(
      () => everyRouter("fleet-kill", "alice"),
      (v) => v.every((x) => x === "blue"),
      10_000,
    );
    expect(variants).toEqual(Array(ROUTERS).fill("blue"));
    // Through check-ins (the KV memo is 10 minutes): within a few intervals.
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 60_000);

  it("a raw `wrangler kv key put` with a higher version is adopted by the object and pushed to every isolate", async () => {
    await fleet.kv.put("service:fleet-raw", JSON.stringify(doc("fleet-raw")));
    expect(await everyRouter("fleet-raw", "bob")).toEqual(Array(ROUTERS).fill("blue"));
    await fleet.kv.put(
      "service:fleet-raw",
      JSON.stringify(doc("fleet-raw", { version: 2, live: "green" })),
    );
    const variants = await until(
      () => everyRouter("fleet-raw", "bob"),
      (v) => v.every((x) => x === "green"),
      10_000,
    );
    expect(variants).toEqual(Array(ROUTERS).fill("green"));
    const history = await admin("/services/fleet-raw/history?documents=0");
    expect((history.body.entries as { version: number; source: string }[])[0]).toMatchObject({
      version: 2,
      source: "kv",
    });
  }, 60_000);
});

describe("metrics are exact across isolates", () => {
  it("every request of every isolate is counted once, by arm", async () => {
    await fleet.kv.put(
      "service:fleet-count",
      JSON.stringify(
        doc("fleet-count", { canary: { origin: "canary", shareBp: 5_000, salt: "c" } }),
      ),
    );
    const sent = new Map<string, number>();
    const rounds = 25;
    for (let round = 0; round < rounds; round++) {
      const variants = await Promise.all(
        fleet.urls.map((url, i) => predict(url, "fleet-count", `user-${round}-${i}`)),
      );
      for (const v of variants) sent.set(v ?? "?", (sent.get(v ?? "?") ?? 0) + 1);
    }
    const total = rounds * ROUTERS;
    const arms = await until(
      async () => {
        const series = await admin("/services/fleet-count/series?minutes=10");
        const byArm = new Map<string, number>();
        for (const p of series.body.points as { arm: string; requests: number }[]) {
          byArm.set(p.arm, (byArm.get(p.arm) ?? 0) + p.requests);
        }
        return byArm;
      },
      (m) => [...m.values()].reduce((a, b) => a + b, 0) >= total,
      10_000,
    );
    expect(Object.fromEntries(arms)).toEqual(Object.fromEntries(sent));
    const control = await admin("/services/fleet-count/control");
    expect(control.body).toMatchObject({ service: "fleet-count", version: 1 });
    expect(control.body.isolates).toBe(ROUTERS);
  }, 60_000);
});
