/**
 * End to end: start the local stack exactly as the README does (`npm start`,
 * here with a private state directory and port), flip live with
 * `wrangler kv key put --local`, and watch the next responses change with no
 * restart; and watch the demo's own rollouts run with nobody calling
 * evaluate: search's failing candidate rolled back by its control object's
 * alarm (about a minute in), recs's healthy one started by its own and
 * still progressing, no gate failed, at that moment. That recs then
 * advances and is promoted is shown without waiting minutes for it here:
 * its plan's steps decide within their bakes at the demo's traffic
 * (test/scripts/demo-plans.test.ts), a control object's alarm advances a
 * passing step in real time (test/scripts/simulate-rollout.test.ts) and the
 * analyzer promotes after the last one (test/worker/rollout-analyzer.test.ts).
 * And the demo's LLM service, chat: the official openai SDK pointed at the
 * router streams an answer from it, and the demo's own chat traffic fills
 * its shadow comparison.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, wrangler } from "../../scripts/cli/wrangler.ts";
import { runShell, shellBlocks } from "../support/shell.ts";
import { type LocalProcess, spawnNode, waitForHealth } from "../support/wrangler-dev.ts";

const PORT = 18_787;
const BASE = `http://127.0.0.1:${PORT}`;
const state = mkdtempSync(join(tmpdir(), "router-e2e-"));
let stack: LocalProcess | undefined;
let startedAt = 0;

/** The admin API with the demo's token (.dev.vars, which `npm start` creates from the example). */
const admin = async <T>(path: string): Promise<T> => {
  const vars = readFileSync(join(ROOT, ".dev.vars"), "utf8");
  const token = /^ADMIN_TOKEN=(.*)$/m.exec(vars)?.[1]?.trim() ?? "";
  const res = await fetch(`${BASE}/_router/admin${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

interface RolloutRead {
  status: {
    state: string;
    stepIndex: number;
    timeline: { at: number; event: string; reason: string }[];
    lastEvaluation?: { event: string; reason: string };
  } | null;
}

const predict = (user: string) =>
  fetch(`${BASE}/fraud/predict`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-user-id": user },
    body: JSON.stringify({ id: "tx-1", features: { amount: 42 } }),
  });

beforeAll(async () => {
  // Any free origins port and a router port of its own, so the suite runs while
  // `npm start` holds 8787 and 9100.
  stack = spawnNode(
    ["scripts/demo/dev.ts", "--port", String(PORT), "--origins-port", "0", "--persist-to", state],
    BASE,
  );
  await waitForHealth(BASE, 90_000, stack.log);
  startedAt = Date.now();
});

afterAll(() => {
  stack?.stop();
  rmSync(state, { recursive: true, force: true });
});

describe("the README's local demo", () => {
  it("serves predictions with x-model-variant from the seeded demo document", async () => {
    const res = await predict("alice");
    expect(res.status).toBe(200);
    expect(["blue", "canary", "challenger-a"]).toContain(res.headers.get("x-model-variant"));
    expect(await res.json()).toMatchObject({ input_id: "tx-1", label: expect.any(String) });
  });

  // Before the raw put below, which puts the demo file with the default origins port.
  it('runs the README\'s "From clone to a flag flip" in sh, as written', {
    timeout: 120_000,
  }, async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### From clone to a flag flip"));
    const blocks = shellBlocks(section);
    // The PATH line, then the walkthrough.
    expect(blocks[0]).toContain('export PATH="$PWD/node_modules/.bin:$PATH"');
    const script = (blocks[1] ?? "").replaceAll("http://127.0.0.1:8787", BASE);
    expect(script).toContain("router flip fraud");
    const run = await runShell(`${blocks[0]}\n${script}`, {
      cwd: ROOT,
      // The CLI finds the tokens in .dev.vars; the router is this test's port.
      env: { ...process.env, ROUTER_URL: BASE, ROUTER_AUTHOR: "readme" },
      exitOnError: true,
    });
    expect(run.status, run.out).toBe(0);
    expect(run.out).toMatch(/x-model-variant: (blue|canary|challenger-a|challenger-b|green)/i);
    expect(run.out).toContain("smoke tests of");
    expect(run.out).toMatch(/wrote fraud version \d+/);
    expect(run.out).toContain("rollback to version");
  });

  it("flips live with `wrangler kv key put --local` and the next responses change without a restart", async () => {
    // Users that neither the canary nor the challenger takes follow live.
    const liveUsers: string[] = [];
    for (let i = 0; liveUsers.length < 5; i++) {
      const res = await predict(`e2e-${i}`);
      await res.arrayBuffer();
      if (res.headers.get("x-model-variant") === "blue") liveUsers.push(`e2e-${i}`);
    }
    // The demo's file as it is, live green, its version untouched (not above the stored one):
    // the control object adopts any document it did not write, one above the highest version.
    const doc = JSON.parse(readFileSync(join(ROOT, "scripts/demo/fraud.json"), "utf8"));
    const before = await admin<{ document: { version: number } }>("/services/fraud");
    const flipped = join(state, "fraud-green.json");
    writeFileSync(flipped, JSON.stringify({ ...doc, live: "green" }));
    const put = await wrangler([
      "kv",
      "key",
      "put",
      "service:fraud",
      "--path",
      flipped,
      "--binding",
      "ROUTING",
      "--local",
      "--persist-to",
      state,
    ]);
    expect(put.code, put.stderr).toBe(0);

    const flippedAt = Date.now();
    let seenAfterMs = -1;
    while (Date.now() - flippedAt < 30_000) {
      const variants = await Promise.all(
        liveUsers.map(async (u) => {
          const res = await predict(u);
          await res.arrayBuffer();
          return res.headers.get("x-model-variant");
        }),
      );
      if (variants.every((v) => v === "green")) {
        seenAfterMs = Date.now() - flippedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`flip visible to every live user after ${seenAfterMs} ms`);
    expect(seenAfterMs).toBeGreaterThanOrEqual(0);
    const after = await admin<{ document: { version: number; live: string } }>("/services/fraud");
    expect(after.document).toMatchObject({ version: before.document.version + 1, live: "green" });
    const control = await admin<{ kv: { state: string; version: number } }>(
      "/services/fraud/control",
    );
    // KV keeps the file as it was put; the fleet routes by it one above.
    expect(control.kv).toEqual({ state: "ok", version: doc.version });
  });
});

describe("the demo's rollouts (scripts/demo/recs.json, search.json)", () => {
  // Nothing here calls evaluate: every verdict is the control objects' own alarm.
  it("rolls search back by itself; recs started by itself and is still progressing", async () => {
    const rollout = (service: string) => admin<RolloutRead>(`/services/${service}/rollout`);
    const seconds = () => Math.round((Date.now() - startedAt) / 1000);

    await expect
      .poll(async () => (await rollout("search")).status?.state, {
        timeout: 110_000,
        interval: 2_000,
      })
      .toBe("rolled-back");
    const search = await rollout("search");
    const rollback = search.status?.timeline.find((e) => e.event === "rollback");
    expect(rollback?.reason).toContain("error-rate");
    const doc = await admin<{ document: { canary: { killed: boolean } } }>("/services/search");
    expect(doc.document.canary.killed).toBe(true);
    console.log(`search rolled back ${seconds()} s after the router answered`);

    // Its first step is 25 % for 2 min: by now the object's alarm has started it
    // and judged it at least once, and no gate has failed.
    const recs = await rollout("recs");
    expect(recs.status?.state, JSON.stringify(recs.status?.lastEvaluation)).toBe("progressing");
    expect(recs.status?.timeline.map((e) => e.event)).not.toContain("rollback");
    expect(recs.status?.timeline[0]?.event).toBe("start");
    expect(recs.status?.lastEvaluation).toBeDefined();
    console.log(
      `recs at step ${(recs.status?.stepIndex ?? 0) + 1} (${recs.status?.state}, last: ${recs.status?.lastEvaluation?.event}) ${seconds()} s after the router answered`,
    );
  }, 120_000);
  it("sends fraud's outcomes with their receipts; the leaderboard counts them per arm", async () => {
    interface Board {
      champion: string;
      challengers: {
        challenger: string;
        metrics: { metric: string; champion: { n: number }; challenger: { n: number } }[];
      }[];
    }
    const caught = (b: Board, c: string) =>
      b.challengers
        .find((x) => x.challenger === c)
        ?.metrics.find((m) => m.metric === "fraud_caught");
    let board: Board | null = null;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      board = await admin<Board>("/services/fraud/challengers");
      const a = caught(board, "challenger-a");
      const b = caught(board, "challenger-b");
      if (a && b && a.champion.n > 0 && a.challenger.n > 0 && b.challenger.n > 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(board?.challengers.map((c) => c.challenger)).toEqual(["challenger-a", "challenger-b"]);
    expect(caught(board as Board, "challenger-a")?.challenger.n).toBeGreaterThan(0);
    expect(caught(board as Board, "challenger-b")?.challenger.n).toBeGreaterThan(0);
  });
});

describe("the demo's LLM service (scripts/demo/chat.json)", () => {
  it("streams a chat completion to the openai SDK pointed at the router", async () => {
    const client = new OpenAI({ apiKey: "unused", baseURL: `${BASE}/chat/v1`, maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions
      .create({
        model: "demo-chat",
        user: "alice",
        messages: [{ role: "user", content: "How many orders did we have yesterday?" }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(["chat-v1", "chat-v2"]).toContain(response.headers.get("x-model-variant"));
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toMatch(/^The answer is /);
    expect(usage?.completion_tokens).toBe(text.split(" ").length);
  });

  it("the demo's chat traffic fills the shadow comparison: pairs compared by similarity", async () => {
    interface Shadow {
      shadows: { shadow: string; compared: number; similarity: number[] | null }[];
    }
    await expect
      .poll(
        async () => {
          const s = await admin<Shadow>("/services/chat/shadow");
          const v3 = s.shadows.find((x) => x.shadow === "chat-v3-shadow");
          return (v3?.similarity ?? []).reduce((a, b) => a + b, 0);
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toBeGreaterThan(0);
  }, 70_000);
});
