/**
 * `router rollout ...` the way an operator runs it: `rollout plan` writes the
 * plan through the running router's admin API (the router in Miniflare,
 * real local KV, the services' control objects), the service's control
 * object starts it on its own alarm, and the router starts, judges and
 * commands rollouts through the admin API, with real model origins (Node,
 * an ephemeral port) serving real traffic. --direct edits plans in the same
 * local KV (the object adopts them) and is refused, clearly, by the
 * commands that need the object. Parsing and rendering are checked directly.
 * The CLI runs in-process (router.cli, runCliInProcess), except one command
 * of each kind run as a process: the group's help, --direct (plan, remove,
 * a refusal), status with the older ADMIN_TOKEN, and start.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError } from "../../scripts/cli/cli.ts";
import { parseSteps } from "../../scripts/cli/commands/rollout.ts";
import { devVar } from "../../scripts/cli/target.ts";
import { formatSeconds, parseDuration } from "../../src/document/edits/rollout.ts";
import { type DemoOrigins, startDemoOrigins } from "../support/stack/demo-origins.ts";
import {
  type CliRouter,
  finished,
  runCli,
  runCliInProcess,
  startCliRouter,
  tempState,
  waitForOutput,
} from "./cli-support.ts";

// biome-ignore lint/suspicious/noExplicitAny: --json output is checked field by field
type Json = any;

const ADMIN_TOKEN = "rollout-admin-token-at-least-32-bytes";
const state = tempState("router-rollout-");
let origins: DemoOrigins;
let router: CliRouter;
let routerUrl = "";
const readState = (service: string) => router.state(service);

const doc = (service: string, canary: boolean, over: Record<string, unknown> = {}) => ({
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
  ...over,
});

/**
 * A service whose plan (as `rollout plan ... --steps 20%:10m,50%:10m,100%:10m
 * --min-requests 10 --on-success stay` writes it) the object evaluates only
 * every 300 s: the commands below are not raced by its alarm.
 */
const runDoc = (service: string) =>
  doc(service, true, {
    version: 2,
    rollout: {
      steps: [
        { shareBp: 2000, bakeSeconds: 600 },
        { shareBp: 5000, bakeSeconds: 600 },
        { shareBp: 10_000, bakeSeconds: 600 },
      ],
      gates: { minRequests: 10 },
      onSuccess: "stay",
      analysisIntervalSeconds: 300,
    },
  });

const direct = ["--direct", "--persist-to", state.dir];

beforeAll(async () => {
  origins = await startDemoOrigins({
    "ro-blue": { version: "v1", family: "r", noise: 0 },
    "ro-green": { version: "v2", family: "r", noise: 0.05 },
  });
  // KV kept where `wrangler kv --local --persist-to` finds it (for --direct);
  // isolates check in every 100 ms and the objects' alarms tick every 200 ms.
  router = await startCliRouter(
    { ADMIN_TOKEN, CHECKIN_INTERVAL_MS: "100", CONTROL_ALARM_MS: "200" },
    { persistTo: state.dir },
  );
  routerUrl = router.url;
  await router.seed("service:ro", doc("ro", true));
  await router.seed("service:ro-bare", doc("ro-bare", false));
  await router.seed("service:ro-run", runDoc("ro-run"));
  await router.seed("service:ro-direct", doc("ro-direct", true));
  await router.seed("service:ro-tune", doc("ro-tune", true));
}, 60_000);

afterAll(async () => {
  await router?.dispose();
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
    expect((await runCliInProcess(["--help"])).stdout).toContain("  rollout ");
    expect((await runCliInProcess(["rollout"])).code).toBe(2);
  });

  it.each(SUBCOMMANDS)("rollout %s --help", async (name) => {
    const run = await runCliInProcess(["rollout", name, "--help"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Usage: router rollout ${name} <service>`);
  });
});

describe("rollout plan (the shared write path, the registry's rollout.plan)", () => {
  it("--dry-run prints the diff and writes nothing", async () => {
    const run = await router.cli([
      "rollout",
      "plan",
      "ro",
      "--steps",
      "20%:10m,50%:10m",
      "--dry-run",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("ro: version 1 -> 2: rollout plan set: 20% 10m, 50% 10m -> flip");
    expect(run.stdout).toContain("dry run: nothing written");
    const { doc, history } = await readState("ro");
    expect(doc.version).toBe(1);
    expect(doc.rollout).toBeUndefined();
    expect(history).toEqual([]);
  }, 60_000);

  it("a plan without a canary block is refused by the shared schema, with the field path", async () => {
    const run = await router.cli(["rollout", "plan", "ro-bare", "--steps", "5%:10m", "--json"]);
    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({ ok: false, error: { code: "invalid_change" } });
    expect(run.error.errors).toContainEqual({
      path: "rollout",
      message: "needs a canary block (origin and salt) to roll out",
    });
    expect((await readState("ro-bare")).doc.version).toBe(1);
  }, 60_000);

  it("bad options are usage errors (exit 2) before any KV access", async () => {
    for (const args of [
      ["--steps", "5%"],
      ["--steps", "5%:10m", "--on-success", "maybe"],
      ["--steps", "5%:10m", "--min-requests", "many"],
      ["--steps", "5%:10m", "--alpha", "many"],
      ["--steps", "5%:10m", "--alpha", "0.5"],
      ["--steps", "5%:10m", "--max-extension", "10"],
      ["--steps", "5%:10m", "--interval", "soon"],
      [],
    ]) {
      const run = await router.cli(["rollout", "plan", "ro", ...args]);
      expect(run.code, args.join(" ")).toBe(2);
    }
  }, 60_000);

  it("writes the plan with its gates and onSuccess; the history records the change", async () => {
    const run = await router.cli([
      ...["rollout", "plan", "ro", "--steps", "20%:10m,50%:10m,100%:10m"],
      ...["--min-requests", "10", "--on-success", "stay", "--json"],
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.data).toMatchObject({ written: true, version: 2 });
    const { doc, history } = await readState("ro");
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
    const again = await router.cli([
      "rollout",
      "plan",
      "ro",
      "--steps",
      "20%:10m,50%:10m,100%:10m",
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("rollout: the document already has this plan");
  }, 60_000);

  it("--alpha, --max-extension and --interval write the plan's alpha, maxExtensionSeconds and analysisIntervalSeconds", async () => {
    const tuned = await router.cli([
      ...["rollout", "plan", "ro-tune", "--steps", "20%:10m,100%:10m"],
      ...["--alpha", "0.05", "--max-extension", "2h", "--interval", "5m", "--json"],
    ]);
    expect(tuned.code, tuned.stderr).toBe(0);
    expect((await readState("ro-tune")).doc.rollout).toMatchObject({
      steps: [
        { shareBp: 2000, bakeSeconds: 600 },
        { shareBp: 10_000, bakeSeconds: 600 },
      ],
      alpha: 0.05,
      maxExtensionSeconds: 7200,
      analysisIntervalSeconds: 300,
    });
    // Changing them keeps the steps, so the running rollout goes on.
    const again = await router.cli([
      ...["rollout", "plan", "ro-tune", "--steps", "20%:10m,100%:10m"],
      ...["--alpha", "0.01", "--max-extension", "30m"],
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("rollout plan updated: 20% 10m, 100% 10m -> flip");
    expect((await readState("ro-tune")).doc.rollout).toMatchObject({
      alpha: 0.01,
      maxExtensionSeconds: 1800,
      analysisIntervalSeconds: 300,
    });
    // Out of the schema's range: refused with the field's path, nothing written.
    const tooFast = await router.cli([
      ...["rollout", "plan", "ro-tune", "--steps", "20%:10m,100%:10m", "--interval", "1s"],
    ]);
    expect(tooFast.code).toBe(1);
    expect(tooFast.stderr).toContain("args.analysisIntervalSeconds");
  }, 60_000);

  it("nobody runs `rollout start`: the service's control object starts the plan on its alarm", async () => {
    // The plan's analysisIntervalSeconds is the default, 5 s: the first
    // evaluation comes at most that long after the object started.
    let status: Json = null;
    for (const deadline = Date.now() + 25_000; Date.now() < deadline; ) {
      status = (await router.cli(["rollout", "status", "ro", "--json"])).data;
      if (status?.status) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toMatchObject({
      version: 3,
      plan: { analysisIntervalSeconds: 5 },
      statusCurrent: true,
      status: { state: "progressing", stepIndex: 0 },
      canary: { origin: "green", shareBp: 2000 },
    });
    expect(status.status.timeline.map((t: Json) => t.event)).toEqual(["start"]);
    const { doc, history } = await readState("ro");
    expect(doc).toMatchObject({ version: 3, updatedBy: "rollout-analyzer" });
    expect(history.at(-1)).toMatchObject({ version: 3, source: "rollout" });
    const twice = await router.cli(["rollout", "start", "ro"]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("ro: this plan's rollout is already progressing");
  }, 60_000);
});

describe("--direct (wrangler and KV, no router)", () => {
  const noRouter = { ROUTER_URL: "http://127.0.0.1:9", ROUTER_ADMIN_TOKEN: "unused" };

  it("the commands that need the control object refuse it, saying where the status and metrics are", async () => {
    for (const sub of ["status", "start", "evaluate", "pause", "resume", "abort", "promote"]) {
      const run = await runCliInProcess(["rollout", sub, "ro", ...direct], noRouter);
      expect(run.code, sub).toBe(2);
      expect(run.stderr).toContain(`rollout ${sub} needs the router, not --direct`);
      expect(run.stderr).toContain("live in the service's control object");
      expect(run.stderr).toContain("--url <url>");
    }
    const json = await runCli(["rollout", "status", "ro", "--remote", "--json"], noRouter);
    expect(json.code).toBe(2);
    expect(json.json).toMatchObject({ ok: false, error: { code: "router_required" } });
    expect(json.error.message).toContain("rollout status needs the router, not --remote");
  }, 60_000);

  it("plan and remove still work through wrangler; the router's control object adopts them", async () => {
    const plan = await runCli(
      ["rollout", "plan", "ro-direct", "--steps", "5%:1m", "--json", ...direct],
      noRouter,
    );
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.data).toMatchObject({ written: true, version: 2, target: `local (${state.dir})` });
    const view = await router.cli(["rollout", "status", "ro-direct", "--json"]);
    expect(view.code, view.stderr).toBe(0);
    expect(view.data).toMatchObject({
      version: 2,
      plan: { steps: [{ shareBp: 500, bakeSeconds: 60 }], onSuccess: "flip" },
    });
    const history = await router.cli(["history", "ro-direct", "--json"]);
    expect(history.data.entries.map((e: Json) => [e.version, e.source])).toEqual([[2, "cli"]]);

    // (The object may have started the plan meanwhile, on its alarm: remove follows KV either way.)
    const remove = await runCli(["rollout", "remove", "ro-direct", "--json", ...direct], noRouter);
    expect(remove.code, remove.stderr).toBe(0);
    expect(remove.data.written).toBe(true);
    expect(remove.data.change).toContain("rollout plan removed (was 5% 1m -> flip)");
    const after = await router.cli(["rollout", "status", "ro-direct", "--json"]);
    expect(after.data).toMatchObject({ version: remove.data.version, plan: null });
  }, 60_000);
});

describe("rollout commands through a running router's admin API", () => {
  const rollout = (...args: string[]) => router.cli(["rollout", ...args]);

  /** `n` predictions; resolves once the control object counts them (the isolate checks in every 100 ms). */
  async function traffic(service: string, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${routerUrl}/${service}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user-id": `user-${i}` },
        body: JSON.stringify({ id: `r-${i}`, features: { amount: i } }),
      });
      await res.arrayBuffer();
    }
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      const { metrics } = (await rollout("status", service, "--json")).data;
      if ((metrics.live?.requests ?? 0) + (metrics.canary?.requests ?? 0) >= n) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the control object never counted ${n} requests`);
  }

  it("clear errors: router not reachable, wrong token, no plan, no document", async () => {
    // --router-url is the older name of --url.
    const down = await router.cli([
      "rollout",
      "status",
      "ro",
      "--router-url",
      "http://127.0.0.1:9",
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(
      "no router at http://127.0.0.1:9: start it with `npm start`, pass --url (",
    );
    expect(down.stderr).not.toContain("--direct");

    const wrong = await router.cli(["rollout", "status", "ro"], { ROUTER_ADMIN_TOKEN: "wrong" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      "refused the admin token (403): ROUTER_ADMIN_TOKEN in the environment is not the router's ADMIN_TOKEN",
    );
    // ADMIN_TOKEN (the variable the rollout commands read before) still works.
    const older = await runCli(["rollout", "status", "ro", "--url", routerUrl], { ADMIN_TOKEN });
    expect(older.code, older.stderr).toBe(0);

    const none = await rollout("start", "ro-bare");
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("ro-bare has no rollout plan; write one first");
    const missing = await rollout("status", "nobody", "--json");
    expect(missing.code).toBe(1);
    expect(missing.json).toMatchObject({
      ok: false,
      error: { code: "no_routing_document", status: 404 },
    });
  }, 60_000);

  it("status before the first evaluation, start, metrics and gates after traffic", async () => {
    const before = await rollout("status", "ro-run");
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toContain("plan       20% 10m, 50% 10m, 100% 10m -> stay");
    expect(before.stdout).toContain(
      "state      not started: the service's control object starts it at its next evaluation (every analysisIntervalSeconds), or now: router rollout start ro-run",
    );
    expect(before.stdout).toContain(
      "(gates need 10 requests per arm; alpha 0.01; an undecided step holds up to 1h past its bake; evaluated every 5m)",
    );

    const start = await router.cliProcess(["rollout", "start", "ro-run"]);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toContain("ro-run: start: rollout of green started at 20% (version 3");
    const twice = await rollout("start", "ro-run");
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("already progressing");

    await traffic("ro-run", 100);
    const status = await rollout("status", "ro-run");
    expect(status.code, status.stderr).toBe(0);
    const out = status.stdout;
    expect(out).toContain("ro-run: live blue, canary green at 20%, document version 3");
    expect(out).toContain("state      progressing, step 1/3: 20% for 10m");
    expect(out).toMatch(/bake {7}\d+m\d*s? left|bake {7}9m\d+s left/);
    expect(out).toMatch(/gates now {2}\(version 3's metrics; would be: bake\)/);
    expect(out).toMatch(/pass +min-requests +canary \d+, live \d+ requests \(need 10 each\)/);
    expect(out).toMatch(/timeline\n +\S+ \S+ +start +v3 +rollout of green started at 20%/);
    expect(out).toMatch(/live +blue +\d+ +0 +0\.00% +\d+\.\d ms/);
    expect(out).toMatch(/canary +green +\d+ +0 +0\.00% +\d+\.\d ms/);
    expect(out).toMatch(/split {4}canary \d+ of 100 identified users \(\d+\.\d\d%; expected 20%\)/);

    const json = await rollout("status", "ro-run", "--json");
    const { live, canary } = json.data.metrics;
    expect(live.requests + canary.requests).toBe(100);
    expect(json.data).toMatchObject({ statusCurrent: true, status: { state: "progressing" } });
    // Times in ISO 8601, like the documents.
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    expect(json.data.now).toMatch(iso);
    expect(json.data.status.startedAt).toMatch(iso);
    expect(json.data.status.stepStartedAt).toMatch(iso);
    expect(json.data.status.timeline[0].at).toMatch(iso);
    expect(json.data.metrics.firstAt).toMatch(iso);

    const evaluate = await rollout("evaluate", "ro-run");
    expect(evaluate.code, evaluate.stderr).toBe(0);
    expect(evaluate.stdout).toMatch(/^ro-run: bake: step 1\/3 \(20%\): baking, \d+s left/);
  }, 120_000);

  it("pause, a refused second pause (409), resume, abort; promote after abort is refused", async () => {
    const pause = await rollout("pause", "ro-run", "--author", "alice");
    expect(pause.code, pause.stderr).toBe(0);
    expect(pause.stdout).toContain("ro-run: pause: pause by alice (version 3, paused, step 1)");

    const again = await rollout("pause", "ro-run", "--json");
    expect(again.code).toBe(1);
    expect(again.json).toMatchObject({
      ok: false,
      error: {
        code: "rollout_state",
        message: "refused (409): cannot pause a paused rollout",
        state: "paused",
      },
    });
    expect((await rollout("status", "ro-run")).stdout).toContain(
      "bake       paused: the bake starts over on resume",
    );

    expect((await rollout("resume", "ro-run", "--author", "alice")).code).toBe(0);
    // Someone watches: each change drawn (not a terminal: after a timestamped rule), and the
    // watch exits with the rollout's end: 1 for an abort.
    const watching = router.spawn(["rollout", "status", "ro-run", "--watch", "--interval", "0.2"]);
    watching.stdin?.end();
    const watched = finished(watching);
    await waitForOutput(watching, "state      progressing");
    const abort = await rollout("abort", "ro-run", "--author", "bob", "--json");
    expect(abort.code, abort.stderr).toBe(0);
    expect(abort.data).toMatchObject({ event: "abort", state: "aborted", version: 4 });
    const { doc, history } = await readState("ro-run");
    expect(doc.canary).toMatchObject({ killed: true });
    expect(doc.updatedBy).toBe("bob");
    expect(history.at(-1)).toMatchObject({ version: 4, source: "rollout" });

    const ended = await watched;
    expect(ended.code, ended.stderr).toBe(1);
    expect(ended.stdout).toMatch(/^--- \d{4}-\d\d-\d\dT[\d:.]+Z ---\nro-run: /);
    expect(ended.stdout).toMatch(/state {6}aborted/);
    expect(ended.stdout.trimEnd().endsWith("rollout aborted: exit 1")).toBe(true);
    expect(await rollout("status", "ro-run", "--watch", "--json")).toMatchObject({ code: 2 });

    const promote = await rollout("promote", "ro-run");
    expect(promote.code).toBe(1);
    expect(promote.stderr).toContain("cannot promote an aborted rollout");

    const status = await rollout("status", "ro-run");
    expect(status.stdout).toMatch(/state {6}aborted, step 1\/3/);
    expect(status.stdout).toMatch(/verdict {4}abort at .*: abort by bob/);
    for (const event of ["start", "pause", "resume", "abort"]) {
      expect(status.stdout).toMatch(new RegExp(`\\n +\\S+ \\S+ +${event} +v\\d`));
    }
  }, 120_000);

  it("rollout remove takes the plan out of the document; status shows the earlier rollout", async () => {
    const run = await router.cli(["rollout", "remove", "ro-run"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("rollout plan removed (was 20% 10m, 50% 10m, 100% 10m -> stay)");
    const status = await rollout("status", "ro-run");
    expect(status.stdout).toContain("plan       none");
    expect(status.stdout).toMatch(/previous {3}aborted rollout/);
  }, 60_000);
});
