/**
 * The request path's count of a passing stream of events (EventTally),
 * against the full parser (eventData, assembleAnswer) on the same text, for
 * every way of cutting it into chunks: the count and the usage in the tail
 * must not depend on where the network split the bytes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventTally, TAIL_BYTES } from "../../src/core/answers/event-tally.ts";
import { assembleAnswer, eventData } from "../../src/core/answers/sse.ts";

const enc = new TextEncoder();
const chunkAt = (bytes: Uint8Array, cuts: number[]) => {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  return out;
};

const eventArb = fc.oneof(
  fc
    .string({ maxLength: 30 })
    .map((t) => `data: ${JSON.stringify({ choices: [{ delta: { content: t } }] })}`),
  fc.constant(": keep-alive"),
  fc.constant("event: ping\ndata: {}"),
  fc.constant("data: a\ndata: b"),
  fc.constant("id: 7"),
);
const lineEnd = fc.constantFrom("\n", "\r\n", "\r");

describe("EventTally", () => {
  it("counts data events as the parser does, however the bytes are chunked", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(eventArb, lineEnd), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (events, cuts) => {
          const text = events.map(([e, nl]) => e.replaceAll("\n", nl) + nl + nl).join("");
          const tally = new EventTally();
          for (const chunk of chunkAt(enc.encode(text), cuts)) tally.feed(chunk);
          expect(tally.finish().events).toBe(eventData(text, false).length);
        },
      ),
      { seed: 24, numRuns: 300 },
    );
  });

  it("does not count [DONE], and reads the usage from the tail of a long stream", () => {
    const words = Array.from(
      { length: 500 },
      (_, i) => `data: {"choices":[{"delta":{"content":" w${i}"}}]}\n\n`,
    );
    const usage =
      'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":500,"total_tokens":509}}\n\n';
    const text = `${words.join("")}${usage}data: [DONE]\n\n`;
    expect(text.length).toBeGreaterThan(4 * TAIL_BYTES);
    const tally = new EventTally();
    for (const chunk of chunkAt(enc.encode(text), [100, 5_000, 17_003, text.length - 40]))
      tally.feed(chunk);
    expect(tally.finish()).toEqual({ events: 501, usageTokens: 509 });
    expect(assembleAnswer(text, { cut: false }).events).toBe(501);
  });
});
