/**
 * The streaming benchmark's reading of a stream (scripts/bench/stream-events.ts):
 * the bench origin's events parsed back, each timed by the read that
 * completed it, and a stream judged complete and in order, its time to the
 * first chunk, per-chunk delays and bunched chunks computed from the times.
 */
import { describe, expect, it } from "vitest";
import {
  checkStream,
  chunkEvent,
  DONE_EVENT,
  EventReader,
  pairedDifferences,
  type StreamCheck,
  type StreamRecord,
} from "../../scripts/bench/stream-events.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** A stream whose chunk i was sent at 100 + 20 i and arrived `lag(i)` later, one read each. */
function stream(chunks: number, lag: (i: number) => number, fields: Partial<StreamRecord> = {}) {
  const reader = new EventReader();
  for (let i = 0; i < chunks; i++) {
    const sent = 100 + 20 * i;
    reader.feed(bytes(chunkEvent(i, i === chunks - 1, sent)), sent + lag(i));
  }
  reader.feed(bytes(DONE_EVENT), 100 + 20 * chunks);
  return {
    status: 200,
    contentType: "text/event-stream; charset=utf-8",
    startMs: 99,
    headersMs: 99.5,
    endMs: 100 + 20 * chunks,
    events: reader.events,
    reads: reader.reads,
    leftover: reader.leftover,
    error: null,
    ...fields,
  } satisfies StreamRecord;
}

describe("the bench origin's events", () => {
  it("are OpenAI chat.completion.chunk events carrying their sequence number and send time", () => {
    const event = chunkEvent(3, true, 1234.5);
    expect(event).toMatch(/^data: \{.*\}\n\n$/);
    const chunk = JSON.parse(event.slice("data: ".length));
    expect(chunk).toMatchObject({
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta: { content: "tok3 " }, finish_reason: "stop" }],
      bench: { seq: 3, sentMs: 1234.5 },
    });
  });
});

describe("reading a stream", () => {
  it("times each event by the read that completed it, across and within reads", () => {
    const reader = new EventReader();
    const [a, b, c] = [chunkEvent(0, false, 1), chunkEvent(1, false, 2), chunkEvent(2, true, 3)];
    reader.feed(bytes(a.slice(0, 10)), 10);
    reader.feed(bytes(a.slice(10) + b), 11);
    reader.feed(bytes(c.replaceAll("\n", "\r\n") + DONE_EVENT), 12);
    expect(reader.events.map(({ seq, atMs, read }) => [seq, atMs, read])).toEqual([
      [0, 11, 1],
      [1, 11, 1],
      [2, 12, 2],
      ["done", 12, 2],
    ]);
    expect(reader.reads).toBe(3);
    expect(reader.leftover).toBe("");
  });

  it("keeps a character split between reads whole, and marks an event it does not understand", () => {
    const reader = new EventReader();
    const event = bytes('data: {"text":"é"}\n\n');
    reader.feed(event.slice(0, 16), 1);
    reader.feed(event.slice(16), 2);
    expect(reader.events).toEqual([{ seq: "bad", sentMs: Number.NaN, atMs: 2, read: 1 }]);
  });
});

describe("checking a stream", () => {
  it("a complete stream: time to first chunk from the start, delays of the chunks after it", () => {
    const check = checkStream(
      stream(4, (i) => 0.5 + i / 10),
      4,
      20,
    );
    expect(check.problem).toBeNull();
    expect(check.headersMs).toBeCloseTo(0.5);
    expect(check.ttfcMs).toBeCloseTo(1.5);
    expect(check.delaysMs.map((d) => Number(d.toFixed(3)))).toEqual([0.6, 0.7, 0.8]);
    expect(check.totalMs).toBe(81);
    expect(check.bunched).toBe(0);
    expect(check.reads).toBe(5);
  });

  it("counts chunks held on the way and released together, not an origin that sent late", () => {
    // Chunk 2 held until chunk 3 arrived: it arrives 20 ms late, right before chunk 3.
    const held = checkStream(
      stream(5, (i) => (i === 2 ? 20 : 0.3)),
      5,
      20,
    );
    expect(held.bunched).toBe(1);
    // The origin itself sent chunk 2 late (its send time says so): nothing bunched on the way.
    const reader = new EventReader();
    for (const [seq, sent] of [
      [0, 100],
      [1, 120],
      [2, 159],
      [3, 160],
    ] as const) {
      reader.feed(bytes(chunkEvent(seq, seq === 3, sent)), sent + 0.3);
    }
    reader.feed(bytes(DONE_EVENT), 161);
    const late = checkStream(
      { ...stream(0, () => 0), events: reader.events, reads: reader.reads },
      4,
      20,
    );
    expect(late.problem).toBeNull();
    expect(late.bunched).toBe(0);
  });

  it.each([
    ["a failed request", { error: "TypeError: fetch failed" }, /^failed: TypeError/],
    ["an error status", { status: 502 }, /^HTTP 502$/],
    ["another content type", { contentType: "application/json" }, /content-type/],
    ["a body cut mid-event", { leftover: "data: {" }, /ends mid-event/],
  ])("refuses %s", (_, fields, problem) => {
    expect(
      checkStream(
        stream(3, () => 1, fields),
        3,
        20,
      ).problem,
    ).toMatch(problem);
  });

  it("refuses chunks out of order, missing, or not followed by [DONE]", () => {
    const s = stream(3, () => 1);
    const [c0, c1, c2, done] = s.events as [never, never, never, never];
    expect(checkStream({ ...s, events: [c0, c2, c1, done] }, 3, 20).problem).toBe(
      "event 1 is 2, expected chunk 1",
    );
    expect(checkStream({ ...s, events: [c0, c1, done] }, 3, 20).problem).toBe(
      "event 2 is done, expected chunk 2",
    );
    expect(checkStream({ ...s, events: [c0, c1, c2] }, 3, 20).problem).toBe(
      "no [DONE] after chunk 2",
    );
  });
});

describe("paired differences", () => {
  it("subtract the baseline's stream of the same round and position, skipping failed ones", () => {
    const check = (ttfcMs: number, problem: string | null = null) =>
      ({ ttfcMs, problem }) as StreamCheck;
    const path = [[check(5), check(6)], [check(7, "HTTP 502")], [check(9)]];
    const base = [[check(2), check(2)], [check(1)], [check(4, "HTTP 502")]];
    expect(pairedDifferences(path, base, (c) => c.ttfcMs)).toEqual([3, 4]);
  });
});
