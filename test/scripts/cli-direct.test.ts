/**
 * The break-glass mode, end to end: `--direct` reads and writes local KV
 * with `wrangler kv --local --persist-to <temp>` and no router at all,
 * running the same registry edits through the same write pipeline. A
 * router in Miniflare on the SAME local KV shows that both modes see one
 * state and print the same JSON. Each wrangler run takes about a second
 * (and 2-3 s of CPU), so this file keeps to a handful of commands, and
 * reads what they wrote through the router's binding to the same local
 * KV; every other CLI test talks to the router.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CliRouter,
  demoDoc,
  runCli,
  seedMany,
  startCliRouter,
  tempState,
} from "./cli-support.ts";

const state = tempState("router-direct-");
const direct = ["--direct", "--persist-to", state.dir];
let router: CliRouter;
/** No router to be found: --direct must not need one. */
const noRouter = { ROUTER_URL: "http://127.0.0.1:9", ROUTER_ADMIN_TOKEN: "unused" };

beforeAll(async () => {
  await seedMany(state.dir, {
    "service:fraud": demoDoc("fraud"),
    "service:churn": demoDoc("churn"),
  });
  router = await startCliRouter({}, { persistTo: state.dir });
}, 60_000);
afterAll(async () => {
  await router?.dispose();
  state.cleanup();
});

describe("--direct: wrangler and KV, no router", () => {
  it("status: the same summary and JSON as the router's; an unknown service exits 1", async () => {
    const text = await runCli(["status", "fraud", "--summary", ...direct], noRouter);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/live\s+blue\s+63\.00%/);

    const [viaKv, viaRouter] = await Promise.all([
      runCli(["status", "--json", ...direct], noRouter),
      router.cli(["status", "--json"]),
    ]);
    expect(viaKv.code, viaKv.stderr).toBe(0);
    expect(viaKv.data.services).toHaveLength(2);
    expect(viaKv.data.services).toEqual(viaRouter.data.services);
    // Only the router knows the control objects' state (isolates checking in, versions).
    expect(viaKv.data.control).toBeUndefined();
    expect(viaRouter.data.control).toHaveLength(2);

    const missing = await runCli(["status", "nobody", ...direct], noRouter);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no routing document for "nobody" (local (${state.dir}))`);
  }, 60_000);

  it("flip: written through wrangler, recorded as the CLI's and forced; the router serves it", async () => {
    const run = await runCli(["flip", "fraud", "--force", "--json", ...direct], noRouter);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.data).toMatchObject({
      written: true,
      fromVersion: 1,
      version: 2,
      target: `local (${state.dir})`,
      change: "flip live blue -> green",
      forced: true,
    });
    const { doc, history } = await router.state("fraud");
    expect(doc).toMatchObject({ version: 2, live: "green", updatedBy: "test-operator" });
    expect(history.map((e) => [e.version, e.source, e.forced])).toEqual([[2, "cli", true]]);
    expect((await router.cli(["status", "fraud", "--json"])).data.services[0]).toMatchObject({
      version: 2,
      document: { live: "green" },
    });
    // --remote has no local router to smoke-test through: say so before touching KV.
    const remote = await runCli(["flip", "fraud", "--direct", "--remote"]);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain("give its --url (or --force)");
  }, 60_000);

  it("rollback and history: the previous document comes back as a new version", async () => {
    const back = await runCli(["rollback", "fraud", ...direct], noRouter);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain("fraud: version 2 -> 3: rollback to version 1 (live blue)");
    expect(back.stdout).toContain(`wrote fraud version 3 (local (${state.dir}))`);
    expect((await router.state("fraud")).doc).toMatchObject({ version: 3, live: "blue" });

    const [viaKv, viaRouter] = await Promise.all([
      runCli(["history", "fraud", "--json", ...direct], noRouter),
      router.cli(["history", "fraud", "--json"]),
    ]);
    expect(viaKv.code, viaKv.stderr).toBe(0);
    expect(viaKv.data).toMatchObject({
      currentVersion: 3,
      currentRecorded: true,
      restorable: [2, 1],
    });
    expect(viaKv.data).toEqual(viaRouter.data);
  }, 60_000);
});
