/**
 * `router challenger status`: the leaderboard through a real router in
 * Miniflare with real local origins: answers' receipts sent back with
 * conversions (challenger-a converts every user, the champion none), then
 * the table and the --json envelope; an unknown service and --direct are
 * refused with the router's words.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoOrigins, startDemoOrigins } from "../support/stack/demo-origins.ts";
import { testModels } from "../test-models.ts";
import { type CliRouter, finished, startCliRouter } from "./cli-support.ts";

let origins: DemoOrigins;
let router: CliRouter;
const service = "cc-cli";

beforeAll(async () => {
  origins = await startDemoOrigins(testModels);
  router = await startCliRouter({
    OUTCOMES_TOKEN: "cli-outcomes-token",
    CHECKIN_INTERVAL_MS: "100",
  });
  const doc = {
    service,
    version: 1,
    updatedAt: new Date().toISOString(),
    updatedBy: "test",
    origins: {
      blue: { url: origins.url("blue") },
      "challenger-a": { url: origins.url("challenger-a") },
    },
    live: "blue",
    challengerSalt: "cc-cli-salt",
    challengers: [{ origin: "challenger-a", startBp: 0, shareBp: 3000 }],
  };
  await router.put(doc);
  const outcomes = [];
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${router.url}/${service}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": `cc-${i}` },
      body: JSON.stringify({ id: `tx-${i}`, features: { amount: i } }),
    });
    await res.arrayBuffer();
    const arm = res.headers.get("x-model-variant");
    outcomes.push({
      receipt: res.headers.get("x-router-assignment"),
      metric: "converted",
      value: arm === "challenger-a",
    });
  }
  const sent = await fetch(`${router.url}/_router/outcomes`, {
    method: "POST",
    headers: { authorization: "Bearer cli-outcomes-token", "content-type": "application/json" },
    body: JSON.stringify({ outcomes }),
  });
  expect(((await sent.json()) as { accepted: number }).accepted).toBe(200);
  // The isolate's request counts reach the control object at its next check-ins.
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const board = (await router.cli(["challenger", "status", service, "--json"])).json;
    const errors = board?.data?.challengers?.[0]?.metrics?.[0];
    if ((errors?.champion?.n ?? 0) + (errors?.challenger?.n ?? 0) >= 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the control object never counted the 200 requests");
}, 60_000);
afterAll(async () => {
  await router?.dispose();
  await origins?.close();
});

describe("challenger status", () => {
  it("prints each challenger's verdict and every metric's row", async () => {
    const run = await router.cli(["challenger", "status", service]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Challengers of "${service}" against the champion blue`);
    expect(run.stdout).toContain("challenger-a (30% of users): BETTER");
    expect(run.stdout).toMatch(
      /converted \(higher is better\) +0\.0% of \d+ +100\.0% of \d+ +\+100\.0 pp \(\+\d+\.\d pp to \+1\d\d\.\d pp\) +better +decided/,
    );
    expect(run.stdout).toMatch(/error-rate \(lower is better\) +0\.0% of \d+/);
    expect(run.stdout).toMatch(/latency \(lower is better\) +[\d.]+ ms of \d+/);
  });

  it("--json is the API's board in the envelope", async () => {
    const run = await router.cli(["challenger", "status", service, "--json"]);
    expect(run.json).toMatchObject({
      ok: true,
      data: { service, champion: "blue", challengers: [{ challenger: "challenger-a" }] },
    });
  });

  it("an unknown service exits 1 with the router's 404; --direct is not an option", async () => {
    const missing = await router.cli(["challenger", "status", "nobody-here"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no routing document");
    const direct = await router.cli(["challenger", "status", service, "--direct"]);
    expect(direct.code).toBe(2);
  });
  it("promote prints the evidence before it writes (a dry run writes nothing)", async () => {
    const run = await router.cli(["challenger", "promote", service, "challenger-a", "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    const evidence = run.stdout.indexOf("challenger-a (30% of users): BETTER");
    const plan = run.stdout.indexOf(`${service}: version 1 -> 2`);
    expect(evidence).toBeGreaterThanOrEqual(0);
    expect(plan).toBeGreaterThan(evidence);
    expect(run.stdout).not.toContain("warning:");
    expect((await router.state(service)).doc.live).toBe("blue");
  });

  it("a typo of a service name gets the closest one; a far one lists the services", async () => {
    const typo = await router.cli(["status", "cc-clo"]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(`no routing document for "cc-clo"`);
    expect(typo.stderr).toContain(`did you mean ${service}?`);
    const far = await router.cli(["status", "something-else-entirely"]);
    expect(far.code).toBe(1);
    expect(far.stderr).toContain(`services: ${service}`);
    expect(far.stderr).not.toContain("did you mean");
  });
});

describe("did you mean, safely", () => {
  it("never answers a typo with a command that takes traffic away or removes something", async () => {
    const kill = await router.cli(["canary", "kil", service]);
    expect(kill.code).toBe(2);
    expect(kill.stderr).not.toContain("did you mean kill");
    expect(kill.stderr).toContain("(set, ramp, kill, remove)");
    const report = await router.cli(["shadow", "repot", service]);
    expect(report.stderr).toContain("did you mean report?");
    const remove = await router.cli(["challenger", "remov", service]);
    expect(remove.stderr).not.toContain("did you mean remove");
  });

  it("router shadow report is the shadow report (its own help; a service without a shadow reports none)", async () => {
    const help = await router.cli(["shadow", "report", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: router shadow report <service>");
    const run = await router.cli(["shadow", "report", service, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ service });
  });

  it("status --watch draws again when the document changes, and only then", async () => {
    const watching = router.spawn(["status", service, "--summary", "--watch", "--interval", "0.2"]);
    watching.stdin?.end();
    const watched = finished(watching);
    let out = "";
    watching.stdout?.on("data", (d) => {
      out += d;
    });
    const rules = () => out.split("\n").filter((l) => l.startsWith("--- ")).length;
    for (const deadline = Date.now() + 10_000; rules() < 1 && Date.now() < deadline; )
      await new Promise((r) => setTimeout(r, 100));
    // Several reads (every 0.2 s) with nothing changed: no new drawing for each (the control
    // line may change once, when the isolate's first check-in arrives).
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rules();
    expect(idle).toBeLessThanOrEqual(2);
    const set = await router.cli(["challenger", "set", service, "challenger-a", "--share", "20%"]);
    expect(set.code, set.stderr).toBe(0);
    const latest = () => out.split("--- ").at(-1) ?? "";
    for (const deadline = Date.now() + 10_000; !latest().includes("20%") && Date.now() < deadline; )
      await new Promise((r) => setTimeout(r, 100));
    watching.kill("SIGINT");
    await watched;
    expect(latest()).toContain("20%");
    expect(rules()).toBeLessThanOrEqual(idle + 2);
  });
});
