/**
 * docs/llm.md, followed as written: its routing document is the demo's
 * scripts/demo/chat.json; its rollout example makes a valid document; its
 * openai SDK snippet runs against a local router (Miniflare) in front of
 * the demo's chat origins; and every line of its "Flip, ramp, kill" block
 * runs in `sh` with the router CLI and does what the page says. Only the
 * two addresses are moved to the test's ports.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/cli/wrangler.ts";
import { validateRoutingDocument } from "../../src/document/validate.ts";
import { runShell, shellBlocks, shellLines } from "../support/shell.ts";
import { DEMO_ORIGINS_PORT, demoModels } from "../support/stack/demo-models.ts";
import { type DemoOrigins, startDemoOrigins } from "../support/stack/demo-origins.ts";
import { answerText } from "../support/stack/llm-answer.ts";
import { type CliRouter, startCliRouter } from "./cli-support.ts";

const page = readFileSync(join(ROOT, "docs", "llm.md"), "utf8");
const blocks = (lang: string) =>
  [...page.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1] ?? "");
const chatJson = () => JSON.parse(readFileSync(join(ROOT, "scripts/demo/chat.json"), "utf8"));

let origins: DemoOrigins;
let router: CliRouter;
let dir: string;
let env: NodeJS.ProcessEnv;
/** The page's text with the demo's addresses moved to this test's. */
let moved: (text: string) => string;

beforeAll(async () => {
  origins = await startDemoOrigins(demoModels, { port: 0 });
  router = await startCliRouter({ CHECKIN_INTERVAL_MS: "100" });
  dir = mkdtempSync(join(tmpdir(), "llm-docs-"));
  moved = (text) =>
    text
      .replaceAll(`127.0.0.1:${DEMO_ORIGINS_PORT}`, `127.0.0.1:${origins.port}`)
      .replaceAll("http://127.0.0.1:8787", router.url);
  await router.seed("service:chat", moved(JSON.stringify(chatJson())));
  env = {
    ...process.env,
    ...router.env,
    ROUTER_AUTHOR: "llm-docs",
    PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}`,
  };
}, 60_000);

afterAll(async () => {
  await router?.dispose();
  await origins?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("docs/llm.md", () => {
  it("shows the demo's document, scripts/demo/chat.json, as it is", () => {
    expect(JSON.parse(blocks("json")[0] ?? "")).toEqual(chatJson());
  });

  it("its rollout example, put into that document, is valid", () => {
    const fragment = JSON.parse(`{${blocks("json")[1] ?? ""}}`);
    expect(Object.keys(fragment)).toEqual(["canary", "rollout"]);
    const result = validateRoutingDocument({ ...chatJson(), ...fragment });
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (result.ok) expect(result.doc.rollout?.gates.latencyP95Ratio.measure).toBe("first-token");
  });

  it("its openai SDK snippet runs through the router: the answer streamed, then the arm and the tokens", {
    timeout: 60_000,
  }, async () => {
    const snippet = moved(blocks("js")[0] ?? "");
    expect(snippet).toContain(`baseURL: "${router.url}/chat/v1"`);
    // As an ES module from the repository, where `openai` resolves.
    const run = await runShell('node --input-type=module -e "$SNIPPET"', {
      cwd: ROOT,
      env: { ...env, SNIPPET: snippet },
    });
    expect(run.status, run.out).toBe(0);
    const prompt = "How many orders did we have yesterday?";
    const text = answerText(prompt, "plain");
    const tokens = prompt.split(" ").length + text.split(" ").length;
    // alice is not in the 10 % canary: chat-v1, live, answers.
    expect(run.stdout).toBe(`${text}\nchat-v1 ${tokens}\n`);
  });

  it('runs every line of "Flip, ramp, kill" in sh, as written', { timeout: 120_000 }, async () => {
    const block = shellBlocks(page).find((b) => b.includes("router canary ramp chat"));
    const lines = shellLines([block ?? ""]);
    expect(lines).toContain("router flip chat --to chat-v2");
    for (const line of lines) {
      const run = await runShell(moved(line), { cwd: dir, env });
      expect(run.status, `${line}\n${run.out}`).toBe(0);
      if (line.startsWith("router flip")) expect(run.stdout).toMatch(/smoke tests of chat-v2/);
      // The isolate routes by a write at its next check-in.
      await new Promise((r) => setTimeout(r, 300));
    }
    const { doc, history } = await router.state("chat");
    expect(history.map((e) => e.change)).toEqual([
      expect.stringContaining("ramped 10% -> 25%"),
      expect.stringContaining("ramped 25% -> 50%"),
      expect.stringContaining("killed"),
      expect.stringContaining("set to 10%"),
      expect.stringContaining("removed"),
      expect.stringContaining("flip live chat-v1 -> chat-v2"),
      expect.stringContaining("rollback to version 1"),
    ]);
    // Back to the document of version 1: chat-v1 live, chat-v2 the 10 % canary.
    expect(doc).toMatchObject({ version: 8, live: "chat-v1" });
    expect(doc.canary).toMatchObject({ origin: "chat-v2", shareBp: 1000, killed: false });
  });
});
