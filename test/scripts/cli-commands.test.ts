/**
 * Each CLI command's effect against a running router's admin API (the router
 * in Miniflare, real local KV): status, the first canary write and an
 * unknown service's exit status run `node scripts/cli/router.ts ...` as a
 * process, the rest runs the same CLI in-process.
 * Commands run in sequence on one document, so each also proves the
 * previous write landed in KV (every write re-reads the stored document).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decide } from "../../src/core/routing/decide.ts";
import { validateRoutingDocument } from "../../src/document/validate.ts";
import { type CliRouter, demoDoc, startCliRouter } from "./cli-support.ts";

let router: CliRouter;
const writeMs: number[] = [];

/** Runs a write with --json and returns its answer's data. */
async function write(args: string[], asProcess = false) {
  const run = await (asProcess ? router.cliProcess : router.cli)([...args, "--json"]);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(run.json).toMatchObject({ ok: true, data: { written: true } });
  writeMs.push(run.ms);
  return run.data;
}

beforeAll(async () => {
  router = await startCliRouter();
  await router.seed("service:fraud", demoDoc("fraud"));
}, 60_000);
afterAll(async () => {
  const avg = writeMs.reduce((a, b) => a + b, 0) / Math.max(1, writeMs.length);
  console.log(`CLI writes: ${writeMs.length}, mean ${avg.toFixed(0)} ms each`);
  await router?.dispose();
});

describe("router CLI commands against a running router", () => {
  it("status: the stored document and who gets what share", async () => {
    const run = await router.cliProcess(["status", "fraud", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const [fraud] = run.data.services;
    expect(fraud.document).toEqual(demoDoc("fraud"));
    const shares = Object.fromEntries(
      fraud.summary.arms.map((a: { origin: string; expectedBp: number }) => [
        a.origin,
        a.expectedBp,
      ]),
    );
    expect(shares).toEqual({
      blue: 6300,
      canary: 1000,
      "challenger-a": 1350,
      "challenger-b": 1350,
    });
    expect(fraud.summary.idle).toEqual(["green"]);

    const text = await router.cli(["status", "--summary"]);
    expect(text.stdout).toContain(
      "fraud: version 1, updated 2026-11-26T00:00:00.000Z by demo-seed",
    );
    expect(text.stdout).toMatch(/live\s+blue\s+63\.00%/);
    expect(text.stdout).toMatch(/canary\s+canary\s+10\.00%/);
  }, 30_000);

  it("canary ramp / set / kill", async () => {
    const ramped = await write(["canary", "ramp", "fraud"], true);
    expect(ramped.change).toBe("canary canary ramped 10% -> 25%");
    expect(ramped.document.canary).toMatchObject({
      shareBp: 2500,
      salt: "fraud-canary-2026-11-26",
    });
    expect(ramped.document).toMatchObject({ version: 2, updatedBy: "test-operator" });

    const set = await write(["canary", "set", "fraud", "--share", "0.07%"]);
    expect(set.document.canary).toMatchObject({ shareBp: 7, salt: "fraud-canary-2026-11-26" });

    const killed = await write(["canary", "kill", "fraud"]);
    expect(killed.document.canary).toMatchObject({ killed: true, shareBp: 7 });
    expect(killed.diff).toEqual([
      { path: "canary.killed", kind: "changed", before: false, after: true },
    ]);
  }, 30_000);

  it("challenger add (first free range) / set / promote (the old live stays an origin)", async () => {
    const added = await write(["challenger", "add", "fraud", "green", "--share", "5%"]);
    expect(added.document.challengers).toEqual([
      { origin: "challenger-a", startBp: 0, shareBp: 1500 },
      { origin: "challenger-b", startBp: 1500, shareBp: 1500 },
      { origin: "green", startBp: 3000, shareBp: 500 },
    ]);
    const set = await write(["challenger", "set", "fraud", "green", "--bp", "700"]);
    expect(set.document.challengers[2]).toEqual({ origin: "green", startBp: 3000, shareBp: 700 });

    const promoted = await write(["challenger", "promote", "fraud", "green"]);
    expect(promoted.change).toBe("challenger green promoted to champion (live blue -> green)");
    expect(promoted.document.live).toBe("green");
    expect(promoted.document.challengers).toEqual([
      { origin: "challenger-a", startBp: 0, shareBp: 1500 },
      { origin: "challenger-b", startBp: 1500, shareBp: 1500 },
    ]);
    expect(Object.keys(promoted.document.origins)).toContain("blue");
  }, 30_000);

  it("challenger remove, and the document in KV is exactly the last one written", async () => {
    const removed = await write(["challenger", "remove", "fraud", "challenger-a"]);
    expect(removed.document.challengers).toEqual([
      { origin: "challenger-b", startBp: 1500, shareBp: 1500 },
    ]);
    const { doc } = await router.state("fraud");
    expect(doc).toEqual(removed.document);
    expect(doc.version).toBe(8);
  }, 30_000);

  it("shadow on / set / off", async () => {
    const on = await write(["shadow", "on", "fraud", "blue", "--share", "10%"]);
    expect(on.document.shadow).toMatchObject({ origin: "blue", shareBp: 1000, enabled: true });
    const set = await write(["shadow", "set", "fraud", "--share", "25%"]);
    expect(set.document.shadow).toMatchObject({ origin: "blue", shareBp: 2500 });
    const off = await write(["shadow", "off", "fraud"]);
    expect(off.document.shadow).toMatchObject({ origin: "blue", shareBp: 2500, enabled: false });
  }, 30_000);

  it("assign: the worker's own decide() on the stored document", async () => {
    const run = await router.cli(["assign", "fraud", "alice", "bob", "carol", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const { doc } = await router.state("fraud");
    const parsed = validateRoutingDocument(doc);
    if (!parsed.ok) throw new Error("stored document invalid");
    for (const d of run.data.decisions) {
      expect(d).toEqual({ userId: d.userId, ...decide(parsed.doc, { userId: d.userId }) });
    }
    const text = await router.cli(["assign", "x", "u1", "--file", "scripts/demo/fraud.json"]);
    expect(text.stdout).toMatch(/^u1 -> \S+ \((live|canary|challenger), bucket \d+\)$/m);
  }, 30_000);
  it("status of an unknown service exits 1; a name the router refuses is exit 1 too", async () => {
    const run = await router.cliProcess(["status", "nobody"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no routing document for "nobody" (${router.url})`);
    const json = await router.cli(["status", "nobody", "--json"]);
    expect(json.json).toEqual({
      ok: false,
      error: { code: "not_found", service: "nobody", message: expect.any(String) },
    });
    const bad = await router.cli(["status", "Not_A_Name"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("not a valid service name");
  }, 30_000);

  it("--origin-url adds the canary's origin first; canary remove and shadow remove drop their blocks", async () => {
    const set = await write([
      "canary",
      "set",
      "fraud",
      "purple",
      "--share",
      "1%",
      "--origin-url",
      "http://127.0.0.1:9/purple",
    ]);
    expect(set.document.origins.purple).toMatchObject({ url: "http://127.0.0.1:9/purple" });
    expect(set.document.canary).toMatchObject({ origin: "purple", shareBp: 100 });
    expect((await write(["canary", "remove", "fraud"])).document.canary).toBeUndefined();
    expect((await write(["shadow", "remove", "fraud"])).document.shadow).toBeUndefined();
  }, 30_000);
});
