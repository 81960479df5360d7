/**
 * `npm run screenshots`: regenerates the dashboard's screenshots in
 * docs/screenshots/ (the README shows them): the overview, and the fraud
 * service mid-rollout (a 4-step plan, its gates' evidence, shadow on), from
 * the chat service (an LLM: time to first token, the shadow's similarity),
 * the real router in Miniflare with the demo's origins and demo traffic,
 * in Debian's Chromium.
 *
 * Layer: script (docs). Takes about a minute: the charts need some 10 s
 * buckets of traffic to show.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { startDemoStack } from "../../test/support/stack/demo-stack.ts";
import { ROOT } from "../cli/wrangler.ts";

const HELP = `Usage: npm run screenshots -- [options]

Starts the demo (router in Miniflare, demo origins, demo traffic) with two
more services (risk: a failing canary its rollout rolls back; ranker: a
challenger), starts a 4-step rollout of the fraud canary, signs in to the
dashboard in Chromium and writes overview.png, service.png and llm.png
(the chat service: time to first token per arm, the shadow's similarity).

Options:
  --out <dir>        where to write them (default docs/screenshots)
  --seconds <n>      traffic before the pictures are taken (default 45)
  --chromium <path>  the browser (default $CHROMIUM_PATH or /usr/bin/chromium)
  -h, --help         show this help
`;

const { values } = parseArgs({
  options: {
    out: { type: "string", default: join(ROOT, "docs", "screenshots") },
    seconds: { type: "string", default: "45" },
    chromium: { type: "string", default: process.env.CHROMIUM_PATH || "/usr/bin/chromium" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const seconds = Number(values.seconds);
if (!(seconds >= 10)) {
  process.stderr.write(`--seconds must be at least 10\n\n${HELP}`);
  process.exit(2);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A routing document on the demo origins ({{origins}} is their server). */
function demoDoc(service: string, origins: Record<string, string>, live = "blue") {
  return {
    service,
    version: 1,
    updatedAt: new Date().toISOString(),
    updatedBy: "demo-seed",
    origins: Object.fromEntries(
      Object.entries(origins).map(([name, model]) => [name, { url: `{{origins}}/${model}` }]),
    ),
    live,
  };
}
const out = values.out as string;
await mkdir(out, { recursive: true });

const stack = await startDemoStack({
  bindings: {
    CHECKIN_INTERVAL_MS: "500",
    CONTROL_ALARM_MS: "500",
    CONTROL_KV_POLL_MS: "1000",
    SHADOW_KV_MIRROR_MS: "1000",
  },
  perSecond: 12,
  models: {
    "risk-blue": { version: "risk-v1", family: "risk", noise: 0 },
    "risk-canary": { version: "risk-v2", family: "risk", noise: 0, behaviour: "error" },
    "ranker-a": { version: "ranker-a", family: "ranker", noise: 0 },
    "ranker-b": { version: "ranker-b", family: "ranker", noise: 0.05, delayMs: 8 },
  },
  documents: [
    // A canary failing every request, under a plan: rolled back.
    {
      ...demoDoc("risk", { blue: "risk-blue", canary: "risk-canary" }),
      canary: { origin: "canary", shareBp: 2000, salt: "risk-rc2", killed: false },
      rollout: { steps: [{ shareBp: 2000, bakeSeconds: 600 }], gates: { minRequests: 20 } },
    },
    // Champion-challenger: 20% of users on b.
    {
      ...demoDoc("ranker", { a: "ranker-a", b: "ranker-b" }, "a"),
      challengerSalt: "ranker-2026",
      challengers: [{ origin: "b", startBp: 0, shareBp: 2000 }],
    },
  ],
});
const browser = await chromium.launch({ executablePath: values.chromium, headless: true });
try {
  console.log(`router ${stack.url}; demo traffic flowing`);
  const post = (path: string, body: unknown = {}) =>
    stack.admin(path, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "x-router-author": "dana" },
    });
  const firstBake = Math.max(5, Math.round(seconds / 3));
  await post("/services/fraud/edits/rollout.plan", {
    args: {
      steps: [
        { shareBp: 1000, bakeSeconds: firstBake },
        { shareBp: 2500, bakeSeconds: 1800 },
        { shareBp: 5000, bakeSeconds: 1800 },
        { shareBp: 10_000, bakeSeconds: 1800 },
      ],
      gates: { minRequests: 50 },
    },
  });
  await post("/services/fraud/rollout/evaluate");
  await post("/services/risk/rollout/evaluate");
  await sleep((firstBake + 2) * 1000);
  await post("/services/fraud/rollout/evaluate");
  await post("/services/risk/rollout/evaluate");
  await sleep(Math.max(0, seconds - firstBake - 2) * 1000);

  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  await page.goto(`${stack.url}/_router/dashboard`);
  await page.fill("input[name=token]", stack.adminToken);
  await page.fill("input[name=name]", "alice");
  await page.click("button[type=submit]");
  await page.waitForSelector('tr[data-service="fraud"][data-filled]');
  await sleep(1500);
  await page.screenshot({ path: join(out, "overview.png") });
  await page.goto(`${stack.url}/_router/dashboard/services/fraud?minutes=5`);
  await page.waitForSelector('[data-chart="requests"] canvas');
  // A few polls, so the shadow agreement chart (drawn from them) has points.
  await sleep(10_000);
  await page.screenshot({ path: join(out, "service.png"), fullPage: true });
  // The LLM service: time to first token per arm, the shadow's similarity.
  await page.goto(`${stack.url}/_router/dashboard/services/chat?minutes=5`);
  await page.waitForSelector('[data-chart="first-token"] canvas');
  await sleep(4_000);
  await page.screenshot({ path: join(out, "llm.png"), fullPage: true });
  console.log(`wrote overview.png, service.png and llm.png in ${out}`);
} finally {
  await browser.close();
  await stack.dispose();
}
