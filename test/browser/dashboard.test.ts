/**
 * The dashboard in a real browser: Chromium against the router in Miniflare
 * (workerd) with the demo's real local origins and demo traffic flowing,
 * plus a third service whose canary fails every request under a rollout
 * plan. One router and one browser for the file; the tests run in order
 * and share the signed-in page, as a person would: refused without a
 * session, sign in, the overview, a service's charts filling, kill its
 * canary and watch the share fall to 0 and the history gain the entry, a
 * failing rollout's verdict with its evidence, a narrow window, and no
 * console error anywhere.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoStack, startDemoStack } from "../support/stack/demo-stack.ts";
import { consoleErrors, hasChromium, launchChromium } from "./support.ts";

const DASH = "/_router/dashboard";
const FAST = {
  CHECKIN_INTERVAL_MS: "100",
  CONTROL_ALARM_MS: "200",
  CONTROL_KV_POLL_MS: "200",
  SHADOW_KV_MIRROR_MS: "200",
  CONFIG_MEMO_TTL_MS: "200",
};

/** A service whose canary answers every request with a 500, under a plan that starts on demand. */
const risk = {
  service: "risk",
  version: 1,
  updatedAt: new Date().toISOString(),
  updatedBy: "test-seed",
  origins: {
    blue: { url: "{{origins}}/risk-blue" },
    canary: { url: "{{origins}}/risk-canary" },
  },
  live: "blue",
  canary: { origin: "canary", shareBp: 3000, salt: "risk-1", killed: false },
  rollout: {
    steps: [{ shareBp: 3000, bakeSeconds: 600 }],
    gates: { minRequests: 20 },
    // The alarm would evaluate only after 5 minutes: the test starts and
    // evaluates it from the page.
    analysisIntervalSeconds: 300,
  },
};

/** expect.poll with room for the router's check-ins and the page's 3 s polls. */
const eventually = <T>(fn: () => Promise<T> | T, options: { timeout?: number } = {}) =>
  expect.poll(fn, { timeout: options.timeout ?? 8_000, interval: 150 });

let stack: DemoStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

describe.skipIf(!hasChromium)("the dashboard in Chromium", () => {
  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startDemoStack({
        bindings: FAST,
        perSecond: 10,
        models: {
          "risk-blue": { version: "risk-v1", family: "risk", noise: 0 },
          "risk-canary": { version: "risk-v2", family: "risk", noise: 0, behaviour: "error" },
        },
        documents: [risk],
      }),
      launchChromium(),
    ]);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    errors = consoleErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it("refuses pages, data and writes without a session, and a wrong token", async () => {
    const url = stack.url;
    const page0 = await fetch(`${url}${DASH}/services/fraud`, { redirect: "manual" });
    expect(page0.status).toBe(303);
    expect(page0.headers.get("location")).toBe(
      `${DASH}/sign-in?next=${encodeURIComponent(`${DASH}/services/fraud`)}`,
    );
    const data = await fetch(`${url}${DASH}/api/services/fraud`);
    expect(data.status).toBe(401);
    expect(((await data.json()) as { error: string }).error).toBe("dashboard_unauthenticated");
    const write = await fetch(`${url}${DASH}/api/services/fraud/actions/canary.kill`, {
      method: "POST",
      headers: { origin: url, "content-type": "application/json" },
      body: "{}",
    });
    expect(write.status).toBe(401);
    // A token in the URL signs nobody in.
    const inUrl = await fetch(`${url}${DASH}/?token=${stack.adminToken}`, { redirect: "manual" });
    expect(inUrl.status).toBe(303);

    const signIn = (token: string, headers: Record<string, string> = { origin: url }) =>
      fetch(`${url}${DASH}/sign-in`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({ token, name: "mallory", next: DASH }),
      });
    const wrong = await signIn("not-the-token");
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain("not this router&#39;s admin token");
    expect(wrong.headers.get("set-cookie")).toBeNull();
    // A sign-in form posted from another site is refused even with the right token.
    const crossSite = await signIn(stack.adminToken, { origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);

    const ok = await signIn(stack.adminToken);
    expect(ok.status).toBe(303);
    const cookie = ok.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(
      /^router_dashboard=[^;]+; Max-Age=43200; Path=\/_router\/dashboard; HttpOnly; SameSite=Strict/,
    );
    expect(cookie).not.toContain(stack.adminToken);
    const session = cookie.split(";")[0] as string;
    expect(
      Buffer.from(session.split("=")[1]?.split(".")[0] ?? "", "base64url").toString(),
    ).not.toContain(stack.adminToken);

    // Signed in, a write still needs the session's CSRF token and this origin.
    const post = (headers: Record<string, string>) =>
      fetch(`${url}${DASH}/api/services/fraud/actions/canary.kill`, {
        method: "POST",
        headers: { cookie: session, "content-type": "application/json", ...headers },
        body: JSON.stringify({ dryRun: true }),
      });
    expect((await post({ origin: url })).status).toBe(403);
    const html = await (await fetch(`${url}${DASH}/`, { headers: { cookie: session } })).text();
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? "";
    expect(csrf).not.toBe("");
    expect((await post({ origin: "https://evil.example", "x-dashboard-csrf": csrf })).status).toBe(
      403,
    );
    expect((await post({ origin: url, "x-dashboard-csrf": `${csrf}x` })).status).toBe(403);
    const dry = await post({ origin: url, "x-dashboard-csrf": csrf });
    expect(dry.status).toBe(200);
    expect(((await dry.json()) as { change: string }).change).toBe(
      "canary canary killed (was 10%)",
    );
    // A tampered session is no session.
    const tampered = `${session.slice(0, -2)}xx`;
    const refused = await fetch(`${url}${DASH}/api/services/fraud`, {
      headers: { cookie: tampered },
    });
    expect(refused.status).toBe(401);
  });

  it("signs in with the admin token and shows one row per service", async () => {
    await page.goto(`${stack.url}${DASH}`);
    expect(new URL(page.url()).pathname).toBe(`${DASH}/sign-in`);
    await page.fill("input[name=token]", stack.adminToken);
    await page.fill("input[name=name]", "alice");
    await page.click("button[type=submit]");
    await page.waitForSelector("table.overview");
    expect(new URL(page.url()).pathname).toBe(DASH);
    expect(await page.textContent(".user")).toBe("alice (dashboard)");
    const rows = await page.$$eval("tr[data-service]", (trs) =>
      trs.map((tr) => tr.getAttribute("data-service")),
    );
    expect(rows).toEqual(["chat", "churn", "fraud", "recs", "risk", "search"]);
    const fraud = page.locator('tr[data-service="fraud"]');
    await eventually(() => fraud.locator('[data-col="canary"]').textContent()).toContain("10%");
    expect(await fraud.locator('[data-col="shadow"]').textContent()).toContain("on");
    expect(await fraud.locator('[data-col="challengers"]').textContent()).toContain("challenger-a");
    // Sparklines: one uPlot canvas per cell, with traffic in it. Read in one
    // step: a 5 s poll may redraw the row between two separate reads.
    await eventually(
      () =>
        fraud.locator('[data-spark="requests"]').evaluate((el) => ({
          canvases: el.querySelectorAll("canvas").length,
          traffic: (el.getAttribute("data-points") ?? "0") !== "0",
        })),
      { timeout: 15_000 },
    ).toEqual({ canvases: 1, traffic: true });
  });

  it("opens a service, and its charts fill as traffic flows", async () => {
    await page.click('tr[data-service="fraud"] a');
    await page.waitForSelector('[data-section="rollout"]');
    expect(await page.textContent("h1")).toBe("fraud");
    const points = async (chart: string) =>
      Number(await page.getAttribute(`[data-chart="${chart}"]`, "data-points"));
    await eventually(() => points("requests"), { timeout: 15_000 }).toBeGreaterThan(0);
    const before = await points("requests");
    // Polling redraws the charts as the object's 10 s buckets fill: a new bucket with traffic adds points.
    await eventually(() => points("requests"), { timeout: 25_000 }).toBeGreaterThan(before);
    await eventually(() => points("latency"), { timeout: 10_000 }).toBeGreaterThan(0);
    await eventually(() => points("delta-shadow"), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.locator('[data-chart="requests"] canvas').count()).toBe(1);
    // The arms side by side: live, canary and the challenger in one legend.
    const legend = await page.textContent('[data-chart="requests"] .u-legend');
    // Labels only: no column of "–" values beside them.
    expect(legend).not.toContain("\u2013");
    expect(
      await page.locator('[data-chart="requests"] .u-legend').evaluate((e) => e.clientHeight),
    ).toBeLessThan(100);
    for (const arm of ["blue (live)", "canary (canary)", "challenger-a (challenger)"]) {
      expect(legend).toContain(arm);
    }
    // The challenger leaderboard: both challengers, judged on the demo's outcomes as they arrive.
    const board = page.locator('[data-section="challengers"]');
    for (const c of ["challenger-a", "challenger-b"]) {
      await eventually(
        () => board.locator(`[data-challenger="${c}"] tr[data-metric="fraud_caught"]`).count(),
        {
          timeout: 20_000,
        },
      ).toBe(1);
    }
    expect(
      await board.locator('[data-challenger="challenger-a"] tr[data-metric="error-rate"]').count(),
    ).toBe(1);
    expect(await board.textContent()).toContain("blue (champion)");
    // The shadow comparison, with recent disagreements by input id.
    await eventually(() => page.locator("table.records tbody tr").count()).toBeGreaterThan(0);
    expect(await page.textContent('[data-section="rollout"]')).toContain("No rollout.");
  });

  it("asks for a share only when setting one; Flip says it runs no smoke tests, and how to", async () => {
    const dialog = page.locator("dialog#confirm");
    const shareField = dialog.locator(".share-input");
    const open = async (selector: string) => {
      await page.click(selector);
      await dialog.waitFor({ state: "visible" });
    };
    const cancel = async () => {
      await dialog.locator("button.secondary").click();
      await dialog.waitFor({ state: "hidden" });
    };

    await open('button[data-action="canary.set"]');
    expect(await shareField.isVisible()).toBe(true);
    expect(await dialog.locator('input[name="share"]').inputValue()).toBe("10");
    await cancel();

    await open('button[data-action="flip"]');
    expect(await dialog.locator("h2").textContent()).toBe("Flip fraud to green?");
    expect(await shareField.isVisible()).toBe(false);
    const note = dialog.locator(".note");
    expect(await note.isVisible()).toBe(true);
    expect(await note.textContent()).toBe(
      "The dashboard runs no smoke tests: green gets live traffic without a sample request " +
        "sent to it first. The CLI sends the service's sample requests " +
        "(scripts/demo/smoke/fraud.json) to green through the override and refuses the flip " +
        "if any fails: router flip fraud --to green",
    );
    await cancel();

    await open('button[data-action="canary.kill"]');
    expect(await shareField.isVisible()).toBe(false);
    expect(await note.isVisible()).toBe(false);
    await cancel();
  });

  it("kills the canary from the page: its share falls to 0 and the history gains the entry", async () => {
    const share = () => page.getAttribute('tr[data-role="canary"] [data-share]', "data-share");
    expect(await share()).toBe("1000");
    await page.click('button[data-action="canary.kill"]');
    const dialog = page.locator("dialog#confirm");
    await dialog.waitFor({ state: "visible" });
    expect(await dialog.locator(".share-input").isVisible()).toBe(false);
    expect(await dialog.locator(".effect").textContent()).toContain(
      "Send every canary user back to blue: canary stops serving its 10% of users",
    );
    await eventually(() => dialog.locator(".preview-box").textContent()).toMatch(
      /Writes version \d+: canary canary killed \(was 10%\)/,
    );
    await dialog.locator("button.primary").click();
    await dialog.waitFor({ state: "hidden" });
    await eventually(share, { timeout: 10_000 }).toBe("0");
    expect(await page.textContent('tr[data-role="canary"]')).toContain("killed");
    const newest = page.locator(".history-entry").first();
    await eventually(() => newest.textContent(), { timeout: 10_000 }).toContain(
      "canary canary killed (was 10%)",
    );
    expect(await newest.locator(".who").textContent()).toBe("alice (dashboard)");
    // The kill is an annotation on the charts, with its author.
    await eventually(() => page.getAttribute('[data-chart="requests"]', "data-annotations"), {
      timeout: 10_000,
    }).toContain("canary canary killed (was 10%) · alice (dashboard)");
    const history = await stack.admin<{
      entries: { change: string; updatedBy: string; source: string }[];
    }>("/services/fraud/history?documents=0");
    expect(history.entries[0]).toMatchObject({
      change: "canary canary killed (was 10%)",
      updatedBy: "alice (dashboard)",
      source: "admin",
    });
    // Its diff, a click away.
    await newest.locator("summary").click();
    expect(await newest.locator(".diff").textContent()).toContain("~ canary.killed: false → true");
  });

  it("rolls back to a version from the history", async () => {
    // The version before the kill: restore it, and the canary serves again.
    const entry = page.locator(".history-entry").nth(1);
    await entry.locator("summary").click();
    await entry.locator('button[data-action="rollback"]').click();
    const dialog = page.locator("dialog#confirm");
    await dialog.waitFor({ state: "visible" });
    expect(await dialog.locator(".effect").textContent()).toMatch(
      /^Restore the routing of version \d+ as a new version \d+ \(replacing version \d+\)/,
    );
    await eventually(() => dialog.locator(".preview-box").textContent()).toContain(
      "~ canary.killed: true → false",
    );
    await dialog.locator("button.primary").click();
    await dialog.waitFor({ state: "hidden" });
    await eventually(() =>
      page.getAttribute('tr[data-role="canary"] [data-share]', "data-share"),
    ).toBe("1000");
    await eventually(() => page.locator(".history-entry").first().textContent()).toContain(
      "rollback to version",
    );
  });

  it("shows a failing rollout's verdict and the evidence of each gate", async () => {
    await page.goto(`${stack.url}${DASH}/services/risk`);
    const rollout = page.locator('[data-section="rollout"]');
    expect(await rollout.textContent()).toContain("not started");
    const confirmAction = async (name: string) => {
      await page.click(`button[data-action="${name}"]`);
      const dialog = page.locator("dialog#confirm");
      await dialog.waitFor({ state: "visible" });
      await dialog.locator("button.primary").click();
      await dialog.waitFor({ state: "hidden" });
    };
    await confirmAction("rollout.evaluate");
    await eventually(() =>
      rollout.locator("[data-rollout-state]").getAttribute("data-rollout-state"),
    ).toBe("progressing");
    // Wait until each arm has the plan's minimum sample in this step, then evaluate.
    await eventually(() => rollout.locator(".preview .gate").first().textContent(), {
      timeout: 20_000,
    }).toMatch(/^\s*pass\s+min-requests/);
    await confirmAction("rollout.evaluate");
    await eventually(
      () => rollout.locator("[data-rollout-state]").getAttribute("data-rollout-state"),
      {
        timeout: 10_000,
      },
    ).toBe("rolled-back");
    const verdict = rollout.locator('.evaluation[data-event="rollback"]');
    const text = (await verdict.textContent()) ?? "";
    expect(text).toContain("error-rate");
    const failed = verdict.locator(".gate", { has: page.locator(".badge.bad") });
    expect(await failed.count()).toBeGreaterThan(0);
    expect(await failed.first().locator(".gate-name").textContent()).toBe("error-rate");
    expect((await failed.first().locator(".gate-detail").textContent())?.length).toBeGreaterThan(
      10,
    );
    // The evaluation's gate list is one line of counts until opened; the evidence under each
    // gate's sentence likewise.
    const summary = verdict.locator("details.gate-summary");
    expect(await summary.getAttribute("open")).toBeNull();
    const head = verdict.locator("details.gate-summary > summary");
    expect(await head.textContent()).toMatch(/^\d+ gates: .*fail.*; failed: .*error-rate/);
    expect(await failed.first().locator("details.evidence-more dl.evidence").isVisible()).toBe(
      false,
    );
    await head.click();
    expect(await failed.first().isVisible()).toBe(true);
    // The step strip says where it ended: the step is marked failed, not current.
    const step = rollout.locator(".steps .step").first();
    expect(await step.getAttribute("class")).toContain("failed");
    expect(await step.textContent()).toContain("rolled back here");
    expect(await rollout.locator(".steps .step.current").count()).toBe(0);
    // The verdict is on the time axis of the arm charts, and in the history as the analyzer's write.
    await eventually(() => page.locator(".history-entry").first().textContent(), {
      timeout: 10_000,
    }).toContain("rollout analyzer");
  });

  it("shows an LLM service's time to first token per arm and its shadow's similarity", async () => {
    await page.goto(`${stack.url}${DASH}/services/chat`);
    await page.waitForSelector('[data-section="shadow"]');
    const points = async (chart: string) =>
      Number((await page.getAttribute(`[data-chart="${chart}"]`, "data-points")) ?? 0);
    // The first-token chart is on the page once an arm streamed in the window: reload until then.
    await eventually(
      async () => {
        await page.reload();
        await page.waitForSelector('[data-section="shadow"]');
        return page.locator('[data-chart="first-token"]').count();
      },
      { timeout: 30_000 },
    ).toBe(1);
    await eventually(() => points("first-token"), { timeout: 15_000 }).toBeGreaterThan(0);
    const legend = await page.textContent('[data-chart="first-token"] .u-legend');
    expect(legend).toContain("chat-v1 p50");
    // Free text has no score: the similarity distribution stands where |Δscore| would.
    await eventually(() => points("delta-chat-v3-shadow"), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.textContent('[data-chart="delta-chat-v3-shadow"]')).toContain("Similarity");
    const answers = page.locator("table[data-answers]");
    await eventually(() => answers.count()).toBe(1);
    expect(await answers.textContent()).toMatch(/production\d+[\d.]+ ms/);
    expect(await page.textContent('[data-kpi="similarity"]')).toMatch(/^(1|0\.\d–\d\.\d)$/);
  });

  it("works in a narrow window", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${stack.url}${DASH}/services/fraud`);
    await page.waitForSelector('[data-chart="requests"] canvas');
    const overflow = await page.evaluate(
      "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    );
    expect(overflow).toBeLessThanOrEqual(1);
  });

  it("logged no console error on any page", () => {
    expect(errors).toEqual([]);
  });
});
