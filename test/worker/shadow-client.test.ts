/**
 * Reading answers for comparison: bounded in size and time, never throwing.
 */
import { describe, expect, it } from "vitest";
import { MAX_PREDICTION_BYTES, readText } from "../../src/adapters/fetch/shadow-client.ts";

const never = new AbortController().signal;
const stream = (chunks: Uint8Array[], hang = false) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      if (!hang) c.close();
    },
  });

describe("readText", () => {
  it("reads a body with or without a declared length", async () => {
    const declared = new Response('{"score":1}', { headers: { "content-length": "11" } });
    expect(await readText(declared, never)).toEqual({ text: '{"score":1}', error: null });
    const chunked = new Response(
      stream([new TextEncoder().encode('{"a":'), new TextEncoder().encode("2}")]),
    );
    expect(await readText(chunked, never)).toEqual({ text: '{"a":2}', error: null });
  });

  it("refuses a declared length over the cap without reading", async () => {
    const big = new Response("x", {
      headers: { "content-length": String(MAX_PREDICTION_BYTES + 1) },
    });
    expect(await readText(big, never)).toEqual({ text: null, error: "too-large" });
  });

  it("stops reading an undeclared body at the cap", async () => {
    const chunk = new Uint8Array(256 * 1024);
    const big = new Response(stream([chunk, chunk, chunk, chunk, chunk]));
    expect(await readText(big, never)).toEqual({ text: null, error: "too-large" });
  });

  it("gives up on a body that stalls when the signal aborts", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const stalled = new Response(stream([new TextEncoder().encode("{")], true));
    expect(await readText(stalled, controller.signal)).toEqual({ text: null, error: "timeout" });
  });
});
