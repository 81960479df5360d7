/**
 * Issue 24: LLM endpoints through the router, driven by the official OpenAI
 * SDK (its `fetch` is the real worker, SELF) against real OpenAI-compatible
 * local origins that stream server-sent events
 * (test/support/stack/llm-model.ts). Streamed answers pass chunk by chunk;
 * an arm that dies or stays silent before its first byte fails over; one
 * that breaks off mid-answer ends the client's stream with an error event
 * and counts as the arm's error; the shadow assembles both arms' streams and
 * compares them by its comparator; each arm's time to first byte, tokens
 * per second and token usage reach the control object.
 */
import { SELF } from "cloudflare:test";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { viewStream } from "../../src/core/answers/stream-sums.ts";
import { LATENCY_MS, quantile } from "../../src/core/histogram.ts";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";
import { eventually, readSummary } from "./shadow-support.ts";
import { controlMetrics, makeDoc, originUrl, putDoc } from "./support.ts";

const LLMS = [
  "llm-live",
  "llm-canary",
  "llm-twin",
  "llm-verbose",
  "llm-slow-start",
  "llm-break",
  "llm-dead",
  "llm-hang",
];

function chatDoc(service: string, over: Partial<RoutingDocumentInput> = {}): RoutingDocumentInput {
  const doc = makeDoc(service, {
    live: "llm-live",
    identity: { sources: [{ type: "jsonBody", path: "user" }] },
    retry: { safe: true },
    ...over,
  });
  doc.origins = Object.fromEntries(
    LLMS.map((m) => [m, { url: originUrl(m), timeoutMs: m === "llm-hang" ? 400 : 5_000 }]),
  );
  return doc;
}

const client = (service: string) =>
  new OpenAI({
    apiKey: "test-key",
    baseURL: `http://router.test/${service}/v1`,
    fetch: (url, init) => SELF.fetch(String(url), init as RequestInit),
    maxRetries: 0,
  });

const QUESTION = "What is the total of the invoices for March?";

/** A streamed chat completion through the SDK: the text and when each delta came. */
async function streamChat(service: string, user: string, question = QUESTION) {
  const started = performance.now();
  const stream = await client(service).chat.completions.create({
    model: "any",
    user,
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: question }],
  });
  const deltas: { text: string; at: number }[] = [];
  let usage: number | null = null;
  for await (const chunk of stream) {
    const text = chunk.choices[0]?.delta?.content;
    if (text) deltas.push({ text, at: performance.now() - started });
    if (chunk.usage) usage = chunk.usage.total_tokens;
  }
  return { text: deltas.map((d) => d.text).join(""), deltas, usage };
}

/** The same question straight to an origin, not streamed: the answer it gives. */
async function directAnswer(model: string, question = QUESTION): Promise<string> {
  const res = await fetch(`${originUrl(model)}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "any", messages: [{ role: "user", content: question }] }),
  });
  const json = (await res.json()) as { choices: { message: { content: string } }[] };
  return json.choices[0]?.message.content ?? "";
}

describe("streamed answers through the router", () => {
  it("reach the SDK chunk by chunk, the text exactly the origin's", async () => {
    await putDoc(chatDoc("llm-pass"));
    const { text, deltas, usage } = await streamChat("llm-pass", "u1");
    expect(text).toBe(await directAnswer("llm-live"));
    expect(usage).toBeGreaterThan(0);
    // One delta per word, as the origin sent them: not gathered into one
    // read. The origin waits 5 ms between chunks, so an answer buffered by
    // the router would arrive all at once.
    expect(deltas.length).toBe(text.split(" ").length);
    const spread = (deltas.at(-1)?.at ?? 0) - (deltas[0]?.at ?? 0);
    expect(spread).toBeGreaterThan((deltas.length - 1) * 5 * 0.6);
  });

  for (const [canary, why] of [
    ["llm-dead", "dies before its first byte"],
    ["llm-hang", "sends headers and then nothing"],
  ] as const) {
    it(`a canary that ${why} fails over to live, and the user gets live's whole answer`, async () => {
      const doc = chatDoc(`llm-fo-${canary}`, {
        canary: { origin: canary, shareBp: 10_000, salt: "s" },
      });
      await putDoc(doc);
      const res = await SELF.fetch(`http://router.test/${doc.service}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          user: "u1",
          stream: true,
          messages: [{ role: "user", content: QUESTION }],
        }),
      });
      expect(res.headers.get("x-model-variant")).toBe("llm-live");
      await res.body?.cancel();
      const { text } = await streamChat(doc.service, "u2");
      expect(text).toBe(await directAnswer("llm-live"));
      const m = await eventually(async () => {
        const metrics = await controlMetrics(doc);
        expect(metrics.arms[canary]?.requests).toBe(2);
        return metrics;
      });
      expect(m.arms[canary]).toMatchObject({ errors: 2, failovers: 2 });
    });
  }

  it("an answer that breaks off mid-stream ends with an error event the SDK raises, and counts as the arm's error", async () => {
    const doc = chatDoc("llm-break", {
      canary: { origin: "llm-break", shareBp: 10_000, salt: "s" },
    });
    await putDoc(doc);
    const failure = await streamChat(doc.service, "u1").then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(String((failure as Error).message)).toMatch(/broke off/);
    const m = await eventually(async () => {
      const metrics = await controlMetrics(doc);
      expect(metrics.arms["llm-break"]?.requests).toBe(1);
      return metrics;
    });
    // It had sent its first bytes: too late to fail over, so the arm's error.
    expect(m.arms["llm-break"]).toMatchObject({ errors: 1, failovers: 0 });
    expect(m.arms["llm-break"]?.streams).toMatchObject({ answers: 1, broken: 1 });
  });

  it("a live arm silent after its headers is ended at its timeout, cleanly", async () => {
    const doc = chatDoc("llm-silent", { live: "llm-hang" });
    await putDoc(doc);
    const started = performance.now();
    const failure = await streamChat(doc.service, "u1").catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(String((failure as Error).message)).toMatch(/no answer in time/);
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it("each arm's time to first byte, events per second and token usage reach the control object", async () => {
    const doc = chatDoc("llm-ttft", {
      canary: { origin: "llm-slow-start", shareBp: 5_000, salt: "ttft" },
    });
    await putDoc(doc);
    for (let i = 0; i < 12; i++) await streamChat(doc.service, `user-${i}`);
    const m = await eventually(async () => {
      const metrics = await controlMetrics(doc);
      const n = (arm: string) => metrics.arms[arm]?.streams?.answers ?? 0;
      expect(n("llm-live") + n("llm-slow-start")).toBe(12);
      return metrics;
    });
    const live = m.arms["llm-live"]?.streams;
    const slow = m.arms["llm-slow-start"]?.streams;
    if (!live || !slow) throw new Error("an arm had no streamed answers; change the salt");
    const [lv, sv] = [viewStream(live), viewStream(slow)];
    expect(sv.firstByteP50Ms).toBeGreaterThanOrEqual(300);
    expect(lv.firstByteP50Ms).toBeLessThan(300);
    expect(lv.eventsPerSecond).toBeGreaterThan(0);
    expect(lv.tokensPerAnswer).toBeGreaterThan(0);
    // Latency measured as "total" by default: the whole answer, at least its first byte.
    const p50 = quantile(
      m.arms["llm-slow-start"]?.latencyMs ?? { n: 0, sum: 0, lo: null, hi: null, counts: {} },
      LATENCY_MS,
      0.5,
    );
    expect(p50).toBeGreaterThanOrEqual(300);
  });
});

describe("token usage of answers that do not stream", () => {
  /** Three whole (not streamed) chat completions, and what the live arm's metrics kept. */
  async function wholeAnswers(service: string, tokenUsage?: "all") {
    const doc = chatDoc(service, tokenUsage ? { tokenUsage } : {});
    await putDoc(doc);
    const usage: number[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await client(service).chat.completions.create({
        model: "any",
        user: `u${i}`,
        messages: [{ role: "user", content: `${QUESTION} (${i})` }],
      });
      usage.push(answer.usage?.total_tokens ?? 0);
    }
    const m = await eventually(async () => {
      const metrics = await controlMetrics(doc);
      expect(metrics.arms["llm-live"]?.requests).toBe(3);
      return metrics;
    });
    return { usage, streams: m.arms["llm-live"]?.streams };
  }

  it('with tokenUsage "all", are read from a copy: tokens per answer per arm', async () => {
    const { usage, streams } = await wholeAnswers("llm-usage-all", "all");
    expect(streams).toMatchObject({ answers: 0, usageAnswers: 3 });
    expect(streams?.usageTokens).toBe(usage.reduce((a, b) => a + b, 0));
  });

  it("without it, are not read (streamed answers' usage is, from their last events)", async () => {
    const { streams } = await wholeAnswers("llm-usage-off");
    expect(streams).toBeUndefined();
  });
});

describe("the latency a plan judges a streamed answer by", () => {
  /** The live arm's median recorded latency after a few streamed answers, under `measure`. */
  async function liveLatency(service: string, measure: "total" | "first-token") {
    const doc = chatDoc(service, {
      canary: { origin: "llm-canary", shareBp: 0, salt: service },
      rollout: {
        steps: [{ shareBp: 1000, bakeSeconds: 600 }],
        gates: { minRequests: 5, latencyP95Ratio: { measure } },
        analysisIntervalSeconds: 300,
      },
    });
    await putDoc(doc);
    for (let i = 0; i < 4; i++) await streamChat(service, `u${i}`);
    const m = await eventually(async () => {
      const metrics = await controlMetrics(doc);
      expect(metrics.arms["llm-live"]?.requests).toBe(4);
      return metrics;
    });
    const h = m.arms["llm-live"]?.latencyMs;
    return h ? quantile(h, LATENCY_MS, 0.5) : null;
  }

  it('is its first byte under "first-token", its last under "total"', async () => {
    const first = await liveLatency("llm-measure-first", "first-token");
    const total = await liveLatency("llm-measure-total", "total");
    // Ten or more words 5 ms apart: the last byte comes 45 ms or more after the first.
    expect(first).not.toBeNull();
    expect(total).toBeGreaterThan((first ?? 0) + 40);
  });
});

describe("the shadow on streamed answers", () => {
  it("assembles both streams and compares them by similarity, never as invalid JSON", async () => {
    const doc = chatDoc("llm-shadow", {
      shadow: {
        origin: "llm-canary",
        shareBp: 10_000,
        paths: ["/v1/chat/completions"],
        compare: { kind: "tokens", threshold: 0.6 },
      },
    });
    await putDoc(doc);
    const questions = Array.from(
      { length: 8 },
      (_, i) => `Question ${i}: how many orders shipped in week ${i}?`,
    );
    for (const [i, q] of questions.entries()) await streamChat(doc.service, `u${i}`, q);
    const view = await eventually(async () => {
      const v = await readSummary(doc.service);
      expect(v?.pairs).toBe(8);
      return v;
    });
    expect(view?.errors).toEqual({});
    expect(view?.compared).toBe(8);
    expect(view?.similarity?.reduce((a, b) => a + b, 0)).toBe(8);
    // Worded differently: not all the same, not all different.
    expect(view?.similarity?.[10]).toBeLessThan(8);
    expect(view?.answers?.production.firstByteP50Ms).not.toBeNull();
    expect(view?.answers?.shadow.firstByteP50Ms).not.toBeNull();
    expect(view?.answers?.production.tokensPerAnswer).toBeGreaterThan(0);
  });

  it("records an answer cut at maxAnswerBytes as cut, kept apart from agreement", async () => {
    const doc = chatDoc("llm-cut", {
      shadow: {
        origin: "llm-verbose",
        shareBp: 10_000,
        paths: ["/v1/chat/completions"],
        compare: { kind: "tokens" },
        maxAnswerBytes: 1_024,
      },
    });
    await putDoc(doc);
    await streamChat(doc.service, "u1");
    const view = await eventually(async () => {
      const v = await readSummary(doc.service);
      expect(v?.pairs).toBe(1);
      return v;
    });
    // SSE framing is verbose: production's answer passes 1 KiB too.
    expect(view?.cut?.["shadow:bytes"]).toBe(1);
    expect(view?.errors).toEqual({});
    expect(view?.compared).toBe(0);
  });

  it("twins agree with similarity 1", async () => {
    const doc = chatDoc("llm-twin", {
      shadow: {
        origin: "llm-twin",
        shareBp: 10_000,
        paths: ["/v1/chat/completions"],
        compare: { kind: "text" },
      },
    });
    await putDoc(doc);
    await streamChat(doc.service, "u1");
    const view = await eventually(async () => {
      const v = await readSummary(doc.service);
      expect(v?.pairs).toBe(1);
      return v;
    });
    expect(view).toMatchObject({ compared: 1, agreementRate: 1 });
    expect(view?.similarity?.[10]).toBe(1);
  });
});
