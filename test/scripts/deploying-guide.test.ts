/**
 * docs/deploying.md, steps 6 and 7, run as written: every shell line of
 * those steps in one `sh -e` script (exports carry over), against a local
 * router in Miniflare and the demo origins, with the guide's placeholders
 * filled (its hostname -> the local router, the tokens -> the router's, no
 * Access locally) and fraud.json / fraud.smoke.json in the directory. The
 * lines that need a Cloudflare account (`--remote`, `npx wrangler ...`)
 * are the only ones left out, and the test says which.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/cli/wrangler.ts";
import { runShell, shellBlocks, shellLines } from "../support/shell.ts";
import { DEMO_ORIGINS_PORT, demoModels } from "../support/stack/demo-models.ts";
import { type DemoOrigins, startDemoOrigins } from "../support/stack/demo-origins.ts";
import { type CliRouter, startCliRouter } from "./cli-support.ts";

let origins: DemoOrigins;
let router: CliRouter;
let dir: string;

beforeAll(async () => {
  origins = await startDemoOrigins(demoModels, { port: 0 });
  router = await startCliRouter({ CHECKIN_INTERVAL_MS: "100", CONFIG_MEMO_TTL_MS: "0" });
  dir = mkdtempSync(join(tmpdir(), "deploying-"));
  const port = new URL(origins.url("fraud-blue")).port;
  const doc = readFileSync(join(ROOT, "scripts", "demo", "fraud.json"), "utf8");
  writeFileSync(
    join(dir, "fraud.json"),
    doc.replaceAll(`127.0.0.1:${DEMO_ORIGINS_PORT}`, `127.0.0.1:${port}`),
  );
  writeFileSync(
    join(dir, "fraud.smoke.json"),
    readFileSync(join(ROOT, "scripts", "demo", "smoke", "fraud.json"), "utf8"),
  );
});

afterAll(async () => {
  await router?.dispose();
  await origins?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The shell lines of the guide's steps 6 and 7, comments dropped. */
function stepLines(): string[] {
  const page = readFileSync(join(ROOT, "docs", "deploying.md"), "utf8");
  return shellLines(shellBlocks(page.slice(page.indexOf("## 6."), page.indexOf("## 8."))));
}

describe("docs/deploying.md, steps 6 and 7", () => {
  it("every command that needs no Cloudflare account runs as written", {
    timeout: 120_000,
  }, async () => {
    const lines = stepLines();
    const account = (l: string) => l.includes("--remote") || l.startsWith("npx wrangler");
    expect(lines.filter(account)).toEqual([
      "router apply fraud.json --direct --remote",
      "npx wrangler tail",
    ]);
    const script = lines
      .filter((l) => !account(l))
      .map((l) =>
        l
          .replaceAll(
            '"$PWD/node_modules/.bin:$PATH"',
            `"${join(ROOT, "node_modules", ".bin")}:$PATH"`,
          )
          .replaceAll("https://models.example.com", router.url)
          .replaceAll("<the ADMIN_TOKEN>", router.adminToken)
          .replaceAll("<the OVERRIDE_TOKEN>", router.overrideToken)
          .replaceAll("<service token id>", '""')
          .replaceAll("<service token secret>", '""'),
      )
      .join("\n");
    expect(script).not.toMatch(/<[a-z]/);
    const run = await runShell(script, {
      cwd: dir,
      env: { ...process.env, ROUTER_AUTHOR: "deploy-guide" },
      exitOnError: true,
    });
    expect(run.status, run.out).toBe(0);
    expect(run.out).toContain("created fraud: it had no document; wrote version 1");
    expect(run.out).toMatch(/smoke tests of green via .*\n(.*PASS|.*ok)/i);
    expect(run.out).toMatch(/x-model-variant: \S+/i);
    expect(run.out).toContain('"ok":true');
    const { doc } = await router.state("fraud");
    expect(doc).toMatchObject({ version: 2, live: "green" });
  });
});
