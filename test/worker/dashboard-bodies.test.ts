/**
 * Every body the dashboard reads for itself is bounded and refused early
 * (413 body_too_large), chunked or declared: the sign-in form, a form
 * carrying the CSRF token (sign-out), and an action's JSON. An
 * unauthenticated sign-in with a 48 MB chunked form used to be read whole
 * (workerd grew by about 315 MB) before its 403.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { makeDoc } from "./support.ts";

const BASE = "http://router.test/_router/dashboard";
const FORM = "application/x-www-form-urlencoded";
const TOKEN = "test-admin-token-at-least-32-bytes";

/** The sign-in form's bound, the sign-out form's, an action's (BODY_BOUNDS in src/http/bounded-body.ts). */
const FORM_BYTES = 4096;
const ACTION_BYTES = 16_384;

/**
 * A body of `total` bytes of `fill` (after `prefix`) in 64 KiB chunks, made
 * only as it is pulled, with no declared length; `pulled()` says how many
 * bytes the reader asked for.
 */
function countedStream(prefix: string, total: number, fill = "a") {
  const chunk = new TextEncoder().encode(fill.repeat(65_536));
  let sent = 0;
  let first = true;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (first) {
          first = false;
          const head = new TextEncoder().encode(prefix);
          sent += head.byteLength;
          controller.enqueue(head);
          return;
        }
        if (sent >= total) {
          controller.close();
          return;
        }
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => sent };
}

/** A stream of `text` in one chunk, without a declared length (chunked). */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

const signIn = (body: BodyInit, headers: Record<string, string> = {}) =>
  SELF.fetch(`${BASE}/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: "http://router.test", "content-type": FORM, ...headers },
    body,
  });

/** `token=...&next=...&pad=xxx` of exactly `bytes` bytes. */
function signInForm(bytes: number, token = TOKEN): string {
  const head = `token=${token}&next=%2F_router%2Fdashboard&pad=`;
  return head + "x".repeat(bytes - head.length);
}

/** A signed-in session: its cookie and its CSRF token (from the page's meta tag). */
async function session(): Promise<{ cookie: string; csrf: string }> {
  const res = await signIn(signInForm(200));
  expect(res.status).toBe(303);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const page = await SELF.fetch(`${BASE}/`, { headers: { cookie } });
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1] ?? "";
  expect(csrf).not.toBe("");
  return { cookie, csrf };
}

async function expectTooLarge(res: Response): Promise<void> {
  expect(res.status).toBe(413);
  expect(await res.json()).toMatchObject({ error: "body_too_large" });
}

describe("dashboard sign-in body bound", () => {
  it("stops reading a 48 MB chunked form shortly after the bound and answers 413", async () => {
    const { stream, pulled } = countedStream("token=", 48 * 1024 * 1024);
    const res = await signIn(stream);
    await expectTooLarge(res);
    // Give a reader that kept pulling a moment to show it.
    await new Promise((r) => setTimeout(r, 100));
    expect(pulled()).toBeLessThan(256 * 1024);
  });

  it("refuses a declared Content-Length over the bound unread, and takes a form just under it", async () => {
    const big = signInForm(FORM_BYTES + 1);
    await expectTooLarge(await signIn(big, { "content-length": String(big.length) }));
    await expectTooLarge(await signIn(chunked(big)));
    const ok = await signIn(signInForm(FORM_BYTES));
    expect(ok.status).toBe(303);
    expect(ok.headers.get("set-cookie")).toMatch(/^router_dashboard=/);
    const okChunked = await signIn(chunked(signInForm(FORM_BYTES)));
    expect(okChunked.status).toBe(303);
  });
});

describe("dashboard CSRF form body bound (sign-out)", () => {
  it("refuses a form over the bound, chunked or declared; signs out with one just under", async () => {
    const { cookie, csrf } = await session();
    const signOut = (body: BodyInit, headers: Record<string, string> = {}) =>
      SELF.fetch(`${BASE}/sign-out`, {
        method: "POST",
        redirect: "manual",
        headers: { origin: "http://router.test", "content-type": FORM, cookie, ...headers },
        body,
      });
    const form = (bytes: number) => {
      const head = `csrf=${encodeURIComponent(csrf)}&pad=`;
      return head + "x".repeat(bytes - head.length);
    };
    const { stream, pulled } = countedStream(`csrf=${encodeURIComponent(csrf)}&pad=`, 48 << 20);
    await expectTooLarge(await signOut(stream));
    expect(pulled()).toBeLessThan(256 * 1024);
    const big = form(FORM_BYTES + 1);
    await expectTooLarge(await signOut(big, { "content-length": String(big.length) }));
    await expectTooLarge(await signOut(chunked(big)));
    const ok = await signOut(chunked(form(FORM_BYTES)));
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/_router/dashboard/sign-in");
  });
});

describe("dashboard action body bound", () => {
  it("refuses an action body over the bound, chunked or declared; takes one just under", async () => {
    const doc = makeDoc("dash-bodies");
    const put = await SELF.fetch("http://router.test/_router/admin/services/dash-bodies", {
      method: "PUT",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(doc),
    });
    expect(put.status).toBe(200);
    const { cookie, csrf } = await session();
    const act = (body: BodyInit, headers: Record<string, string> = {}) =>
      SELF.fetch(`${BASE}/api/services/dash-bodies/actions/flip`, {
        method: "POST",
        headers: {
          origin: "http://router.test",
          "content-type": "application/json",
          accept: "application/json",
          "x-dashboard-csrf": csrf,
          cookie,
          ...headers,
        },
        body,
      });
    /** A dry-run flip to green, padded to exactly `bytes` bytes. */
    const action = (bytes: number) => {
      const head = '{"args":{"to":"green"},"dryRun":true,"pad":"';
      return `${head}${"x".repeat(bytes - head.length - 2)}"}`;
    };
    const { stream, pulled } = countedStream(action(100).slice(0, -2), 48 << 20);
    await expectTooLarge(await act(stream));
    expect(pulled()).toBeLessThan(256 * 1024);
    const big = action(ACTION_BYTES + 1);
    await expectTooLarge(await act(big, { "content-length": String(big.length) }));
    await expectTooLarge(await act(chunked(big)));
    for (const body of [action(ACTION_BYTES), chunked(action(ACTION_BYTES))]) {
      const ok = await act(body);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ ok: true, dryRun: true, change: expect.any(String) });
    }
  });
});

describe("dashboard action nesting bound", () => {
  it("an action nesting 2,000 objects deep (12 KB) is refused with 400 body_too_deep", async () => {
    const put = await SELF.fetch("http://router.test/_router/admin/services/dash-deep", {
      method: "PUT",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(makeDoc("dash-deep")),
    });
    expect(put.status).toBe(200);
    const { cookie, csrf } = await session();
    const deep = `${'{"a":'.repeat(2_000)}{}${"}".repeat(2_000)}`;
    const res = await SELF.fetch(`${BASE}/api/services/dash-deep/actions/flip`, {
      method: "POST",
      headers: {
        origin: "http://router.test",
        "content-type": "application/json",
        accept: "application/json",
        "x-dashboard-csrf": csrf,
        cookie,
      },
      body: `{"args":{"to":"green","x":${deep}},"dryRun":true}`,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "body_too_deep" });
  });
});
