/**
 * Bounded memory whatever the framing: the router reads a request body only
 * up to the limit of whoever asked (JSON-body identity, failover, shadow),
 * forwards the whole body intact either way, and holds at most that limit
 * plus one chunk. Chunked (no Content-Length) and declared lengths.
 */
import { describe, expect, it } from "vitest";
import { RequestBody } from "../../src/app/route/request-body.ts";
import { eventually, readSummary, routed, shadowDoc, spyOnEvents } from "./shadow-support.ts";
import { makeDoc, putDoc } from "./support.ts";

const CHUNK = 4096;

/** A JSON body of about `bytes` bytes, its id first, as a stream of 4 KiB chunks. */
function jsonBody(
  bytes: number,
  userId = "body-user",
): { text: string; chunks: () => ReadableStream<Uint8Array> } {
  const head = `{"user_id":"${userId}","id":"tx-big","pad":"`;
  const text = `${head}${"x".repeat(Math.max(0, bytes - head.length - 2))}"}`;
  const encoded = new TextEncoder().encode(text);
  return {
    text,
    chunks: () => {
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= encoded.length) return controller.close();
          controller.enqueue(encoded.slice(at, at + CHUNK));
          at += CHUNK;
        },
      });
    },
  };
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

interface Echo {
  model_version: string;
  body_length: number;
  body_sha256: string;
  headers: Record<string, string>;
}

async function post(
  service: string,
  path: string,
  body: ReadableStream<Uint8Array> | string,
  headers: Record<string, string> = {},
) {
  const r = await routed(`http://router.test/${service}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await r.response.text();
  await r.settled();
  return { status: r.response.status, variant: r.response.headers.get("x-model-variant"), text };
}

describe("RequestBody reads at most its limit plus one chunk", () => {
  it("a 4 MB chunked body: upTo(64 KiB) pulls about 64 KiB, and forwarding still yields all of it", async () => {
    let pulled = 0;
    const total = 4 * 1024 * 1024;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += CHUNK;
        controller.enqueue(new Uint8Array(CHUNK).fill(7));
      },
    });
    const body = new RequestBody(new Request("http://x/", { method: "POST", body: stream }));
    expect(await body.upTo(65_536)).toBeNull();
    expect(pulled).toBeLessThanOrEqual(65_536 + 3 * CHUNK);
    const forwarded = new Response(body.forForwarding());
    expect((await forwarded.arrayBuffer()).byteLength).toBe(total);
  });

  it("a declared length over the limit is not read at all", async () => {
    const request = new Request("http://x/", {
      method: "POST",
      body: "y".repeat(10_000),
      headers: { "content-length": "10000" },
    });
    const body = new RequestBody(request);
    expect(await body.upTo(1_000)).toBeNull();
    expect(body.bytesRead).toBe(0);
    const forwarded = new Response(body.forForwarding());
    expect(await forwarded.text()).toBe("y".repeat(10_000));
    expect(body.clientFault(false)).toBeNull();
  });

  it("a body within the limit is whole, and replayable", async () => {
    const body = new RequestBody(new Request("http://x/", { method: "POST", body: "hello" }));
    expect(new TextDecoder().decode((await body.upTo(100)) ?? undefined)).toBe("hello");
    expect(body.replayable).toBe(true);
  });
});

describe("identity from a JSON body reads at most maxBytes", () => {
  const doc = () =>
    makeDoc("body-identity", {
      canary: { origin: "canary", shareBp: 10_000, salt: "s" },
      identity: { sources: [{ type: "jsonBody", path: "user_id", maxBytes: 1024 }] },
    });

  it("a small body identifies the user (canary at 100 %)", async () => {
    await putDoc(doc());
    const { text } = jsonBody(500);
    const res = await post("body-identity", "/echo", text);
    expect(res.variant).toBe("canary");
  });

  for (const framing of ["chunked", "declared"] as const) {
    it(`a 300 KB ${framing} body has no identity (live) and reaches the origin intact`, async () => {
      await putDoc(doc());
      const big = jsonBody(300_000);
      const res = await post(
        "body-identity",
        "/echo",
        framing === "chunked" ? big.chunks() : big.text,
        framing === "chunked" ? {} : { "content-length": String(big.text.length) },
      );
      expect(res.status).toBe(200);
      expect(res.variant).toBe("blue");
      const echo = JSON.parse(res.text) as Echo;
      expect(echo.body_length).toBe(big.text.length);
      expect(echo.body_sha256).toBe(await sha256(big.text));
    });
  }
});

describe("failover buffers at most retry.maxBodyBytes", () => {
  const doc = (canary: string) =>
    makeDoc("body-failover", {
      canary: { origin: canary, shareBp: 10_000, salt: "s" },
      retry: { safe: true, maxBodyBytes: 2048 },
    });

  it("a small body to a failing canary fails over to live", async () => {
    await putDoc(doc("failing"));
    const res = await post("body-failover", "/echo", jsonBody(1000).text, { "x-user-id": "u" });
    expect(res).toMatchObject({ status: 200, variant: "blue" });
  });

  it("a larger body streams to the canary without failover, and is counted", async () => {
    await putDoc(doc("failing"));
    const events = spyOnEvents();
    const res = await post("body-failover", "/echo", jsonBody(100_000).chunks(), {
      "x-user-id": "u",
    });
    expect(res).toMatchObject({ status: 500, variant: "failing" });
    expect(events.points("request").at(-1)?.blobs?.[8]).toBe("too-large-for-failover");
  });

  for (const framing of ["chunked", "declared"] as const) {
    it(`a 300 KB ${framing} body over the cap reaches the canary intact`, async () => {
      await putDoc(doc("canary"));
      const big = jsonBody(300_000);
      const res = await post(
        "body-failover",
        "/echo",
        framing === "chunked" ? big.chunks() : big.text,
        framing === "chunked"
          ? { "x-user-id": "u" }
          : { "x-user-id": "u", "content-length": String(big.text.length) },
      );
      expect(res).toMatchObject({ status: 200, variant: "canary" });
      const echo = JSON.parse(res.text) as Echo;
      expect(echo.body_length).toBe(big.text.length);
      expect(echo.body_sha256).toBe(await sha256(big.text));
      if (framing === "declared")
        expect(echo.headers["content-length"]).toBe(String(big.text.length));
    });
  }

  it("a body read in part (identity) is replayed in front of the rest, length kept", async () => {
    await putDoc(
      makeDoc("body-partial", {
        identity: { sources: [{ type: "jsonBody", path: "user_id", maxBytes: 1024 }] },
      }),
    );
    const big = jsonBody(50_000);
    const res = await post("body-partial", "/echo", big.text, {
      "content-length": String(big.text.length),
    });
    const echo = JSON.parse(res.text) as Echo;
    expect(echo.body_sha256).toBe(await sha256(big.text));
    expect(echo.headers["content-length"]).toBe(String(big.text.length));
  });
});

describe("the shadow never buffers past maxBodyBytes", () => {
  it("a 1.5 MB declared body within a 2 MiB maxBodyBytes is mirrored whole (past the 1 MiB answer cap)", async () => {
    const events = spyOnEvents();
    const service = "body-shadow-big";
    await putDoc(shadowDoc(service, { maxBodyBytes: 2 * 1024 * 1024, paths: ["/echo"] }));
    const big = jsonBody(1_500_000);
    const length = new TextEncoder().encode(big.text).byteLength;
    // Declared, so the copy is a tee read in the background.
    const res = await post(service, "/echo", big.text, { "content-length": String(length) });
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text) as Echo).body_sha256).toBe(await sha256(big.text));
    // One pair, with every byte of the copy (it was "the request body copy could not be read").
    const pairs = events.points("shadow-pair");
    expect(pairs).toHaveLength(1);
    expect(pairs[0]?.doubles).toContain(length);
  });

  it("a 300 KB chunked body is not mirrored (skip counted); production gets it whole", async () => {
    const service = "body-shadow";
    await putDoc(shadowDoc(service, { maxBodyBytes: 1024, paths: ["/echo"] }));
    const big = jsonBody(300_000);
    const res = await post(service, "/echo", big.chunks());
    expect(res.status).toBe(200);
    const echo = JSON.parse(res.text) as Echo;
    expect(echo.body_sha256).toBe(await sha256(big.text));
    // The skip reaches the service's control object with the isolate's next check-in.
    const summary = await eventually(async () => {
      const s = await readSummary(service);
      if (!s?.skipped["body-too-large"]) throw new Error("no skip yet");
      return s;
    });
    expect(summary).toMatchObject({ pairs: 0, skipped: { "body-too-large": 1 } });
  });
});
