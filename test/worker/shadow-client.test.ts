/**
 * Reading answers for comparison: bounded in size and time, never throwing.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  MAX_PREDICTION_BYTES,
  readBranch,
  readText,
  startDeadline,
} from "../../src/adapters/fetch/shadow-client.ts";

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
    const chunk = new Uint8Array(256 * 1024);
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
