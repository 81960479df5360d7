/**
 * Streamed answers in the pure core: server-sent events assembled into an
 * answer (OpenAI chat and completions deltas, a configured path, cut
 * streams), token usage, the comparison of streamed pairs by the shadow's
 * comparator, and the summary's similarity bins and per-arm answer sums.
 */
import { describe, expect, it } from "vitest";
import { assembleAnswer, eventData, isEventStream } from "../../src/core/answers/sse.ts";
import {
  emptyStreamSums,
  mergeStreamSums,
  observeAnswer,
  streamFromWire,
  viewStream,
} from "../../src/core/answers/stream-sums.ts";
import { usageTokensOf } from "../../src/core/answers/usage.ts";
import { type ArmAnswer, comparePair, readPrediction } from "../../src/core/shadow/compare.ts";
import {
  addPair,
  emptySummary,
  mergeSummaries,
  similarityBin,
  viewSummary,
} from "../../src/core/shadow/summary.ts";

const chat = (content: string) =>
  `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] })}\n\n`;
const words = (text: string) => text.split(/(?= )/).map(chat).join("");
const usage = (total: number) =>
  `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: total - 3, total_tokens: total } })}\n\n`;
const DONE = "data: [DONE]\n\n";

describe("server-sent events", () => {
  it("recognises the content type, parameters and case aside", () => {
    expect(isEventStream("text/event-stream; charset=utf-8")).toBe(true);
    expect(isEventStream("Text/Event-Stream")).toBe(true);
    expect(isEventStream("application/json")).toBe(false);
    expect(isEventStream(null)).toBe(false);
  });

  it("reads events as the HTML standard does: CRLF/CR/LF, joined data lines, comments", () => {
    const text = ": keep-alive\r\ndata: a\r\ndata:b\r\n\r\nevent: x\rdata:  c\r\rid: 1\n\n";
    expect(eventData(text, false)).toEqual(["a\nb", " c"]);
  });

  it("drops a cut text's unterminated last event, keeps an uncut one's", () => {
    expect(eventData('data: 1\n\ndata: {"par', true)).toEqual(["1"]);
    expect(eventData("data: 1\n\ndata: 2", false)).toEqual(["1", "2"]);
    expect(eventData("data: 1\n\ndata: 2\n", true)).toEqual(["1"]);
  });

  it("assembles OpenAI chat deltas, the usage chunk and [DONE]", () => {
    const a = assembleAnswer(words("The answer is forty-two.") + usage(12) + DONE, { cut: false });
    expect(a).toEqual({
      text: "The answer is forty-two.",
      events: 5,
      invalid: 0,
      done: true,
      usageTokens: 12,
      error: null,
    });
  });

  it("assembles completions deltas and a configured path", () => {
    const completions = ["Hel", "lo"]
      .map((t) => `data: {"choices":[{"text":"${t}"}]}\n\n`)
      .join("");
    expect(assembleAnswer(completions, { cut: false }).text).toBe("Hello");
    const custom = ["a", "b"].map((t) => `data: {"out":{"token":"${t}"}}\n\n`).join("");
    expect(assembleAnswer(custom, { cut: false, textPath: "out.token" }).text).toBe("ab");
  });

  it("counts events that are not JSON and reports an error event", () => {
    const a = assembleAnswer(
      `${chat("x")}data: oops\n\ndata: {"error":{"message":"overloaded"}}\n\n`,
      {
        cut: false,
      },
    );
    expect(a).toMatchObject({ text: "x", invalid: 1, error: "overloaded" });
  });

  it("never throws on hostile text", () => {
    for (const text of [
      "",
      "\n\n\n",
      "data:",
      "data: null\n\n",
      'data: {"choices":"x"}\n\n',
      "data: [1,2]\n\n",
    ]) {
      expect(() => assembleAnswer(text, { cut: true })).not.toThrow();
    }
  });
});

describe("token usage", () => {
  it("reads total_tokens, else the parts, else input/output tokens", () => {
    expect(usageTokensOf({ usage: { total_tokens: 9, prompt_tokens: 1 } })).toBe(9);
    expect(usageTokensOf({ usage: { prompt_tokens: 4, completion_tokens: 6 } })).toBe(10);
    expect(usageTokensOf({ usage: { input_tokens: 2, output_tokens: 3 } })).toBe(5);
  });
  it("ignores what is not a count", () => {
    for (const json of [
      null,
      {},
      { usage: null },
      { usage: { total_tokens: -1 } },
      { usage: { total_tokens: 1.5 } },
      { usage: "9" },
    ]) {
      expect(usageTokensOf(json)).toBeNull();
    }
  });
});

const streamed = (text: string, extra: Partial<ArmAnswer> = {}): ArmAnswer => ({
  status: 200,
  durationMs: 500,
  error: null,
  text,
  bytes: text.length,
  eventStream: true,
  cut: null,
  firstByteMs: 80,
  ...extra,
});
const fields = { scoreField: "score", labelField: "label" };

describe("a streamed pair", () => {
  it("is read as its assembled text, never as invalid JSON", () => {
    const r = readPrediction(streamed(words("The answer is 42.") + usage(9) + DONE), fields);
    expect(r).toMatchObject({
      error: null,
      label: "The answer is 42.",
      streamed: true,
      events: 5,
      usageTokens: 9,
      firstByteMs: 80,
    });
  });

  it("a cut stream keeps its text, is marked cut, and is not counted for agreement", () => {
    const text = words("The answer is forty-two.");
    const cut = readPrediction(streamed(`${text}data: {"cho`, { cut: "bytes" }), fields);
    expect(cut).toMatchObject({ error: null, cut: "bytes", label: "The answer is forty-two." });
    const whole = readPrediction(streamed(text + DONE), fields);
    const pair = comparePair(whole, cut, { kind: "tokens", threshold: 0.5 });
    expect(pair).toMatchObject({ agreement: "n/a", similarity: null });
  });

  it("is compared by the shadow's comparator", () => {
    const a = readPrediction(streamed(words("The answer is forty-two.") + DONE), fields);
    const b = readPrediction(streamed(words("the answer is Forty-Two!") + DONE), fields);
    const c = readPrediction(streamed(words("The answer is 42.") + DONE), fields);
    expect(comparePair(a, b).agreement).toBe("disagree");
    expect(comparePair(a, b, { kind: "text" }).agreement).toBe("agree");
    const tokens = comparePair(a, c, { kind: "tokens", threshold: 0.5 });
    // {the, answer, is, forty, two} against {the, answer, is, 42}: 3 of 6.
    expect(tokens).toMatchObject({ agreement: "agree", similarity: 0.5 });
  });

  it("an arm with no events is missing its answer; an error event is a stream error", () => {
    expect(readPrediction(streamed(DONE), fields).error).toBe("missing-fields");
    expect(readPrediction(streamed('data: {"error":{"message":"x"}}\n\n'), fields).error).toBe(
      "stream-error",
    );
  });

  it("json labels compare by structure, any value", () => {
    const json = (body: unknown): ArmAnswer => ({
      status: 200,
      durationMs: 5,
      error: null,
      text: JSON.stringify(body),
    });
    const f = { ...fields, compare: { kind: "json" } as const };
    const a = readPrediction(json({ label: { b: [1, 2], a: "x" } }), f);
    const b = readPrediction(json({ label: { a: "x", b: [1, 2] } }), f);
    const c = readPrediction(json({ label: { a: "x", b: [2, 1] } }), f);
    expect(comparePair(a, b, f.compare).agreement).toBe("agree");
    expect(comparePair(a, c, f.compare).agreement).toBe("disagree");
  });
});

describe("answer sums", () => {
  it("count streamed answers, time to first byte, throughput and usage; merge exactly", () => {
    const a = emptyStreamSums();
    observeAnswer(a, {
      streamed: true,
      firstByteMs: 100,
      streamMs: 1_000,
      bytes: 2_000,
      events: 50,
      usageTokens: 60,
      broken: false,
    });
    observeAnswer(a, {
      streamed: true,
      firstByteMs: 300,
      streamMs: 1_000,
      bytes: 1_000,
      events: 10,
      usageTokens: null,
      broken: true,
    });
    const b = emptyStreamSums();
    observeAnswer(b, {
      streamed: false,
      firstByteMs: 20,
      streamMs: 0,
      bytes: 100,
      events: 0,
      usageTokens: 40,
      broken: false,
    });
    const m = mergeStreamSums(a, b);
    if (!m) throw new Error("merged nothing");
    const v = viewStream(m);
    expect(v).toMatchObject({
      answers: 2,
      broken: 1,
      eventsPerSecond: 30,
      bytesPerSecond: 1_500,
      tokensPerAnswer: 50,
      usageAnswers: 2,
    });
    expect(v.firstByteP50Ms).toBeGreaterThanOrEqual(100);
    expect(v.firstByteP50Ms).toBeLessThan(105);
    expect(streamFromWire(JSON.parse(JSON.stringify(m)))).toEqual(m);
  });

  it("refuse malformed sums from the wire", () => {
    const good = JSON.parse(JSON.stringify(emptyStreamSums()));
    expect(streamFromWire(good)).not.toBeNull();
    for (const bad of [
      null,
      3,
      { ...good, answers: -1 },
      { ...good, broken: 1 },
      { ...good, streamMs: "1" },
      { ...good, firstByteMs: null },
      { ...good, usageTokens: 5 },
    ]) {
      expect(streamFromWire(bad)).toBeNull();
    }
  });
});

describe("the shadow summary of streamed pairs", () => {
  const pairOf = (p: string, s: string, extra: Partial<ArmAnswer> = {}) => ({
    at: 1_000,
    service: "chat",
    production: "v1",
    role: "live",
    shadow: "v3",
    bucket: 7,
    sampleBucket: 7,
    version: 3,
    inputId: null,
    bodyBytes: 10,
    comparison: comparePair(
      readPrediction(streamed(words(p) + usage(20) + DONE), fields),
      readPrediction(streamed(words(s) + DONE, extra), fields),
      { kind: "tokens", threshold: 0.6 },
    ),
  });

  it("bins similarity, counts cut arms, and sums each arm's answers", () => {
    const s = emptySummary("chat", "v3");
    addPair(s, pairOf("a b c d", "a b c d"));
    addPair(s, pairOf("a b c d", "a b x y"));
    addPair(s, pairOf("a b c d", "a b", { cut: "time" }));
    const v = viewSummary(mergeSummaries(emptySummary("chat", "v3"), s));
    expect(v.similarity).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    expect(v.compared).toBe(2);
    expect(v.cut).toEqual({ "shadow:time": 1 });
    expect(v.answers?.production).toMatchObject({ answers: 3, tokensPerAnswer: 20 });
    expect(v.answers?.shadow).toMatchObject({ answers: 3, usageAnswers: 0 });
    expect(v.answers?.shadow.firstByteP50Ms).toBeGreaterThan(75);
  });

  it("puts a similarity in its bin: [i/10, (i+1)/10), and 1 alone", () => {
    expect([0, 0.05, 0.1, 0.333, 0.999, 1].map(similarityBin)).toEqual([0, 0, 1, 3, 9, 10]);
  });
});

describe("the shadow gates on answers without a score", () => {
  it("pass |Δscore| once enough pairs are compared, and judge by agreement alone", async () => {
    const { shadowGates } = await import("../../src/core/rollout/shadow-gates.ts");
    const rules = {
      minRequests: 10,
      errorRate: { minDelta: 0.005 },
      latencyP95Ratio: { max: 1.1, minDeltaMs: 25 },
      shadow: { minAgreement: 0.5, maxMeanAbsDelta: 0.05, minPairs: 100 },
    };
    const ctx = {
      shareBp: 500,
      stepIndex: 0,
      alphas: { "shadow-agreement": 0.001, "shadow-delta": 0.001 },
      baseline: null,
      latencyReference: null,
    };
    const arm = { requests: 0, errors: 0, p95Ms: null };
    const metrics = (pairs: number) => ({
      live: arm,
      canary: arm,
      split: null,
      revision: "1@1",
      shadow: { pairs, agreementRate: 0.9, agreed: Math.round(pairs * 0.9), meanAbsDelta: 0 },
    });
    const few = shadowGates(rules, metrics(40), ctx);
    expect(few.find((g) => g.gate === "shadow-delta")?.outcome).toBe("inconclusive");
    const enough = shadowGates(rules, metrics(400), ctx);
    expect(enough.find((g) => g.gate === "shadow-delta")).toMatchObject({
      outcome: "pass",
      detail:
        "no scored pairs among 400 compared: answers without a score are judged by agreement alone",
    });
    expect(enough.find((g) => g.gate === "shadow-agreement")?.outcome).toBe("pass");
  });
});
