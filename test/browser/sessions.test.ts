/**
 * The dashboard's sessions and its guards against token guessing, in
 * Chromium against the router in Miniflare (workerd, the real sessions
 * Durable Object and the real rate-limit binding):
 *   - sign in, see this session on the Sessions page, end another browser's
 *     session (it lands on the sign-in page), sign out, and the cookie
 *     copied before signing out opens nothing in a third browser;
 *   - a burst of wrong tokens from one address ends on the 429 page (even
 *     the right token then waits) while another address signs in;
 *   - a router whose ADMIN_TOKEN is under 32 bytes shows the closed page,
 *     answers 503 on the admin API and says so in its health.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MiniflareRouter, startMiniflareRouter } from "../support/miniflare-router.ts";
import { consoleErrors, hasChromium, launchChromium } from "./support.ts";

const DASH = "/_router/dashboard";
const SHORT_TOKEN = "too-short-admin-token";

let router: MiniflareRouter;
let short: MiniflareRouter;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function newPage(headers: Record<string, string> = {}): Promise<Page> {
  const context = await browser.newContext({ extraHTTPHeaders: headers });
  contexts.push(context);
  return context.newPage();
}

/** Signs in through the form; the response to the form's post. */
async function submitSignIn(page: Page, token: string, name: string) {
  if (new URL(page.url()).pathname !== `${DASH}/sign-in`) {
    await page.goto(`${router.url}${DASH}/sign-in`);
  }
  await page.fill("input[name=token]", token);
  await page.fill("input[name=name]", name);
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => r.url().endsWith(`${DASH}/sign-in`) && r.request().method() === "POST",
    ),
    page.click("button[type=submit]"),
  ]);
  await page.waitForLoadState();
  return response;
}

const path = (page: Page) => new URL(page.url()).pathname;

describe.skipIf(!hasChromium)("sessions and sign-in limits in Chromium", () => {
  beforeAll(async () => {
    [router, short, browser] = await Promise.all([
      startMiniflareRouter(),
      startMiniflareRouter({ ADMIN_TOKEN: SHORT_TOKEN }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await Promise.all([router?.dispose(), short?.dispose()]);
  });

  it("lists and ends sessions from the page; a signed-out cookie replayed opens nothing", async () => {
    const alice = await newPage();
    const errors = consoleErrors(alice);
    await alice.goto(`${router.url}${DASH}`);
    expect(path(alice)).toBe(`${DASH}/sign-in`);
    await submitSignIn(alice, router.adminToken, "alice");
    expect(path(alice)).toBe(DASH);

    const bob = await newPage();
    await submitSignIn(bob, router.adminToken, "bob");
    expect(path(bob)).toBe(DASH);

    await alice.click("a.sessions-link");
    await alice.waitForSelector("table.sessions");
    const rows = alice.locator("table.sessions tbody tr");
    expect(await rows.count()).toBe(2);
    const mine = alice.locator('tr[data-current="true"]');
    expect(await mine.locator("th").textContent()).toContain("alice (dashboard)");
    expect(await mine.locator(".badge").textContent()).toBe("this one");
    const theirs = alice.locator("tr", { hasText: "bob (dashboard)" });
    expect(await theirs.getAttribute("data-current")).toBe("false");

    await theirs.locator("button", { hasText: "End" }).click();
    await alice.waitForLoadState();
    expect(path(alice)).toBe(`${DASH}/sessions`);
    expect(await alice.locator("tr", { hasText: "bob (dashboard)" }).count()).toBe(0);
    expect(await rows.count()).toBe(1);

    // Bob's next page: back to the sign-in form.
    await bob.reload();
    expect(path(bob)).toBe(`${DASH}/sign-in`);

    // A copy of Alice's cookie, taken before she signs out, is worth nothing after.
    const copied = await alice.context().cookies();
    expect(copied.map((c) => c.name)).toContain("router_dashboard");
    await alice.click(".sign-out button");
    await alice.waitForLoadState();
    expect(path(alice)).toBe(`${DASH}/sign-in`);
    const replay = await newPage();
    await replay.context().addCookies(copied);
    await replay.goto(`${router.url}${DASH}`);
    expect(path(replay)).toBe(`${DASH}/sign-in`);
    await replay.goto(`${router.url}${DASH}/sessions`);
    expect(path(replay)).toBe(`${DASH}/sign-in`);

    expect(errors).toEqual([]);
  });

  it("a burst of wrong tokens from one address ends on the 429 page; another address signs in", async () => {
    const guesser = await newPage({ "cf-connecting-ip": "192.0.2.77" });
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof submitSignIn>> | null = null;
    for (let i = 0; i < 25 && !limited; i++) {
      const response = await submitSignIn(guesser, `guess-${i}`, "mallory");
      if (response.status() === 429) limited = response;
      else statuses.push(response.status());
    }
    expect(limited).not.toBeNull();
    expect(statuses.length).toBeGreaterThanOrEqual(10);
    expect(new Set(statuses)).toEqual(new Set([403]));
    const wait = Number(await limited?.headerValue("retry-after"));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect(await guesser.textContent(".problem")).toContain("Too many failed sign-ins");

    // Even the right token waits now, from that address.
    const right = await submitSignIn(guesser, router.adminToken, "mallory");
    expect(right.status()).toBe(429);
    expect(path(guesser)).toBe(`${DASH}/sign-in`);

    const other = await newPage({ "cf-connecting-ip": "192.0.2.78" });
    const ok = await submitSignIn(other, router.adminToken, "carol");
    expect(ok.status()).toBe(303);
    expect(path(other)).toBe(DASH);
  });

  it("with an ADMIN_TOKEN under 32 bytes: the closed page, 503 on the admin API, and health says so", async () => {
    const page = await newPage();
    const response = await page.goto(`${short.url}${DASH}`);
    expect(response?.status()).toBe(503);
    expect(await page.textContent("h1")).toBe("The dashboard is closed");
    expect(await page.textContent("main")).toContain("shorter than 32 bytes");
    expect(await page.textContent("main")).toContain("openssl rand -base64 32");
    expect(await page.locator("input[name=token]").count()).toBe(0);

    const api = await fetch(`${short.url}/_router/admin/services`, {
      headers: { authorization: `Bearer ${SHORT_TOKEN}` },
    });
    expect(api.status).toBe(503);
    expect(((await api.json()) as { error: string }).error).toBe("admin_token_too_short");

    const health = (await (await fetch(`${short.url}/_router/health`)).json()) as {
      admin: { open: boolean; error: string };
    };
    expect(health.admin).toMatchObject({ open: false, error: "admin_token_too_short" });
    const open = (await (await fetch(`${router.url}/_router/health`)).json()) as {
      admin: { open: boolean };
    };
    expect(open.admin).toEqual({ open: true });
  });
});
