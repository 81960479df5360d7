/**
 * A write whose document names the router itself as an origin is refused:
 * the admin request's own host and every HOST_SERVICES host are the
 * router's (scoring.test in the test config). Another port of the same
 * host is another server, and is accepted.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { makeDoc } from "./support.ts";

function put(service: string, url: string) {
  const doc = makeDoc(service);
  return SELF.fetch(`http://router.test/_router/admin/services/${service}`, {
    method: "PUT",
    headers: {
      authorization: "Bearer test-admin-token-at-least-32-bytes",
      "content-type": "application/json",
    },
    body: JSON.stringify({ ...doc, origins: { ...doc.origins, green: { url } } }),
  });
}

describe("an origin on the router's own host", () => {
  it.each([
    ["the admin request's host", "http://router.test/self"],
    ["the same host in capitals", "http://ROUTER.test/self"],
    ["a HOST_SERVICES host", "https://scoring.test/v1"],
  ])("is refused: %s", async (_, url) => {
    const res = await put("self-origin", url);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: "invalid_change",
      errors: [{ path: "origins.green.url", message: expect.stringMatching(/router's own host/) }],
    });
  });

  it("another port of the same host is another server", async () => {
    const res = await put("other-port", "http://router.test:9100/green");
    expect(res.status).toBe(200);
  });
});
