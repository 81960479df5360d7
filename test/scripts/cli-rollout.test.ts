/**
 * `router rollout ...` the way an operator runs it: `rollout plan` writes the
 * plan into real local KV (wrangler --local --persist-to <temp>), then the
 * router under `wrangler dev --persist-to <same temp>` starts and judges the
 * rollout through the admin API, with real model origins (Node, an
 * ephemeral port) serving real traffic. Parsing and rendering are checked
 * directly.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoOrigins, startDemoOrigins } from "../../scripts/lib/demo-origins.ts";
import { CliError } from "../../scripts/router/cli.ts";
import { parseSteps } from "../../scripts/router/commands/rollout.ts";
import { devVar } from "../../scripts/router/commands/rollout-admin.ts";
import { formatSeconds, parseDuration } from "../../src/document/edits/rollout.ts";
import { type LocalProcess, startWranglerDev } from "../support/wrangler-dev.ts";
import { readState, runCli, seed, tempState } from "./cli-support.ts";

const ADMIN_TOKEN = "rollout-admin-token";
const state = tempState("router-rollout-");
const kv = ["--persist-to", state.dir];
const env = { ADMIN_TOKEN };
let origins: DemoOrigins;
let router: LocalProcess | undefined;
let routerUrl = "";
/** The router starts while the KV-only tests run (wrangler dev takes seconds to come up). */
let routerReady: Promise<void> = Promise.resolve();

const doc = (service: string, canary: boolean) => ({
  service,
  version: 1,
  updatedAt: "2026-11-26T00:00:00.000Z",
  updatedBy: "seed",
  origins: {
    blue: { url: origins.url("ro-blue") },
    green: { url: origins.url("ro-green") },
  },
  live: "blue",
  ...(canary ? { canary: { origin: "green", shareBp: 0, salt: `${service}-salt` } } : {}),
});

async function startRouter(): Promise<void> {
  router = await startWranglerDev({
    persistTo: state.dir,
    vars: { ADMIN_TOKEN, CONFIG_MEMO_TTL_MS: "0", METRICS_FLUSH_MS: "0" },
  });
  routerUrl = router.url;
}

beforeAll(async () => {
  origins = await startDemoOrigins({
    "ro-blue": { version: "v1", family: "r", noise: 0 },
    "ro-green": { version: "v2", family: "r", noise: 0.05 },
  });
  // One wrangler at a time on a state directory: concurrent ones fail with SQLITE_BUSY.
  await seed(state.dir, "service:ro", doc("ro", true));
  await seed(state.dir, "service:ro-bare", doc("ro-bare", false));
  routerReady = startRouter();
  routerReady.catch(() => {}); // reported by the router tests' beforeAll
}, 60_000);

afterAll(async () => {
  router?.stop();
  await origins?.close();
  state.cleanup();
});

describe("parsing", () => {
  it.each([
    ["30s", 30],
    ["10m", 600],
    ["2h", 7200],
    ["1h30m", 5400],
    ["1d", 86_400],
    ["0s", 0],
  ])("duration %s is %i s", (text, seconds) => {
    expect(parseDuration(text)).toEqual({ ok: true, seconds });
    expect(parseDuration(formatSeconds(seconds))).toEqual({ ok: true, seconds });
  });

  it.each(["10", "", "m", "10 m", "1m2h", "-5m"])("duration %j is refused", (text) => {
    expect(parseDuration(text).ok).toBe(false);
  });

  it("--steps: shares as % or bp, bakes as durations; malformed steps are usage errors", () => {
    expect(parseSteps("1%:10m, 5%:30m,2500bp:1h,100%:0s")).toEqual([
      { shareBp: 100, bakeSeconds: 600 },
      { shareBp: 500, bakeSeconds: 1800 },
      { shareBp: 2500, bakeSeconds: 3600 },
      { shareBp: 10_000, bakeSeconds: 0 },
    ]);
    for (const bad of ["5%", "5%:10", "5:10m", "5%:10m,", "5%:10m:1", "0.001%:1m", "120%:1m"]) {
      expect(() => parseSteps(bad), bad).toThrow(CliError);
    }
  });

  it("ADMIN_TOKEN from a dotenv file (quoted or not)", () => {
    const file = join(state.dir, "vars");
    writeFileSync(file, `OVERRIDE_TOKEN=o\n ADMIN_TOKEN = "s3cret"\n`);
    expect(devVar("ADMIN_TOKEN", file)).toBe("s3cret");
    expect(devVar("JWT_SECRET", file)).toBeNull();
    expect(devVar("ADMIN_TOKEN", join(state.dir, "missing"))).toBeNull();
  });
});

const SUBCOMMANDS = [
  "plan",
  "remove",
  "status",
  "start",
  "evaluate",
  "pause",
  "resume",
  "abort",
  "promote",
];

describe("--help", () => {
  it("the group lists every subcommand and says how a rollout starts; no subcommand is a usage error", async () => {
    const run = await runCli(["rollout", "--help"]);
    expect(run.code).toBe(0);
    for (const name of SUBCOMMANDS) expect(run.stdout).toContain(`  ${name} `);
    expect(run.stdout).toContain(
      "Starting a rollout: the document needs a canary block and a rollout plan",
    );
    expect((await runCli(["--help"])).stdout).toContain("  rollout ");
    expect((await runCli(["rollout"])).code).toBe(2);
  });

  it.each(SUBCOMMANDS)("rollout %s --help", async (name) => {
    const run = await runCli(["rollout", name, "--help"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Usage: npm run router -- rollout ${name} <service>`);
  });
});

describe("rollout plan (the shared write path, real local KV)", () => {
  it("--dry-run prints the diff and writes nothing", async () => {
    const run = await runCli([
      "rollout",
      "plan",
      "ro",
      "--steps",
      "20%:10m,50%:10m",
      "--dry-run",
      ...kv,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("ro: version 1 -> 2: rollout plan set: 20% 10m, 50% 10m -> flip");
    expect(run.stdout).toContain("dry run: nothing written");
    const { doc, history } = await readState(state.dir, "ro");
    expect(doc.version).toBe(1);
    expect(doc.rollout).toBeUndefined();
    expect(history).toEqual([]);
  }, 60_000);

  it("a plan without a canary block is refused by the shared schema, with the field path", async () => {
    const run = await runCli(["rollout", "plan", "ro-bare", "--steps", "5%:10m", "--json", ...kv]);
    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({ ok: false, error: "invalid_change" });
    expect(run.json.errors).toContainEqual({
      path: "rollout",
      message: "needs a canary block (origin and salt) to roll out",
    });
    expect((await readState(state.dir, "ro-bare")).doc.version).toBe(1);
  }, 60_000);

  it("bad options are usage errors (exit 2) before any KV access", async () => {
    for (const args of [
      ["--steps", "5%"],
      ["--steps", "5%:10m", "--on-success", "maybe"],
      ["--steps", "5%:10m", "--min-requests", "many"],
      [],
    ]) {
      const run = await runCli(["rollout", "plan", "ro", ...args, ...kv]);
      expect(run.code, args.join(" ")).toBe(2);
    }
  }, 60_000);

  it("writes the plan with its gates and onSuccess; the history records the change", async () => {
    const run = await runCli([
      ...["rollout", "plan", "ro", "--steps", "20%:10m,50%:10m,100%:10m"],
      ...["--min-requests", "10", "--on-success", "stay", "--json", ...kv],
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ written: true, version: 2 });
    const { doc, history } = await readState(state.dir, "ro");
    expect(doc.rollout).toMatchObject({
      steps: [
        { shareBp: 2000, bakeSeconds: 600 },
        { shareBp: 5000, bakeSeconds: 600 },
        { shareBp: 10_000, bakeSeconds: 600 },
      ],
      gates: { minRequests: 10 },
      onSuccess: "stay",
    });
    expect(history.map((e) => [e.version, e.source, e.change])).toEqual([
      [2, "cli", "rollout plan set: 20% 10m, 50% 10m, 100% 10m -> stay"],
    ]);
    const again = await runCli([
      ...["rollout", "plan", "ro", "--steps", "20%:10m,50%:10m,100%:10m", ...kv],
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("rollout: the document already has this plan");
  }, 60_000);
});

describe("rollout commands through a running router's admin API", () => {
  beforeAll(() => routerReady, 120_000);

  const rollout = (...args: string[]) =>
    runCli(["rollout", ...args, "--router-url", routerUrl], env);

  async function traffic(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${routerUrl}/ro/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user-id": `user-${i}` },
        body: JSON.stringify({ id: `r-${i}`, features: { amount: i } }),
      });
      await res.arrayBuffer();
    }
  }

  it("clear errors: router not reachable, wrong token, no plan", async () => {
    const down = await runCli(
      ["rollout", "status", "ro", "--router-url", "http://127.0.0.1:9"],
      env,
    );
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("cannot reach the router at http://127.0.0.1:9");
    expect(down.stderr).toContain("is `npm start` running?");

    const wrong = await runCli(["rollout", "status", "ro", "--router-url", routerUrl], {
      ADMIN_TOKEN: "wrong",
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("refused the admin token (403)");

    const none = await rollout("start", "ro-bare");
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("ro-bare has no rollout plan; write one first");
    const missing = await rollout("status", "nobody", "--json");
    expect(missing.code).toBe(1);
    expect(missing.json).toMatchObject({ ok: false, error: "no_routing_document", status: 404 });
  }, 60_000);

  it("status before the first tick, start, metrics and gates after traffic", async () => {
    const before = await rollout("status", "ro");
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toContain("plan       20% 10m, 50% 10m, 100% 10m -> stay");
    expect(before.stdout).toContain("state      not started");

    const start = await rollout("start", "ro");
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toContain("ro: start: rollout of green started at 20% (version 3");
    const twice = await rollout("start", "ro");
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("already progressing");

    await traffic(100);
    const status = await rollout("status", "ro");
    expect(status.code, status.stderr).toBe(0);
    const out = status.stdout;
    expect(out).toContain("ro: live blue, canary green at 20%, document version 3");
    expect(out).toContain("state      progressing, step 1/3: 20% for 10m");
    expect(out).toMatch(/bake {7}\d+m\d*s? left|bake {7}9m\d+s left/);
    expect(out).toMatch(/gates now {2}\(version 3's metrics; would be: bake\)/);
    expect(out).toMatch(/pass +min-requests +canary \d+, live \d+ requests \(need 10 each\)/);
    expect(out).toMatch(/timeline\n +\S+ \S+ +start +v3 +rollout of green started at 20%/);
    expect(out).toMatch(/live +blue +\d+ +0 +0\.00% +\d+\.\d ms/);
    expect(out).toMatch(/canary +green +\d+ +0 +0\.00% +\d+\.\d ms/);
    expect(out).toMatch(/split {4}canary \d+ of 100 identified users \(\d+\.\d\d%; expected 20%\)/);

    const json = await rollout("status", "ro", "--json");
    const { live, canary } = json.json.metrics;
    expect(live.requests + canary.requests).toBe(100);
    expect(json.json).toMatchObject({ statusCurrent: true, status: { state: "progressing" } });

    const evaluate = await rollout("evaluate", "ro");
    expect(evaluate.code, evaluate.stderr).toBe(0);
    expect(evaluate.stdout).toMatch(/^ro: bake: step 1\/3 \(20%\): baking, \d+s left/);
  }, 120_000);

  it("pause, a refused second pause (409), resume, abort; promote after abort is refused", async () => {
    const pause = await rollout("pause", "ro", "--author", "alice");
    expect(pause.code, pause.stderr).toBe(0);
    expect(pause.stdout).toContain("ro: pause: pause by alice (version 3, paused, step 1)");

    const again = await rollout("pause", "ro", "--json");
    expect(again.code).toBe(1);
    expect(again.json).toMatchObject({
      ok: false,
      error: "rollout_state",
      message: "refused (409): cannot pause a paused rollout",
      state: "paused",
    });
    expect((await rollout("status", "ro")).stdout).toContain(
      "bake       paused: the bake starts over on resume",
    );

    expect((await rollout("resume", "ro", "--author", "alice")).code).toBe(0);
    const abort = await rollout("abort", "ro", "--author", "bob", "--json");
    expect(abort.code, abort.stderr).toBe(0);
    expect(abort.json).toMatchObject({ event: "abort", state: "aborted", version: 4 });
    const { doc, history } = await readState(state.dir, "ro");
    expect(doc.canary).toMatchObject({ killed: true });
    expect(doc.updatedBy).toBe("bob");
    expect(history.at(-1)).toMatchObject({ version: 4, source: "rollout" });

    const promote = await rollout("promote", "ro");
    expect(promote.code).toBe(1);
    expect(promote.stderr).toContain("cannot promote an aborted rollout");

    const status = await rollout("status", "ro");
    expect(status.stdout).toMatch(/state {6}aborted, step 1\/3/);
    expect(status.stdout).toMatch(/verdict {4}abort at .*: abort by bob/);
    for (const event of ["start", "pause", "resume", "abort"]) {
      expect(status.stdout).toMatch(new RegExp(`\\n +\\S+ \\S+ +${event} +v\\d`));
    }
  }, 120_000);

  it("rollout remove takes the plan out of the document; status shows the earlier rollout", async () => {
    const run = await runCli(["rollout", "remove", "ro", ...kv]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("rollout plan removed (was 20% 10m, 50% 10m, 100% 10m -> stay)");
    const status = await rollout("status", "ro");
    expect(status.stdout).toContain("plan       none");
    expect(status.stdout).toMatch(/previous {3}aborted rollout/);
  }, 60_000);
});
