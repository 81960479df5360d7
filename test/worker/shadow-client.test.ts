/**
 * Reading answers for comparison: bounded in size and time, never throwing.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  MAX_PREDICTION_BYTES,
  readAnswer,
  readBranch,
  startDeadline,
} from "../../src/adapters/fetch/shadow-client.ts";
import type { Deadline } from "../../src/ports/shadow-client.ts";

/** The text and error of an answer read whole (what a JSON answer is). */
const readText = async (response: Response, deadline: Deadline) => {
  const read = await readAnswer(response, deadline);
  return { text: read.text, error: read.error };
};
const SSE = { "content-type": "text/event-stream; charset=utf-8" };
const encode = (t: string) => new TextEncoder().encode(t);

/** A deadline no test reaches (its timer is cleared after each test). */
const never = startDeadline(60_000);
afterAll(() => never.stop());
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
    const chunk = new Uint8Array(64 * 1024);
    const big = new Response(stream([chunk, chunk, chunk, chunk, chunk]));
    expect(await readText(big, never)).toEqual({ text: null, error: "too-large" });
  });

  it("gives up on a body that stalls at the deadline, declared or not", async () => {
    const chunked = new Response(stream([new TextEncoder().encode("{")], true));
    expect(await readText(chunked, startDeadline(50))).toEqual({ text: null, error: "timeout" });
    const declared = new Response(stream([new TextEncoder().encode("{")], true), {
      headers: { "content-length": "10" },
    });
    expect(await readText(declared, startDeadline(50))).toEqual({ text: null, error: "timeout" });
  });

  it("the deadline aborts its signal and settles once, and stop() keeps it from firing", async () => {
    const fired = startDeadline(20);
    expect(await fired.expired).toBe("expired");
    expect(fired.signal.aborted).toBe(true);
    const stopped = startDeadline(20);
    stopped.stop();
    const late = await Promise.race([stopped.expired, scheduler.wait(60).then(() => "still")]);
    expect(late).toBe("still");
    expect(stopped.signal.aborted).toBe(false);
  });
});

describe("readAnswer on a stream of server-sent events", () => {
  const event = (word: string) => `data: {"choices":[{"delta":{"content":"${word}"}}]}\n\n`;

  it("reads it chunk by chunk, noting when the first byte came", async () => {
    const before = performance.now();
    const res = new Response(stream([encode(event("a")), encode(event(" b"))]), { headers: SSE });
    const read = await readAnswer(res, never);
    expect(read).toMatchObject({ eventStream: true, cut: null, error: null });
    expect(read.text).toBe(event("a") + event(" b"));
    expect(read.firstByteAt).toBeGreaterThanOrEqual(before);
  });

  it("keeps what arrived, marked cut, past the byte bound or at the deadline", async () => {
    const many = Array.from({ length: 200 }, (_, i) => encode(event(`w${i}`)));
    const bytes = await readAnswer(new Response(stream(many), { headers: SSE }), never, {
      maxBytes: 2_048,
    });
    expect(bytes).toMatchObject({ cut: "bytes", error: null });
    expect(bytes.text?.length).toBe(2_048);
    const stalled = new Response(stream([encode(event("a"))], true), { headers: SSE });
    const time = await readAnswer(stalled, startDeadline(50));
    expect(time).toMatchObject({ cut: "time", error: null, text: event("a") });
  });

  it("a JSON answer past the bound is still too large (half a document is not an answer)", async () => {
    const big = new Response(stream([new Uint8Array(4_096)]), {
      headers: { "content-type": "application/json" },
    });
    expect(await readAnswer(big, never, { maxBytes: 1_024 })).toMatchObject({
      text: null,
      error: "too-large",
      cut: null,
    });
  });
});

describe("readBranch (the teed copy of a request body)", () => {
  it("reads a branch whole, past the prediction cap (the copy's limit is shadow.maxBodyBytes)", async () => {
    const big = new Uint8Array(MAX_PREDICTION_BYTES + 4096);
    for (let i = 0; i < 251; i++) big[i] = i;
    for (let at = 251; at < big.length; at *= 2) big.copyWithin(at, 0, at);
    const [a, b] = new Response(big).body?.tee() ?? [];
    if (!a || !b) throw new Error("no body");
    void a.cancel();
    const read = await readBranch(b, never);
    expect(read.error).toBeNull();
    expect(read.bytes).toEqual(big);
  });

  it("gives up on a branch that stalls at the deadline", async () => {
    const stalled = stream([new TextEncoder().encode("{")], true);
    expect(await readBranch(stalled, startDeadline(50))).toEqual({ bytes: null, error: "timeout" });
  });
});
