import { SELF } from "cloudflare:test";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { bucketOf } from "../../src/core/routing/bucket.ts";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";
import { makeDoc, putDoc, users, variantOf } from "./support.ts";

// A 50% canary: half of any set of ids lands in it, so "same arm as the
// header id" is a real check, not a coincidence.
const SALT = "id-salt";
const arm = (id: string) => (bucketOf(SALT, id) < 5000 ? "canary" : "blue");
const canaryUser = users(50, "who").find((id) => arm(id) === "canary") as string;
const blueUser = users(50, "who").find((id) => arm(id) === "blue") as string;

const doc = (identity: RoutingDocumentInput["identity"]) =>
  makeDoc("ident", { canary: { origin: "canary", shareBp: 5000, salt: SALT }, identity });

const post = (headers: Record<string, string>, body: unknown = { x: 1 }) =>
  SELF.fetch("http://router.test/ident/echo", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("identity sources", () => {
  it("header: x-user-id by default", async () => {
    await putDoc(doc(undefined));
    expect(await variantOf(await post({ "x-user-id": canaryUser }))).toBe("canary");
    expect(await variantOf(await post({ "x-user-id": blueUser }))).toBe("blue");
  });

  it("cookie", async () => {
    await putDoc(doc({ sources: [{ type: "cookie", name: "uid" }] }));
    expect(await variantOf(await post({ cookie: `a=b; uid=${canaryUser}` }))).toBe("canary");
    expect(await variantOf(await post({ cookie: `uid=${blueUser}` }))).toBe("blue");
  });

  it("JWT claim verified with the JWT_SECRET secret; a forged token is no identity", async () => {
    await putDoc(doc({ sources: [{ type: "jwt", claim: "sub" }] }));
    const exp = Math.floor(Date.now() / 1000) + 600;
    const good = await sign({ sub: canaryUser, exp }, "test-jwt-secret", "HS256");
    const forged = await sign({ sub: canaryUser, exp }, "not-the-secret", "HS256");
    const expired = await sign({ sub: canaryUser, exp: 1 }, "test-jwt-secret", "HS256");
    expect(await variantOf(await post({ authorization: `Bearer ${good}` }))).toBe("canary");
    const res = await post({ authorization: `Bearer ${forged}` });
    expect(await variantOf(res)).toBe("blue");
    expect(await variantOf(await post({ authorization: `Bearer ${expired}` }))).toBe("blue");
  });

  it("JSON body field, and the body still reaches the origin byte for byte", async () => {
    await putDoc(doc({ sources: [{ type: "jsonBody", path: "user.id" }] }));
    const body = { user: { id: canaryUser }, features: { amount: 12.5, note: "ünïcødé" } };
    const res = await post({}, body);
    expect(res.headers.get("x-model-variant")).toBe("canary");
    const echo = (await res.json()) as { body_sha256: string; method: string };
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(echo).toMatchObject({ method: "POST", body_sha256: digest });
  });

  it("tries the sources in order", async () => {
    await putDoc(
      doc({
        sources: [
          { type: "header", name: "x-user-id" },
          { type: "cookie", name: "uid" },
        ],
      }),
    );
    expect(
      await variantOf(await post({ "x-user-id": canaryUser, cookie: `uid=${blueUser}` })),
    ).toBe("canary");
    expect(await variantOf(await post({ cookie: `uid=${blueUser}` }))).toBe("blue");
  });

  it("no id: routed to live, and the anonymous cookie keeps the browser on one arm afterwards", async () => {
    await putDoc(
      doc({
        sources: [{ type: "header", name: "x-user-id" }],
        anonymousCookie: { name: "mr_uid", maxAgeDays: 30 },
      }),
    );
    const arms = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const first = await post({});
      expect(await variantOf(first)).toBe("blue");
      const setCookie = first.headers.get("set-cookie") ?? "";
      expect(setCookie).toMatch(
        /^mr_uid=[0-9a-f-]{36}; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/,
      );
      const cookie = setCookie.split(";")[0] as string;
      const id = cookie.split("=")[1] as string;
      const seen = new Set<string | null>();
      for (let j = 0; j < 3; j++) {
        const next = await post({ cookie });
        expect(next.headers.get("set-cookie")).toBeNull();
        seen.add(await variantOf(next));
      }
      expect([...seen]).toEqual([arm(id)]);
      arms.add(arm(id));
    }
    expect(arms).toEqual(new Set(["blue", "canary"]));
  });

  it("without the anonymous cookie option, an anonymous request gets no cookie", async () => {
    await putDoc(doc(undefined));
    const res = await post({});
    expect(await variantOf(res)).toBe("blue");
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});
