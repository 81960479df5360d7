/**
 * End to end: start the local stack exactly as the README does (`npm start`,
 * here with a private state directory and port), flip live with
 * `wrangler kv key put --local`, and watch the next responses change with no
 * restart.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, wrangler } from "../../scripts/cli/wrangler.ts";
import { type LocalProcess, spawnNode, waitForHealth } from "../support/wrangler-dev.ts";

const PORT = 18_787;
const BASE = `http://127.0.0.1:${PORT}`;
const state = mkdtempSync(join(tmpdir(), "router-e2e-"));
let stack: LocalProcess | undefined;

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

  it("flips live with `wrangler kv key put --local` and the next responses change without a restart", async () => {
    // Users that neither the canary nor the challenger takes follow live.
    const liveUsers: string[] = [];
    for (let i = 0; liveUsers.length < 5; i++) {
      const res = await predict(`e2e-${i}`);
      await res.arrayBuffer();
      if (res.headers.get("x-model-variant") === "blue") liveUsers.push(`e2e-${i}`);
    }
    const doc = JSON.parse(readFileSync(join(ROOT, "scripts/demo/fraud.json"), "utf8"));
    const flipped = join(state, "fraud-green.json");
    writeFileSync(flipped, JSON.stringify({ ...doc, live: "green", version: doc.version + 1 }));
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
  });
});
