/**
 * History and rollback round trip through the real CLI and a running
 * router's admin API (the router in Miniflare, real local KV; a rollback,
 * the history and an apply run the CLI as a process, the rest in-process):
 * writes are recorded with time, author and change; rollback restores the
 * previous document (or version N) as a new, higher version, which is
 * itself recorded and can be rolled back; `apply` replaces and `validate`
 * checks files. Versions never go backwards: after a raw put of a stale copy
 * (the README's walkthrough run twice) the next write is one above every
 * version seen. A deleted document is restored by one `rollback`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HistoryEntry } from "../../src/document/edits/history.ts";
import { type CliRouter, demoDoc, startCliRouter, tempState } from "./cli-support.ts";

let router: CliRouter;
const files = tempState("router-history-");
const runCli = (args: string[]) => router.cli(args);
const readState = (service: string) => router.state(service);

beforeAll(async () => {
  router = await startCliRouter();
  await router.seed("service:churn", demoDoc("churn"));
}, 60_000);
afterAll(async () => {
  await router?.dispose();
  files.cleanup();
});

describe("history and rollback", () => {
  it("round trip: flip, ramp, rollback, rollback --to, history", async () => {
    const flip = await runCli(["flip", "churn", "--force", "--author", "alice"]);
    expect(flip.code, flip.stderr).toBe(0);
    const canary = await runCli([
      ...["canary", "set", "churn", "blue", "--share", "5%", "--author", "bob"],
    ]);
    expect(canary.code, canary.stderr).toBe(0);

    // "The new model is bad, roll back now."
    const back = await router.cliProcess(["rollback", "churn"]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain("churn: version 3 -> 4: rollback to version 2 (live green)");
    let { doc } = await readState("churn");
    expect(doc).toMatchObject({ version: 4, live: "green", updatedBy: "test-operator" });
    expect(doc.canary).toBeUndefined();

    const to1 = await runCli(["rollback", "churn", "--to", "1", "--json"]);
    expect(to1.data).toMatchObject({
      written: true,
      version: 5,
      change: "rollback to version 1 (live blue)",
    });
    ({ doc } = await readState("churn"));
    expect(doc).toMatchObject({ version: 5, live: "blue" });

    const history = await runCli(["history", "churn", "--json"]);
    expect(history.code, history.stderr).toBe(0);
    expect(
      history.data.entries.map((e: Record<string, unknown>) => [
        e.version,
        e.updatedBy,
        e.change,
        e.forced ?? false,
      ]),
    ).toEqual([
      [5, "test-operator", "rollback to version 1 (live blue)", false],
      [4, "test-operator", "rollback to version 2 (live green)", false],
      [3, "bob", "canary blue started at 5%", false],
      [2, "alice", "flip live blue -> green", true],
    ]);
    expect(history.data.entries[3].document).toMatchObject({ version: 1, live: "blue" });
    expect(history.data.restorable).toEqual([4, 3, 2, 1]);
    const text = await router.cliProcess(["history", "churn"]);
    expect(text.stdout).toMatch(
      /v2\s+\S+Z {2}alice {2}\[cli\] {2}flip live blue -> green {2}\(FORCED\)/,
    );
  }, 30_000);

  it("rollback --to an unknown version is refused and lists the restorable ones", async () => {
    const run = await runCli(["rollback", "churn", "--to", "42"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("history has no version 42 to restore (restorable: 4, 3, 2, 1)");
  }, 30_000);

  it("rollback restores a good document when the stored one is garbage", async () => {
    await router.seed("service:churn", "{ garbage");
    const run = await runCli(["rollback", "churn", "--to", "2"]);
    expect(run.code, run.stderr).toBe(0);
    const { doc, history } = await readState("churn");
    expect(doc).toMatchObject({ version: 6, live: "green" });
    expect(history.at(-1)).toMatchObject({
      version: 6,
      change: "rollback to version 2 (live green)",
    });
    expect(history.at(-1)?.document).toBeUndefined(); // the garbage was not a JSON object
  }, 30_000);

  it("validate and apply: a file is checked with the shared schema, then written as the next version", async () => {
    const bad = join(files.dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ ...demoDoc("churn"), live: "purple" }));
    const invalid = await runCli(["validate", bad, "scripts/demo/fraud.json"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('live: names no origin in "origins": purple');
    expect(invalid.stderr).toContain("scripts/demo/fraud.json: valid");
    const ok = await runCli(["validate", "scripts/demo/churn.json"]);
    expect(ok.code).toBe(0);

    const refused = await runCli(["apply", "churn", bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("live: names no origin");

    const applied = await router.cliProcess([
      ...["apply", "churn", "scripts/demo/churn.json", "--json"],
    ]);
    expect(applied.data).toMatchObject({ written: true, fromVersion: 6, version: 7 });
    expect((await readState("churn")).doc).toMatchObject({ version: 7, live: "blue" });
  }, 30_000);
});

describe("versions never go backwards", () => {
  const at = (minute: number) => `2026-11-27T10:${String(minute).padStart(2, "0")}:00.000Z`;
  const fraud = (version: number, live: string, minute = version) => ({
    ...demoDoc("fraud"),
    version,
    live,
    updatedAt: at(minute),
    updatedBy: "oncall",
  });
  // v1 seeded, then v2..v12 written by the CLI (blue and green in turn).
  const history: HistoryEntry[] = Array.from({ length: 11 }, (_, i) => ({
    version: i + 2,
    updatedAt: at(i + 2),
    updatedBy: "oncall",
    change: `flip live ${i % 2 ? "green -> blue" : "blue -> green"}`,
    source: "cli",
    document: fraud(i + 1, i % 2 ? "green" : "blue"),
  }));

  it("a raw put of version 2 over v12 (the README flip, run twice): the next CLI write is v13, and rollback works", async () => {
    await router.seed("service:fraud", fraud(12, "blue"));
    await router.seed("history:fraud", history);
    await router.seed("service:fraud:last-good", fraud(12, "blue"));
    // The walkthrough's `sed 's/"version": 1/"version": 2/' | wrangler kv key put`.
    await router.seed("service:fraud", fraud(2, "green", 50));

    const warned = await runCli(["history", "fraud"]);
    const warning =
      "WARNING: version 2 is below the highest version seen (12): a stale copy was put around the CLI; the next write is version 13";
    expect.soft(warned.stdout).toContain(warning);
    const kill = await runCli(["canary", "kill", "fraud", "--json"]);
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.data).toMatchObject({ written: true, fromVersion: 2, version: 13 });

    const back = await runCli(["rollback", "fraud"]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain("fraud: version 13 -> 14: rollback to version 2 (live green)");
    const { doc, history: after } = await readState("fraud");
    expect(doc).toMatchObject({ version: 14, live: "green", canary: { killed: false } });
    expect(after.slice(-2).map((e) => [e.version, e.change, e.document?.version])).toEqual([
      [13, "canary canary killed (was 10%)", 2],
      [14, "rollback to version 2 (live green)", 13],
    ]);

    const listed = await runCli(["history", "fraud", "--json"]);
    expect(listed.data).toMatchObject({
      currentVersion: 14,
      nextVersion: 15,
      currentRecorded: true,
    });
    expect(listed.data.entries.map((e: HistoryEntry) => e.version).slice(0, 4)).toEqual([
      14, 13, 12, 11,
    ]);
    expect(listed.data.versionRegression).toBeNull();
  }, 30_000);

  it("an accidentally deleted document: status says what the router serves; one rollback restores it", async () => {
    // The worker keeps a last-good copy of every version it serves: here v14.
    const { raw } = await readState("fraud");
    await router.seed("service:fraud:last-good", raw);
    await router.kv.delete("service:fraud");

    const status = await runCli(["status", "fraud"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(
      "fraud: document deleted; the router serves last-good version 14 (live green",
    );
    expect(status.stdout).toContain("restore it: router rollback fraud");

    const restore = await runCli(["rollback", "fraud"]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain(
      "fraud: version (deleted) -> 15: restore deleted document: version 14 (live green), the worker's last-good copy",
    );
    expect(restore.stdout).toContain("  (no changes)"); // against the copy the router serves
    expect(restore.stdout).toContain(`wrote fraud version 15 (${router.url})`);
    const { doc, history: after } = await readState("fraud");
    expect(doc).toMatchObject({ version: 15, live: "green", updatedBy: "test-operator" });
    expect(after.at(-1)).toMatchObject({
      version: 15,
      source: "cli",
      change: "restore deleted document: version 14 (live green), the worker's last-good copy",
    });
    expect(after.at(-1)?.document).toBeUndefined();
  }, 30_000);
});
