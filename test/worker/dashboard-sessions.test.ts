/**
 * The dashboard's sessions, server-side, through the real worker in workerd
 * with the real sessions Durable Object (SESSIONS): a signed-out cookie
 * replayed is refused (pages, data and writes); the Sessions page lists the
 * active sessions (who, created, last seen, this one) and ends one (CSRF
 * and origin checked like every write); and with the sessions object
 * unreachable the dashboard is closed (503), never open.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";

const ROUTER = "http://router.test";
const DASH = `${ROUTER}/_router/dashboard`;
const FORM = "application/x-www-form-urlencoded";

async function signIn(name: string): Promise<string> {
  const res = await SELF.fetch(`${DASH}/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: ROUTER, "content-type": FORM, "cf-connecting-ip": "192.0.2.10" },
    body: new URLSearchParams({ token: env.ADMIN_TOKEN, name, next: "/_router/dashboard" }),
  });
  expect(res.status).toBe(303);
  await res.arrayBuffer();
  return (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

const get = (path: string, cookie: string) =>
  SELF.fetch(`${DASH}${path}`, { redirect: "manual", headers: { cookie } });

/** A form post from the dashboard's own pages, with the session's CSRF token unless told otherwise. */
const post = (path: string, cookie: string, fields: Record<string, string>, origin = ROUTER) =>
  SELF.fetch(`${DASH}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, origin, "content-type": FORM },
    body: new URLSearchParams(fields),
  });

async function csrfOf(cookie: string): Promise<string> {
  const html = await (await get("", cookie)).text();
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(html)?.[1];
  expect(csrf).toBeTruthy();
  return csrf as string;
}

interface Row {
  id: string;
  current: boolean;
  text: string;
}

function rowsOf(html: string): Row[] {
  return [
    ...html.matchAll(/<tr data-session="([^"]+)" data-current="(true|false)">([\s\S]*?)<\/tr>/g),
  ].map((m) => ({ id: m[1] ?? "", current: m[2] === "true", text: m[3] ?? "" }));
}

describe("signing out ends the session server-side", () => {
  it("a signed-out session cookie replayed opens nothing and runs nothing", async () => {
    const cookie = await signIn("replay");
    expect((await get("", cookie)).status).toBe(200);
    const csrf = await csrfOf(cookie);

    const out = await post("/sign-out", cookie, { csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/_router/dashboard/sign-in");
    expect(out.headers.get("set-cookie")).toMatch(/^router_dashboard=; Max-Age=0/);

    // The same cookie, replayed (a copy taken before signing out).
    const page = await get("", cookie);
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toContain("/_router/dashboard/sign-in");
    const data = await get("/api/overview?services=fraud", cookie);
    expect(data.status).toBe(401);
    expect(((await data.json()) as { error: string }).error).toBe("dashboard_unauthenticated");
    const action = await SELF.fetch(`${DASH}/api/services/fraud/actions/canary.kill`, {
      method: "POST",
      headers: {
        cookie,
        origin: ROUTER,
        "content-type": "application/json",
        "x-dashboard-csrf": csrf,
      },
      body: JSON.stringify({ dryRun: true }),
    });
    expect(action.status).toBe(401);
    await action.arrayBuffer();
    // The sign-in page shows its form to that cookie (no redirect loop).
    const signInPage = await get("/sign-in", cookie);
    expect(signInPage.status).toBe(200);
    expect(await signInPage.text()).toContain('name="token"');
  });
});

describe("the Sessions page", () => {
  it("lists the active sessions and marks this one", async () => {
    const alice = await signIn("alice");
    const bob = await signIn("bob");
    const res = await get("/sessions", alice);
    expect(res.status).toBe(200);
    const rows = rowsOf(await res.text());
    const mine = rows.find((r) => r.text.includes("alice (dashboard)"));
    const theirs = rows.find((r) => r.text.includes("bob (dashboard)"));
    expect(mine?.current).toBe(true);
    expect(theirs?.current).toBe(false);
    expect(rows.filter((r) => r.current)).toHaveLength(1);
    // The id on the page is not the cookie's session id (a page never holds a credential).
    expect(alice).not.toContain(mine?.id);
    expect(bob).not.toContain(theirs?.id);
  });

  it("ends another session: its cookie is refused, this one goes on; CSRF and origin are checked", async () => {
    const alice = await signIn("alice-2");
    const bob = await signIn("bob-2");
    const csrf = await csrfOf(alice);
    const rows = rowsOf(await (await get("/sessions", alice)).text());
    const target = rows.find((r) => r.text.includes("bob-2 (dashboard)"));
    expect(target).toBeDefined();
    const id = target?.id ?? "";

    expect((await post(`/sessions/${id}/end`, alice, {})).status).toBe(403);
    expect((await post(`/sessions/${id}/end`, alice, { csrf: `${csrf}x` })).status).toBe(403);
    expect(
      (await post(`/sessions/${id}/end`, alice, { csrf }, "https://evil.example")).status,
    ).toBe(403);
    expect((await get("", bob)).status).toBe(200);

    const end = await post(`/sessions/${id}/end`, alice, { csrf });
    expect(end.status).toBe(303);
    expect(end.headers.get("location")).toBe("/_router/dashboard/sessions");

    expect((await get("", bob)).status).toBe(303);
    expect((await get("", alice)).status).toBe(200);
    const after = rowsOf(await (await get("/sessions", alice)).text());
    expect(after.some((r) => r.id === id)).toBe(false);
    expect(after.some((r) => r.text.includes("alice-2 (dashboard)"))).toBe(true);
  });

  it("ending this session signs it out", async () => {
    const carol = await signIn("carol");
    const csrf = await csrfOf(carol);
    const mine = rowsOf(await (await get("/sessions", carol)).text()).find((r) => r.current);
    const end = await post(`/sessions/${mine?.id}/end`, carol, { csrf });
    expect(end.status).toBe(303);
    expect(end.headers.get("location")).toBe("/_router/dashboard/sign-in");
    expect((await get("", carol)).status).toBe(303);
  });
});

describe("the sessions object unreachable", () => {
  /** The real worker with a SESSIONS binding whose every call fails. */
  async function withoutSessions(path: string, init: RequestInit = {}) {
    const down = {
      idFromName: () => {
        throw new Error("sessions object unreachable (test)");
      },
      get: () => {
        throw new Error("sessions object unreachable (test)");
      },
    };
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`${ROUTER}${path}`, { redirect: "manual", ...init }),
      { ...env, SESSIONS: down as unknown as typeof env.SESSIONS },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return res;
  }

  it("closes the dashboard (503 page, JSON for data) instead of trusting the cookie alone", async () => {
    const cookie = await signIn("dave");
    const page = await withoutSessions("/_router/dashboard", { headers: { cookie } });
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("sessions cannot be checked");
    const data = await withoutSessions("/_router/dashboard/api/overview", { headers: { cookie } });
    expect(data.status).toBe(503);
    expect(((await data.json()) as { error: string }).error).toBe("sessions_unavailable");
    const signInPost = await withoutSessions("/_router/dashboard/sign-in", {
      method: "POST",
      headers: { origin: ROUTER, "content-type": FORM },
      body: new URLSearchParams({ token: env.ADMIN_TOKEN, next: "/_router/dashboard" }),
    });
    expect(signInPost.status).toBe(503);
    expect(signInPost.headers.get("set-cookie")).toBeNull();
    await signInPost.arrayBuffer();
  });
});
