/**
 * The router's own surfaces (health, admin API, dashboard) tell browsers to
 * keep to https once they were reached over https (HSTS); plain http
 * answers (local development) carry no such header.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const HSTS = "strict-transport-security";

describe("HSTS on the router's own answers", () => {
  it.each([
    ["/_router/health", {}],
    ["/_router/admin/services", { authorization: "Bearer test-admin-token-at-least-32-bytes" }],
    ["/_router/admin/services", {}],
    ["/_router/dashboard", {}],
    ["/_router/dashboard/sign-in", {}],
  ])("%s over https has it, over http not", async (path, headers) => {
    const secure = await SELF.fetch(`https://router.test${path}`, { headers, redirect: "manual" });
    await secure.arrayBuffer();
    expect(secure.headers.get(HSTS)).toBe("max-age=31536000");
    const plain = await SELF.fetch(`http://router.test${path}`, { headers, redirect: "manual" });
    await plain.arrayBuffer();
    expect(plain.headers.get(HSTS)).toBeNull();
  });
});
