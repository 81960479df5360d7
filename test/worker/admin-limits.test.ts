/**
 * The admin API refuses oversized and hostile documents early, with a
 * clear error, and never buffers more than a routing document may hold.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { makeDoc } from "./support.ts";

const put = (service: string, body: BodyInit, headers: Record<string, string> = {}) =>
  SELF.fetch(`http://router.test/_router/admin/services/${service}`, {
    method: "PUT",
    headers: {
      authorization: "Bearer test-admin-token-at-least-32-bytes",
      "content-type": "application/json",
      ...headers,
    },
    body,
  });

describe("admin API size bounds", () => {
  it("a 1.8 MB document is refused with 413 before it is parsed, chunked or declared", async () => {
    const doc = makeDoc("adm-huge") as Record<string, unknown>;
    doc.description = "x".repeat(1_800_000);
    const text = JSON.stringify(doc);
    const declared = await put("adm-huge", text, { "content-length": String(text.length) });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: "body_too_large" });
    const bytes = new TextEncoder().encode(text);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 65_536)
          controller.enqueue(bytes.slice(at, at + 65_536));
        controller.close();
      },
    });
    expect((await put("adm-huge", chunked)).status).toBe(413);
  });

  it("a document that fits compact but not as stored (pretty-printed) is refused", async () => {
    const doc = makeDoc("adm-pretty") as Record<string, unknown>;
    doc.origins = Object.fromEntries(
      Array.from({ length: 64 }, (_, i) => [
        `o-${i}`,
        { url: `http://127.0.0.1:1/${"p".repeat(950)}` },
      ]),
    );
    doc.live = "o-0";
    const text = JSON.stringify(doc);
    expect(text.length).toBeLessThan(65_536);
    // Defaults (timeoutMs per origin) and indentation add about 4 KB.
    const res = await put("adm-pretty", text);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("at most 65536");
  });

  it("__proto__ in a PUT body is refused with its path", async () => {
    const text = JSON.stringify(makeDoc("adm-proto")).replace(
      '"origins":{',
      '"origins":{"__proto__":{"url":"http://127.0.0.1:1/x"},',
    );
    const res = await put("adm-proto", text);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("origins.__proto__");
  });
});

describe("admin API merge patches", () => {
  it("a __proto__ key in a PATCH is refused with its path, not merged into a prototype", async () => {
    await put("adm-patch-proto", JSON.stringify(makeDoc("adm-patch-proto")));
    const res = await SELF.fetch("http://router.test/_router/admin/services/adm-patch-proto", {
      method: "PATCH",
      headers: {
        authorization: "Bearer test-admin-token-at-least-32-bytes",
        "content-type": "application/json",
      },
      body: '{"__proto__":{"live":"green"},"description":"x"}',
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('"path":"__proto__"');
  });
});
