/**
 * The dashboard's credentials, in Node (WebCrypto as in workerd): the signed
 * session cookie (no token inside, tamper-, expiry- and rotation-proof), the
 * CSRF token, and the verification of Cloudflare Access tokens with keys
 * made here (RS256, issuer, audience, expiry, key ids), down to the
 * middleware taking Access's identity as the session's author.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { SessionRecord } from "../../src/core/session-record.ts";
import { type AccessConfig, verifyAccessToken } from "../../src/http/dashboard/access.ts";
import { type DashboardEnv, requireSession } from "../../src/http/dashboard/guard.ts";
import {
  csrfMatches,
  csrfToken,
  newSession,
  openSession,
  SESSION_SECONDS,
  sealSession,
} from "../../src/http/dashboard/session.ts";
import type { AdminDeps } from "../../src/http/routes/request-params.ts";
import type { SessionStore } from "../../src/ports/session-store.ts";

/** The sessions' records in memory (the worker keeps them in the sessions Durable Object). */
function memorySessions(): SessionStore & { records: Map<string, SessionRecord> } {
  const records = new Map<string, SessionRecord>();
  return {
    records,
    create: async (r) => {
      records.set(r.id, { ...r, lastSeenAt: r.createdAt, revokedAt: null });
    },
    check: async (id) => {
      const r = records.get(id);
      return r && r.revokedAt === null && r.expiresAt > Date.now() ? r : null;
    },
    end: async (id) => {
      const r = records.get(id);
      if (!r || r.revokedAt !== null) return false;
      r.revokedAt = Date.now();
      return true;
    },
    list: async () => [...records.values()].filter((r) => r.revokedAt === null),
  };
}

const TOKEN = "an-admin-token-of-at-least-32-bytes";
const now = Date.now();

describe("the session cookie", () => {
  it("opens what it sealed, and holds no token", async () => {
    const session = newSession("alice (dashboard)", "token", now);
    const value = await sealSession(TOKEN, session);
    expect(value).not.toContain(TOKEN);
    expect(Buffer.from(value.split(".")[0] ?? "", "base64url").toString()).not.toContain(TOKEN);
    expect(await openSession(TOKEN, value, now)).toEqual(session);
    expect(session.exp).toBe(Math.floor(now / 1000) + SESSION_SECONDS);
  });

  it("refuses a tampered, expired, foreign or malformed value", async () => {
    const session = newSession("alice", "token", now);
    const value = await sealSession(TOKEN, session);
    const [payload, sig] = value.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...session, sub: "mallory" })).toString(
      "base64url",
    );
    expect(await openSession(TOKEN, `${forged}.${sig}`, now)).toBeNull();
    // A different last character (the same one would be no tampering at all).
    const last = sig.endsWith("A") ? "E" : "A";
    expect(await openSession(TOKEN, `${payload}.${sig.slice(0, -1)}${last}`, now)).toBeNull();
    // The same signature bytes spelled another way (the last character's
    // unused low bits set) is not the signature either.
    const lastIndex = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".indexOf(
      sig.at(-1) ?? "A",
    );
    const respelled = `${sig.slice(0, -1)}${"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[lastIndex | 1]}`;
    expect(Buffer.from(respelled, "base64url")).toEqual(Buffer.from(sig, "base64url"));
    expect(await openSession(TOKEN, `${payload}.${respelled}`, now)).toBeNull();
    expect(await openSession(TOKEN, value, now + (SESSION_SECONDS + 1) * 1000)).toBeNull();
    // Rotating ADMIN_TOKEN signs every session out.
    expect(await openSession(`${TOKEN}-rotated`, value, now)).toBeNull();
    for (const bad of [undefined, "", "x", "a.b.c", `${payload}.`, "é.é"]) {
      expect(await openSession(TOKEN, bad, now)).toBeNull();
    }
  });

  it("derives a CSRF token per session that only the server can compute", async () => {
    const a = newSession("alice", "token", now);
    const b = newSession("alice", "token", now);
    const csrf = await csrfToken(TOKEN, a);
    expect(await csrfMatches(TOKEN, a, csrf)).toBe(true);
    expect(await csrfMatches(TOKEN, b, csrf)).toBe(false);
    expect(await csrfMatches(TOKEN, a, undefined)).toBe(false);
    expect(await csrfMatches(`${TOKEN}-other`, a, csrf)).toBe(false);
  });
});

const b64 = (x: object | Uint8Array) =>
  Buffer.from(x instanceof Uint8Array ? x : JSON.stringify(x)).toString("base64url");

async function signer(kid: string) {
  const pair = (await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const jwk = { ...((await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey), kid };
  const sign = async (claims: object, header: object = { alg: "RS256", kid, typ: "JWT" }) => {
    const input = `${b64(header)}.${b64(claims)}`;
    const sig = await crypto.subtle.sign(
      "RSASSA-PKCS1-v1_5",
      pair.privateKey,
      new TextEncoder().encode(input),
    );
    return `${input}.${b64(new Uint8Array(sig))}`;
  };
  return { jwk, sign };
}

let configs = 0;
/** A fresh config each time (the verifier caches keys per team and audience). */
function configWith(keys: JsonWebKey[]): AccessConfig {
  configs += 1;
  return {
    teamDomain: `team${configs}.cloudflareaccess.com`,
    audience: "aud-tag-1",
    keys: async () => keys,
  };
}

const claimsFor = (config: AccessConfig, extra: Record<string, unknown> = {}) => ({
  iss: `https://${config.teamDomain}`,
  aud: [config.audience],
  email: "ops@example.com",
  iat: Math.floor(now / 1000) - 10,
  nbf: Math.floor(now / 1000) - 10,
  exp: Math.floor(now / 1000) + 600,
  type: "app",
  ...extra,
});

describe("Cloudflare Access tokens", async () => {
  const key = await signer("key-1");
  const other = await signer("key-1");

  it("takes a user's email, or a service token's name, from a valid token", async () => {
    const config = configWith([key.jwk]);
    expect(await verifyAccessToken(config, await key.sign(claimsFor(config)), now)).toEqual({
      ok: true,
      identity: "ops@example.com",
    });
    const service = claimsFor(config, { email: undefined, common_name: "ci.access" });
    expect(await verifyAccessToken(config, await key.sign(service), now)).toEqual({
      ok: true,
      identity: "ci.access",
    });
  });

  const refusals: [string, (c: AccessConfig) => Promise<string>, string][] = [
    [
      "another team",
      (c) => key.sign(claimsFor(c, { iss: "https://evil.cloudflareaccess.com" })),
      "another team",
    ],
    [
      "another application",
      (c) => key.sign(claimsFor(c, { aud: ["other-aud"] })),
      "another Access application",
    ],
    [
      "an expired token",
      (c) => key.sign(claimsFor(c, { exp: Math.floor(now / 1000) - 120 })),
      "expired",
    ],
    [
      "a token from the future",
      (c) => key.sign(claimsFor(c, { nbf: Math.floor(now / 1000) + 600 })),
      "future",
    ],
    ["no identity", (c) => key.sign(claimsFor(c, { email: undefined })), "no email"],
    ["another key with the same id", (c) => other.sign(claimsFor(c)), "bad signature"],
    [
      "an unknown key id",
      (c) => key.sign(claimsFor(c), { alg: "RS256", kid: "key-9" }),
      "do not list",
    ],
    [
      "alg none",
      async (c) => `${b64({ alg: "none", kid: "key-1" })}.${b64(claimsFor(c))}.`,
      "not RS256",
    ],
    ["HS256", (c) => key.sign(claimsFor(c), { alg: "HS256", kid: "key-1" }), "not RS256"],
    ["garbage", async () => "not.a.jwt!", "not a JWT"],
  ];
  it.each(refusals)("refuses %s", async (_name, make, reason) => {
    const config = configWith([key.jwk]);
    const outcome = await verifyAccessToken(config, await make(config), now);
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? "" : outcome.message).toContain(reason);
  });

  it("says a request without a token is missing one", async () => {
    expect(await verifyAccessToken(configWith([key.jwk]), undefined, now)).toMatchObject({
      ok: false,
      reason: "missing",
    });
  });

  it("signs the dashboard in as the Access identity, and refuses a request without it", async () => {
    const access = configWith([key.jwk]);
    const sessions = memorySessions();
    const deps = { admin: { adminToken: TOKEN } as AdminDeps, access, sessions };
    const app = new Hono<DashboardEnv>();
    app.use(
      "*",
      requireSession(() => deps),
    );
    app.get("/_router/dashboard/", (c) => c.text(c.get("session").sub));
    const url = "http://router.example/_router/dashboard/";
    const ok = await app.request(url, {
      headers: { "cf-access-jwt-assertion": await key.sign(claimsFor(access)) },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("ops@example.com");
    expect(ok.headers.get("set-cookie")).toMatch(/^router_dashboard=.+; HttpOnly; SameSite=Strict/);
    // The session Access started is recorded server-side, under its identity.
    expect([...sessions.records.values()].map((r) => [r.sub, r.via])).toEqual([
      ["ops@example.com", "access"],
    ]);
    const without = await app.request(url);
    expect(without.status).toBe(403);
    expect(await without.text()).toContain("Sign in through Cloudflare Access");
    const forged = await app.request(url, {
      headers: { "cf-access-jwt-assertion": await other.sign(claimsFor(access)) },
    });
    expect(forged.status).toBe(403);
  });
});
