/**
 * What the CLI refuses, through a running router's admin API (the router in
 * Miniflare, real local KV): invalid changes (with field paths), --dry-run,
 * the lost-update guard (--expect-version, and a write that lands while
 * another command waits at --confirm, between its dry run and its write),
 * invalid stored documents. Every refusal must leave KV byte-for-byte
 * unchanged. The CLI runs in-process, except the exit status 3 and the
 * --confirm prompt (a process).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRouter, demoDoc, finished, startCliRouter, waitForOutput } from "./cli-support.ts";

let router: CliRouter;
let seededRaw: string | null = null;
const cli = (args: string[]) => router.cli(args);

/** KV holds exactly what was seeded, and no history. */
async function expectUntouched(service = "fraud") {
  const now = await router.state(service);
  expect(now.raw).toBe(seededRaw);
  expect(now.history).toEqual([]);
}

beforeAll(async () => {
  router = await startCliRouter();
  await router.seed("service:fraud", demoDoc("fraud"));
  seededRaw = (await router.state("fraud")).raw;
}, 60_000);
afterAll(() => router?.dispose());

describe("invalid changes are refused and nothing is written", () => {
  it("reports the failing field paths (text and --json), exit 1", async () => {
    const run = await cli(["canary", "set", "fraud", "blue", "--share", "5%"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("refused (nothing written)");
    expect(run.stderr).toContain("canary.origin: must differ from the live origin");

    const json = await cli([
      ...["challenger", "add", "fraud", "green", "--share", "5%", "--start-bp", "9800"],
      "--json",
    ]);
    expect(json.code).toBe(1);
    expect(json.json).toMatchObject({ ok: false, error: { code: "invalid_change" } });
    expect(json.error.errors).toContainEqual({
      path: "challengers.2.shareBp",
      message: "range ends past 10000 (startBp + shareBp)",
    });
    await expectUntouched();
  }, 30_000);

  it("refuses shares finer than a basis point, and bare numbers, as usage errors (exit 2)", async () => {
    const fine = await cli(["canary", "set", "fraud", "--share", "0.005%"]);
    expect(fine.code).toBe(2);
    expect(fine.stderr).toContain("finer than one basis point");
    const bare = await cli(["canary", "ramp", "fraud", "--to", "25"]);
    expect(bare.code).toBe(2);
    const preview = await cli(["status", "fraud", "--direct", "--preview"]);
    expect(preview.code).toBe(2);
    expect(preview.stderr).toContain("no preview_id");
    const remote = await cli(["status", "fraud", "--remote"]);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain("--remote is a --direct option");
  }, 30_000);

  it("--dry-run prints the diff and writes nothing", async () => {
    const run = await cli(["canary", "ramp", "fraud", "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("fraud: version 1 -> 2: canary canary ramped 10% -> 25%");
    expect(run.stdout).toContain("~ canary.shareBp: 1000 -> 2500");
    expect(run.stdout).toContain("dry run: nothing written");
    const json = await cli(["flip", "fraud", "--force", "--dry-run", "--json"]);
    expect(json.json).toMatchObject({
      ok: true,
      data: { dryRun: true, written: false, version: 2, target: router.url, forced: true },
    });
    expect(json.data.diff).toEqual([
      { path: "live", kind: "changed", before: "blue", after: "green" },
    ]);
    await expectUntouched();
  }, 30_000);
});

describe("lost updates", () => {
  it("--expect-version refuses when the stored version is another (exit 3)", async () => {
    const run = await router.cliProcess(["canary", "kill", "fraud", "--expect-version", "4"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("fraud is at version 1, not 4");
    await expectUntouched();
  }, 30_000);

  it("refuses a write when another lands between its read and its write", async () => {
    // The slow writer reads version 1, shows its diff and waits for a human...
    const slow = router.spawn(["canary", "ramp", "fraud", "--confirm"]);
    const slowDone = finished(slow);
    await waitForOutput(slow, "[y/N]");
    // ...meanwhile a colleague kills the canary (version 2)...
    const fast = await cli(["canary", "kill", "fraud"]);
    expect(fast.code, fast.stderr).toBe(0);
    // ...and the slow writer says yes: its re-read sees version 2 and refuses.
    slow.stdin?.end("y\n");
    const refused = await slowDone;
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("fraud is at version 2, not 1");
    expect(refused.stderr).toContain("Nothing written");

    const { doc, history } = await router.state("fraud");
    expect(doc.canary).toMatchObject({ killed: true, shareBp: 1000 });
    expect(doc.version).toBe(2);
    expect(history.map((e) => e.change)).toEqual(["canary canary killed (was 10%)"]);
  }, 30_000);
});

describe("stored documents", () => {
  it("a missing service is refused; an invalid stored document is refused with its field paths", async () => {
    const missing = await cli(["flip", "nobody", "--force"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no routing document for "nobody"');

    await router.seed("service:broken", { service: "broken", version: 3, live: "x" });
    const broken = await cli(["canary", "kill", "broken"]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("fails the schema");
    expect(broken.stderr).toContain("origins:");
    expect((await router.state("broken")).history).toEqual([]);
  }, 30_000);
});
