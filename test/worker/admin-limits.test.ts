/**
 * The admin API refuses oversized and hostile documents early, with a
 * clear error, and never buffers more than a routing document may hold.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SIZED_AUTHOR, sizedDocumentText } from "../support/sized-document.ts";
import { makeDoc, predict, variantOf } from "./support.ts";

/** The one definition of the bound, word for word in the worker, the CLI and the admin API. */
const LIMIT_RULE =
  "a routing document may have at most 65536 bytes of JSON text (UTF-8, as stored in KV)";

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

  it("a compact document of exactly 65,536 bytes is accepted, stored byte for byte, routed by", async () => {
    const text = sizedDocumentText(makeDoc("adm-exact") as Record<string, unknown>, 65_536);
    const res = await put("adm-exact", text, { "x-router-author": SIZED_AUTHOR });
    expect(res.status, await res.clone().text()).toBe(200);
    const stored = (await env.ROUTING.get("service:adm-exact")) ?? "";
    expect(new TextEncoder().encode(stored).length).toBe(65_536);
    expect(await variantOf(await predict("adm-exact", { user: "u" }))).toBe("blue");
  });

  it("65,537 bytes is refused, with the message the worker and the CLI give", async () => {
    const text = sizedDocumentText(makeDoc("adm-over") as Record<string, unknown>, 65_537);
    const res = await put("adm-over", text, { "x-router-author": SIZED_AUTHOR });
    expect(res.status).toBe(413);
    expect((await res.json()) as { message: string }).toMatchObject({
      error: "body_too_large",
      message: expect.stringContaining(`is over 65536 bytes; ${LIMIT_RULE}`),
    });
    expect(await env.ROUTING.get("service:adm-over")).toBeNull();
  });

  it("a document that fits as given but not as stored (its defaults filled in) is refused", async () => {
    const doc = JSON.parse(
      sizedDocumentText(makeDoc("adm-defaults") as Record<string, unknown>, 65_537),
    );
    delete doc.origins.pad.timeoutMs; // a default: the stored text has it again
    const text = JSON.stringify(doc);
    expect(text.length).toBeLessThanOrEqual(65_536);
    const res = await put("adm-defaults", text, { "x-router-author": SIZED_AUTHOR });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain(
      `is 65537 bytes as stored (compact JSON, defaults filled in); ${LIMIT_RULE}`,
    );
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

describe("admin API size bound, per write route", () => {
  const send = (method: string, path: string, body: BodyInit, headers = {}) =>
    SELF.fetch(`http://router.test/_router/admin/services/${path}?dryRun=1`, {
      method,
      headers: {
        authorization: "Bearer test-admin-token-at-least-32-bytes",
        "content-type": "application/json",
        ...headers,
      },
      body,
    });
  /** `json` followed by spaces to exactly `bytes` bytes (still the same JSON). */
  const padded = (json: string, bytes: number) => json + " ".repeat(bytes - json.length);
  const stream = (text: string) => {
    const bytes = new TextEncoder().encode(text);
    return new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 16_384)
          controller.enqueue(bytes.slice(at, at + 16_384));
        controller.close();
      },
    });
  };
  const doc = () =>
    JSON.stringify(
      makeDoc("adm-bound", { canary: { origin: "canary", shareBp: 1000, salt: "s" } }),
    );

  it.each([
    ["PUT", "adm-bound", doc, 65_536],
    ["PATCH", "adm-bound", () => '{"description":"x"}', 65_536],
    ["POST", "adm-bound/flip", () => '{"to":"green"}', 65_536],
    ["POST", "adm-bound/canary/kill", () => "{}", 65_536],
    ["POST", "adm-bound/rollback", () => "{}", 65_536],
    ["POST", "adm-bound/edits/canary.set", () => '{"args":{"shareBp":2000}}', 66_560],
  ])(
    "%s %s: over the bound is 413, chunked or declared; at the bound still writes (dry run)",
    async (method, path, json, bound) => {
      await put("adm-bound", doc());
      const compact = await send(method, path, json());
      expect(compact.status).toBe(200);
      const over = padded(json(), bound + 1);
      for (const res of [
        await send(method, path, over, { "content-length": String(over.length) }),
        await send(method, path, stream(over)),
      ]) {
        expect(res.status).toBe(413);
        expect(await res.json()).toMatchObject({ error: "body_too_large" });
      }
      for (const body of [padded(json(), bound), stream(padded(json(), bound))]) {
        expect((await send(method, path, body)).status).toBe(compact.status);
      }
    },
  );
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

describe("admin API nesting bound", () => {
  const admin = (method: string, path: string, body: BodyInit) =>
    SELF.fetch(`http://router.test/_router/admin/services/${path}`, {
      method,
      headers: {
        authorization: "Bearer test-admin-token-at-least-32-bytes",
        "content-type": "application/json",
      },
      body,
    });
  /** `{"a":{"a":...{}}}`, `depth` objects deep. */
  const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`;

  it.each([
    ["PATCH", "adm-deep", (deep: string) => deep],
    ["PATCH under origins", "adm-deep", (deep: string) => `{"origins":${deep}}`],
    ["POST edits/patch", "adm-deep/edits/patch", (deep: string) => `{"args":{"patch":${deep}}}`],
    ["POST edits/apply", "adm-deep/edits/apply", (deep: string) => `{"args":{"document":${deep}}}`],
    ["POST flip", "adm-deep/flip", (deep: string) => `{"to":${deep}}`],
    ["PUT", "adm-deep", (deep: string) => deep],
  ])("%s 10,000 objects deep is refused with 400 body_too_deep", async (what, path, wrap) => {
    await put("adm-deep", JSON.stringify(makeDoc("adm-deep")));
    const method = what.split(" ")[0] as string;
    const res = await admin(method, path, wrap(nested(10_000)));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe("body_too_deep");
    expect(body.message).toContain("64");
  });

  it("a 30,000-deep PUT (arrays: 60 KB, under the size bound) is refused the same way", async () => {
    const res = await put("adm-deep", `${"[".repeat(30_000)}${"]".repeat(30_000)}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "body_too_deep" });
  });

  it("a normal patch, with brackets and quotes inside its strings, still works", async () => {
    await put("adm-deep-ok", JSON.stringify(makeDoc("adm-deep-ok")));
    const description = `${"[{".repeat(200)} \\" ${"}]".repeat(200)}`;
    const res = await admin("PATCH", "adm-deep-ok", JSON.stringify({ description }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, written: true });
  });
});
