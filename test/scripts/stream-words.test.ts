/**
 * `router rollout status` on an LLM service: each arm's streamed answers in
 * one line (first token, tokens per second, usage, how many broke off).
 */
import { describe, expect, it } from "vitest";
import { streamWords } from "../../scripts/cli/commands/rollout-render.ts";
import { emptyStreamSums, observeAnswer, viewStream } from "../../src/core/answers/stream-sums.ts";

describe("streamWords", () => {
  it("says an arm's first token, throughput, usage and breaks", () => {
    const s = emptyStreamSums();
    for (const [firstByteMs, broken] of [
      [80, false],
      [120, false],
      [95, true],
    ] as const) {
      observeAnswer(s, {
        streamed: true,
        firstByteMs,
        streamMs: 500,
        bytes: 3_000,
        events: 20,
        usageTokens: broken ? null : 40,
        broken,
      });
    }
    expect(streamWords("chat-v2", viewStream(s))).toMatch(
      /^chat-v2: 3 answers, first token p50 9\d ms p95 12\d ms, 40\.0 tokens\/s, 40 tokens\/answer, 1 broke off$/,
    );
  });

  it("leaves out usage when no answer reported one", () => {
    const s = emptyStreamSums();
    observeAnswer(s, {
      streamed: true,
      firstByteMs: 10,
      streamMs: 0,
      bytes: 0,
      events: 0,
      usageTokens: null,
      broken: true,
    });
    expect(streamWords("x", viewStream(s))).toBe(
      "x: 1 answers, first token p50 10 ms p95 10 ms, - tokens/s, 1 broke off",
    );
  });
});
