/**
 * The admin surfaces against token guessing, through the real worker in
 * workerd with the real local rate-limit binding (AUTH_FAILURES, wrangler.toml)
 * and the real sessions object:
 *   - failed authentications are limited per client (cf-connecting-ip): a
 *     burst of wrong tokens ends in 429 with Retry-After, on the admin API
 *     and on the dashboard's sign-in, and then even the right token from that
 *     client waits; the right token from another client still works;
 *   - only failures count: a client's earlier typo, or any number of
 *     successful calls, never blocks it;
 *   - an ADMIN_TOKEN shorter than 32 bytes closes both surfaces: 503
 *     `admin_token_too_short` on the admin API, the dashboard's closed page,
 *     the health endpoint's `admin` field, and one log line per isolate.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";

const TOKEN = env.ADMIN_TOKEN;
const ROUTER = "http://router.test";
const DASH = `${ROUTER}/_router/dashboard`;
/** The limit in wrangler.toml ([[ratelimits]] AUTH_FAILURES): failures per client per 60 s. */
const LIMIT = 10;

function admin(token: string, ip: string): Promise<Response> {
  return SELF.fetch(`${ROUTER}/_router/admin/services`, {
    headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": ip },
  });
}

function signIn(token: string, ip: string): Promise<Response> {
  return SELF.fetch(`${DASH}/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: {
      origin: ROUTER,
      "content-type": "application/x-www-form-urlencoded",
      "cf-connecting-ip": ip,
    },
    body: new URLSearchParams({ token, name: "alice", next: "/_router/dashboard" }),
  });
}

/**
 * Wrong tokens until the first 429 (at most 2 * LIMIT + 5): the statuses
 * before it, and the 429. The binding's 60 s windows are aligned to the
 * clock, so a burst that straddles a window's end may need up to 2 * LIMIT.
 */
async function burst(send: () => Promise<Response>) {
  const before: number[] = [];
  for (let i = 0; i < 2 * LIMIT + 5; i++) {
    const res = await send();
    if (res.status === 429) return { before, limited: res };
    before.push(res.status);
    await res.arrayBuffer();
  }
  throw new Error(`no 429 after ${before.length} wrong tokens`);
}

const retryAfter = (res: Response) => Number(res.headers.get("retry-after"));

describe("failed authentications are rate limited per client", () => {
  it("admin API: a burst of wrong tokens ends in 429 with Retry-After; another client still gets in", async () => {
    const { before, limited } = await burst(() => admin("wrong-token-guess", "198.51.100.1"));
    expect(before.length).toBeGreaterThanOrEqual(LIMIT);
    expect(before.length).toBeLessThanOrEqual(2 * LIMIT);
    expect(new Set(before)).toEqual(new Set([403]));
    expect(retryAfter(limited)).toBeGreaterThanOrEqual(1);
    expect(retryAfter(limited)).toBeLessThanOrEqual(60);
    const body = (await limited.json()) as { error: string; message: string };
    expect(body.error).toBe("too_many_failed_attempts");
    expect(body.message).toContain("Retry-After");

    // The limited client waits even with the right token: it is refused
    // before its token is compared.
    const right = await admin(TOKEN, "198.51.100.1");
    expect(right.status).toBe(429);
    expect(retryAfter(right)).toBeGreaterThanOrEqual(1);
    await right.arrayBuffer();

    // Another client with the right token is not affected.
    const other = await admin(TOKEN, "198.51.100.2");
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });

  it("sign-in: a burst of wrong tokens ends in a 429 page with Retry-After; another client signs in", async () => {
    const { before, limited } = await burst(() => signIn("wrong-token-guess", "198.51.100.3"));
    expect(before.length).toBeGreaterThanOrEqual(LIMIT);
    expect(new Set(before)).toEqual(new Set([403]));
    expect(retryAfter(limited)).toBeGreaterThanOrEqual(1);
    expect(retryAfter(limited)).toBeLessThanOrEqual(60);
    expect(limited.headers.get("content-type")).toContain("text/html");
    expect(await limited.text()).toContain("Too many failed sign-ins");
    expect(limited.headers.get("set-cookie")).toBeNull();

    const right = await signIn(TOKEN, "198.51.100.3");
    expect(right.status).toBe(429);
    expect(right.headers.get("set-cookie")).toBeNull();
    await right.arrayBuffer();

    const other = await signIn(TOKEN, "198.51.100.4");
    expect(other.status).toBe(303);
    expect(other.headers.get("set-cookie")).toMatch(/^router_dashboard=/);
  });

  it("counts only failures: a typo then the right token, and many successful calls, are never limited", async () => {
    for (let i = 0; i < 3; i++) {
      const typo = await admin(`${TOKEN}x`, "198.51.100.5");
      expect(typo.status).toBe(403);
      await typo.arrayBuffer();
    }
    for (let i = 0; i < 3 * LIMIT; i++) {
      const ok = await admin(TOKEN, "198.51.100.5");
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
    }
    // No token at all is not a guess: 401, never counted.
    for (let i = 0; i < 2 * LIMIT; i++) {
      const none = await SELF.fetch(`${ROUTER}/_router/admin/services`, {
        headers: { "cf-connecting-ip": "198.51.100.5" },
      });
      expect(none.status).toBe(401);
      await none.arrayBuffer();
    }
    const still = await admin(TOKEN, "198.51.100.5");
    expect(still.status).toBe(200);
    await still.arrayBuffer();
  });
});

describe("an ADMIN_TOKEN shorter than 32 bytes", () => {
  afterEach(() => vi.restoreAllMocks());

  /** The real worker with another ADMIN_TOKEN (the other bindings are the test's). */
  async function withToken(adminToken: string, path: string, init: RequestInit = {}) {
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`${ROUTER}${path}`, init),
      { ...env, ADMIN_TOKEN: adminToken },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return res;
  }

  it("closes the admin API (503), the dashboard (closed page) and says so in health and the log, once", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const short = "x".repeat(31);
    const api = await withToken(short, "/_router/admin/services", {
      headers: { authorization: `Bearer ${short}` },
    });
    expect(api.status).toBe(503);
    const body = (await api.json()) as { error: string; message: string };
    expect(body.error).toBe("admin_token_too_short");
    expect(body.message).toContain("32 bytes");
    expect(body.message).toContain("openssl rand -base64 32");

    // The right (short) token is never compared: no guess is possible either way.
    const none = await withToken(short, "/_router/admin/services");
    expect(none.status).toBe(503);
    await none.arrayBuffer();

    for (const path of ["/_router/dashboard/sign-in", "/_router/dashboard/"]) {
      const page = await withToken(short, path, { redirect: "manual" });
      expect(page.status).toBe(503);
      const html = await page.text();
      expect(html).toContain("The dashboard is closed");
      expect(html).toContain("shorter than 32 bytes");
    }
    const post = await withToken(short, "/_router/dashboard/sign-in", {
      method: "POST",
      redirect: "manual",
      headers: { origin: ROUTER, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: short, next: "/_router/dashboard" }),
    });
    expect(post.status).toBe(503);
    expect(post.headers.get("set-cookie")).toBeNull();
    await post.arrayBuffer();

    const health = (await (await withToken(short, "/_router/health")).json()) as {
      ok: boolean;
      admin: { open: boolean; error?: string; message?: string };
    };
    expect(health.ok).toBe(true);
    expect(health.admin).toMatchObject({ open: false, error: "admin_token_too_short" });
    expect(health.admin.message).toContain("32 bytes");

    const lines = errors.mock.calls
      .map((args) => String(args[0]))
      .filter((l) => l.includes("ADMIN_TOKEN"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("32 bytes");
  });

  it("counts bytes, not characters: 16 two-byte characters are enough", async () => {
    const token = "\u00e9".repeat(16);
    const res = await withToken(token, "/_router/admin/services", {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const health = (await (await withToken(token, "/_router/health")).json()) as {
      admin: { open: boolean };
    };
    expect(health.admin).toEqual({ open: true });
  });

  it("the test's own 34-byte token is open", async () => {
    const health = (await (await SELF.fetch(`${ROUTER}/_router/health`)).json()) as {
      admin: { open: boolean };
    };
    expect(health.admin).toEqual({ open: true });
  });
});
