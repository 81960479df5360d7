/**
 * docs/getting-started.md, followed as written: every line of its shell
 * block runs in `sh` (the router CLI on PATH, a fresh temporary directory),
 * against a local router in Miniflare and the demo origins, with only the
 * two addresses moved to the test's ports. Each line must exit 0; then
 * what the page says happened is checked: the service created as version 1,
 * green live after the flip (smoke-tested), blue back as version 3.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/cli/wrangler.ts";
import { runShell, shellBlocks, shellLines } from "../support/shell.ts";
import { demoModels } from "../support/stack/demo-models.ts";
import { type DemoOrigins, startDemoOrigins } from "../support/stack/demo-origins.ts";
import { type CliRouter, startCliRouter } from "./cli-support.ts";

let origins: DemoOrigins;
let router: CliRouter;
let dir: string;

beforeAll(async () => {
  origins = await startDemoOrigins(demoModels, { port: 0 });
  router = await startCliRouter({ CHECKIN_INTERVAL_MS: "100" });
  dir = mkdtempSync(join(tmpdir(), "getting-started-"));
});

afterAll(async () => {
  await router?.dispose();
  await origins?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The page's shell lines: comments and blank lines dropped. */
const pageLines = () =>
  shellLines(
    shellBlocks(readFileSync(join(ROOT, "docs", "getting-started.md"), "utf8")).slice(0, 1),
  );

describe("docs/getting-started.md", () => {
  it("every command runs as written, and does what the page says", {
    timeout: 120_000,
  }, async () => {
    const lines = pageLines();
    expect(lines.length).toBeGreaterThanOrEqual(9);
    const env = {
      ...process.env,
      ...router.env,
      ROUTER_AUTHOR: "getting-started",
      PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}`,
    };
    const port = (url: string) => new URL(url).port;
    for (const line of lines) {
      // The page's own setup: PATH is set above, the directory is the test's.
      if (line.startsWith("export PATH=") || line.startsWith("cd ")) continue;
      const command = line
        .replaceAll("127.0.0.1:9100", `127.0.0.1:${port(origins.url("fraud-blue"))}`)
        .replaceAll("http://127.0.0.1:8787", router.url);
      // Not spawnSync: the origins answer from this process's event loop.
      const run = await runShell(command, { cwd: dir, env });
      expect(run.status, `${line}\n${run.stdout}\n${run.stderr}`).toBe(0);
      if (line.startsWith("router apply"))
        expect(run.stdout).toContain("created mymodel: it had no document; wrote version 1");
      if (line.startsWith("router flip")) expect(run.stdout).toMatch(/smoke tests of green/);
      // The isolate routes by a write at its next check-in.
      await new Promise((r) => setTimeout(r, 300));
    }
    const { doc, history } = await router.state("mymodel");
    expect(doc).toMatchObject({ version: 3, live: "blue" });
    expect(history.map((e) => [e.version, e.source])).toEqual([
      [1, "cli"],
      [2, "cli"],
      [3, "cli"],
    ]);
    expect(history[1]?.change).toContain("green");
  });

  it("applying a copied document of another service says which field to change", async () => {
    const copy = join(dir, "copy.json");
    const demo = readFileSync(join(ROOT, "scripts", "demo", "fraud.json"), "utf8");
    writeFileSync(copy, demo);
    const run = await router.cli(["apply", "myservice", copy]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `is the document of service "fraud", not "myservice": set its "service" to "myservice"`,
    );
  });
});

describe("router init", () => {
  it("needs --live; --share needs --canary; an existing file is kept unless --force", async () => {
    expect((await router.cli(["init", "x"])).code).toBe(2);
    expect((await router.cli(["init", "x", "--live", "http://m", "--share", "5%"])).code).toBe(2);
    const out = join(dir, "again.json");
    const first = await router.cli([
      "init",
      "again",
      "--live",
      "http://m.example/v1",
      "--out",
      out,
    ]);
    expect(first.code, first.stderr).toBe(0);
    const second = await router.cli([
      "init",
      "again",
      "--live",
      "http://m.example/v2",
      "--out",
      out,
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("exists (--force overwrites it)");
    expect(readFileSync(out, "utf8")).toContain("http://m.example/v1");
    const canary = await router.cli([
      "init",
      "again",
      "--live",
      "http://m.example/v1",
      "--canary",
      "http://m.example/v2",
      "--share",
      "5%",
      "--json",
    ]);
    expect(canary.json.document).toMatchObject({
      live: "blue",
      canary: { origin: "canary", shareBp: 500, killed: false },
    });
  });
});
