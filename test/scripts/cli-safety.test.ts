/**
 * What the CLI refuses, against real local KV: invalid changes (with field
 * paths), --dry-run, the lost-update guard (--expect-version, and a write
 * that lands while another command waits at --confirm), invalid stored
 * documents. Every refusal must leave KV byte-for-byte unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  demoDoc,
  finished,
  readState,
  runCli,
  seed,
  spawnCli,
  tempState,
  waitForOutput,
} from "./cli-support.ts";

const state = tempState();
const kv = ["--persist-to", state.dir];
let seededRaw: string | null = null;

/** KV holds exactly what was seeded, and no history. */
async function expectUntouched(service = "fraud") {
  const now = await readState(state.dir, service);
  expect(now.raw).toBe(seededRaw);
  expect(now.history).toEqual([]);
}

beforeAll(async () => {
  await seed(state.dir, "service:fraud", demoDoc("fraud"));
  seededRaw = (await readState(state.dir, "fraud")).raw;
}, 240_000);
afterAll(() => state.cleanup());

describe("invalid changes are refused and nothing is written", () => {
  it("reports the failing field paths (text and --json), exit 1", async () => {
    const run = await runCli(["canary", "set", "fraud", "blue", "--share", "5%", ...kv]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("refused (nothing written)");
    expect(run.stderr).toContain("canary.origin: must differ from the live origin");

    const json = await runCli([
      ...["challenger", "add", "fraud", "green", "--share", "5%", "--start-bp", "9800"],
      ...[...kv, "--json"],
    ]);
    expect(json.code).toBe(1);
    expect(json.json).toMatchObject({ ok: false, error: "invalid_change" });
    expect(json.json.errors).toContainEqual({
      path: "challengers.1.shareBp",
      message: "range ends past 10000 (startBp + shareBp)",
    });
    await expectUntouched();
  }, 240_000);

  it("refuses shares finer than a basis point, and bare numbers, as usage errors (exit 2)", async () => {
    const fine = await runCli(["canary", "set", "fraud", "--share", "0.005%", ...kv]);
    expect(fine.code).toBe(2);
    expect(fine.stderr).toContain("finer than one basis point");
    const bare = await runCli(["canary", "ramp", "fraud", "--to", "25", ...kv]);
    expect(bare.code).toBe(2);
    const preview = await runCli(["status", "fraud", "--preview"]);
    expect(preview.code).toBe(2);
    expect(preview.stderr).toContain("no preview_id");
  }, 240_000);

  it("--dry-run prints the diff and writes nothing", async () => {
    const run = await runCli(["canary", "ramp", "fraud", "--dry-run", ...kv]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("fraud: version 1 -> 2: canary canary ramped 10% -> 25%");
    expect(run.stdout).toContain("~ canary.shareBp: 1000 -> 2500");
    expect(run.stdout).toContain("dry run: nothing written");
    const json = await runCli(["flip", "fraud", "--force", "--dry-run", "--json", ...kv]);
    expect(json.json).toMatchObject({ ok: true, dryRun: true, written: false, version: 2 });
    expect(json.json.diff).toEqual([
      { path: "live", kind: "changed", before: "blue", after: "green" },
    ]);
    await expectUntouched();
  }, 240_000);
});

describe("lost updates", () => {
  it("--expect-version refuses when the stored version is another (exit 3)", async () => {
    const run = await runCli(["canary", "kill", "fraud", "--expect-version", "4", ...kv]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("fraud is at version 1, not 4");
    await expectUntouched();
  }, 240_000);

  it("refuses a write when another lands between its read and its write", async () => {
    // The slow writer reads version 1, shows its diff and waits for a human...
    const slow = spawnCli(["canary", "ramp", "fraud", "--confirm", ...kv]);
    const slowDone = finished(slow);
    await waitForOutput(slow, "[y/N]");
    // ...meanwhile a colleague kills the canary (version 2)...
    const fast = await runCli(["canary", "kill", "fraud", ...kv]);
    expect(fast.code, fast.stderr).toBe(0);
    // ...and the slow writer says yes: its re-read sees version 2 and refuses.
    slow.stdin?.end("y\n");
    const refused = await slowDone;
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("fraud is at version 2, not 1");
    expect(refused.stderr).toContain("Nothing written");

    const { doc, history } = await readState(state.dir, "fraud");
    expect(doc.canary).toMatchObject({ killed: true, shareBp: 1000 });
    expect(doc.version).toBe(2);
    expect(history.map((e) => e.change)).toEqual(["canary canary killed (was 10%)"]);
  }, 180_000);
});

describe("stored documents", () => {
  it("a missing service is refused; an invalid stored document is refused with its field paths", async () => {
    const missing = await runCli(["flip", "nobody", "--force", ...kv]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no routing document for "nobody"');

    await seed(state.dir, "service:broken", { service: "broken", version: 3, live: "x" });
    const broken = await runCli(["canary", "kill", "broken", ...kv]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("fails the schema");
    expect(broken.stderr).toContain("origins:");
    expect((await readState(state.dir, "broken")).history).toEqual([]);
  }, 240_000);
});
