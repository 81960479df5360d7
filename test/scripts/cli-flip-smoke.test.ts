/**
 * Smoke-tested flips through a running router, and one history shared by the
 * CLI and the admin API. Starts real model origins (Node, an ephemeral
 * port) and the router in Miniflare (real local KV); the CLI talks to its
 * admin API and sends the smoke tests through the same router. The refused
 * flip runs the CLI as a process; the others run it in-process.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoOrigins, startDemoOrigins } from "../support/stack/demo-origins.ts";
import { type CliRouter, startCliRouter, tempState } from "./cli-support.ts";

const OVERRIDE_TOKEN = "smoke-override-token";
const ADMIN_TOKEN = "smoke-admin-token-at-least-32-bytes";
const state = tempState("router-smoke-");
const smokeFile = join(state.dir, "smoke.json");
let origins: DemoOrigins;
let router: CliRouter;
let routerUrl = "";

const flipArgs = (...extra: string[]) => ["flip", "smoke", "--smoke-file", smokeFile, ...extra];
const runCli = (args: string[], env: Record<string, string> = {}) => router.cli(args, env);
const readState = (service: string) => router.state(service);

beforeAll(async () => {
  origins = await startDemoOrigins({
    "smoke-blue": { version: "v1", family: "s", noise: 0 },
    "smoke-green": { version: "v2", family: "s", noise: 0.05 },
    "smoke-broken": { version: "v3", family: "s", noise: 0, behaviour: "error" },
  });
  router = await startCliRouter({ OVERRIDE_TOKEN, ADMIN_TOKEN });
  routerUrl = router.url;
  await router.seed("service:smoke", {
    service: "smoke",
    version: 1,
    updatedAt: "2026-11-26T00:00:00.000Z",
    updatedBy: "seed",
    origins: {
      blue: { url: origins.url("smoke-blue") },
      green: { url: origins.url("smoke-green") },
      broken: { url: origins.url("smoke-broken") },
    },
    live: "blue",
  });
  writeFileSync(
    smokeFile,
    JSON.stringify([
      { method: "GET", path: "/health", expect: { jsonFields: ["ok"] } },
      {
        name: "predict",
        path: "/predict",
        body: { id: "s-1", features: { amount: 3 } },
        expect: { status: 200, jsonFields: ["score", "label"] },
      },
    ]),
  );
}, 60_000);

afterAll(async () => {
  await router?.dispose();
  await origins?.close();
  state.cleanup();
});

const variantFor = async (user: string) => {
  const res = await fetch(`${routerUrl}/smoke/predict`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-user-id": user },
    body: JSON.stringify({ id: "x", features: { amount: 1 } }),
  });
  await res.arrayBuffer();
  return res.headers.get("x-model-variant");
};

const admin = async (path: string, method = "GET", body?: unknown) => {
  const res = await fetch(`${routerUrl}/_router/admin/services/smoke${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: checked field by field
  return { status: res.status, body: (await res.json()) as any };
};

describe("smoke-tested blue-green flips", () => {
  it("a failing smoke test refuses the flip, and nothing is written", async () => {
    const run = await router.cliProcess(flipArgs("--to", "broken"));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`smoke tests of broken via ${routerUrl}`);
    expect(run.stdout).toMatch(/FAIL {2}GET \/health .*status 500, expected 200/);
    expect(run.stderr).toContain("refused: the checks failed; nothing written");
    const { doc, history } = await readState("smoke");
    expect(doc).toMatchObject({ version: 1, live: "blue" });
    expect(history).toEqual([]);
  }, 30_000);

  it("a wrong override token fails the smoke test (the router answers 403)", async () => {
    const run = await runCli(flipArgs("--to", "green", "--json"), { OVERRIDE_TOKEN: "wrong" });
    expect(run.code).toBe(1);
    expect(run.error).toMatchObject({ code: "check_failed", version: 2, forced: false });
    expect(run.error.check.results[0]).toMatchObject({ ok: false, status: 403 });
    expect((await readState("smoke")).doc.live).toBe("blue");
  }, 30_000);

  it("passing smoke tests flip live; the router serves the new origin", async () => {
    expect(await variantFor("u1")).toBe("blue");
    const run = await runCli(flipArgs("--to", "green", "--json"));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.data).toMatchObject({ written: true, version: 2, forced: false });
    expect(
      run.data.check.results.map((r: { ok: boolean; variant: string }) => [r.ok, r.variant]),
    ).toEqual([
      [true, "green"],
      [true, "green"],
    ]);
    expect(await variantFor("u1")).toBe("green");
  }, 30_000);

  it("--force skips the smoke tests and the history records forced", async () => {
    const run = await runCli(flipArgs("--to", "broken", "--force"));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("smoke tests SKIPPED (--force)");
    const { history } = await readState("smoke");
    expect(history.map((e) => [e.version, e.source, e.change, e.forced ?? false])).toEqual([
      [2, "cli", "flip live blue -> green", false],
      [3, "cli", "flip live green -> broken", true],
    ]);
  }, 30_000);
});

describe("one history for the CLI and the admin API", () => {
  it("the admin API reads the CLI's entries, rolls back, and the CLI sees the admin's entry", async () => {
    const history = await admin("/history?documents=0");
    expect(history.status).toBe(200);
    expect(history.body.entries[0]).toMatchObject({ version: 3, source: "cli", forced: true });

    const back = await admin("/rollback", "POST", {});
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ version: 4, change: "rollback to version 2 (live green)" });
    expect(await variantFor("u1")).toBe("green");

    const cli = await runCli(["history", "smoke", "--json"]);
    expect(cli.data.entries[0]).toMatchObject({ version: 4, source: "admin" });
    const undo = await runCli(["rollback", "smoke"]);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toContain("rollback to version 3 (live broken)");
    const after = await admin("");
    expect(after.body).toMatchObject({ version: 5, document: { live: "broken" } });
  }, 30_000);
});
