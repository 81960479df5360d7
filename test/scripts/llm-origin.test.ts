/**
 * The demo LLM origin (test/support/stack/llm-model.ts) as its users see
 * it: the official `openai` SDK against the real local origin server, chat
 * and completions, streamed or not, the usage chunk, the SSE on the wire,
 * what each wording answers, and the three failures as the SDK surfaces
 * them. The router's own LLM tests rely on all of this.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenSimilarity } from "../../src/core/shadow/comparators.ts";
import { type DemoOrigins, startDemoOrigins } from "../support/stack/demo-origins.ts";
import { answerText, countWords } from "../support/stack/llm-answer.ts";
import { testModels } from "../test-models.ts";

let origins: DemoOrigins;
beforeAll(async () => {
  origins = await startDemoOrigins(testModels);
});
afterAll(() => origins?.close());

/** The SDK pointed at one model, no retries (a failure is seen as it happens). */
const client = (model: string) =>
  new OpenAI({ apiKey: "test-key", baseURL: `${origins.url(model)}/v1`, maxRetries: 0 });
const PROMPT = "What were last quarter's figures?";
const messages = (content = PROMPT) => [
  { role: "system" as const, content: "You answer briefly." },
  { role: "user" as const, content },
];

/** Every chunk of a streamed chat answer. */
async function chatChunks(model: string, options: { usage?: boolean; user?: string } = {}) {
  const stream = await client(model).chat.completions.create({
    model,
    messages: messages(),
    stream: true,
    ...(options.usage ? { stream_options: { include_usage: true } } : {}),
    ...(options.user ? { user: options.user } : {}),
  });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe("chat completions", () => {
  it("not streamed: a chat.completion with the plain answer, usage in words", async () => {
    const completion = await client("llm-live").chat.completions.create({
      model: "anything",
      messages: messages(),
    });
    const text = answerText(PROMPT, "plain");
    expect(text).toMatch(/^The answer is [a-z-]+, based on the figures you gave\./);
    expect(completion).toMatchObject({
      object: "chat.completion",
      model: "llm-v1",
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
      usage: {
        prompt_tokens: countWords(PROMPT),
        completion_tokens: countWords(text),
        total_tokens: countWords(PROMPT) + countWords(text),
      },
    });
    expect(completion.id).toMatch(/^chatcmpl-/);
  });

  it("streamed with include_usage: role, a word per chunk, stop, then usage with no choices", async () => {
    const chunks = await chatChunks("llm-live", { usage: true });
    const text = answerText(PROMPT, "plain");
    const words = text.split(" ");
    expect(chunks).toHaveLength(1 + words.length + 2);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "", refusal: null });
    const deltas = chunks.slice(1, 1 + words.length).map((c) => c.choices[0]?.delta.content);
    expect(deltas).toEqual(words.map((w, i) => (i === 0 ? w : ` ${w}`)));
    expect(deltas.join("")).toBe(text);
    const [stop, usage] = chunks.slice(-2);
    expect(stop?.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]);
    expect(usage?.choices).toEqual([]);
    expect(usage?.usage).toEqual({
      prompt_tokens: countWords(PROMPT),
      completion_tokens: words.length,
      total_tokens: countWords(PROMPT) + words.length,
    });
    // As OpenAI does: `usage: null` on every other chunk, one id and model throughout.
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(new Set(chunks.map((c) => `${c.id} ${c.model} ${c.object}`)).size).toBe(1);
    expect(chunks[0]?.object).toBe("chat.completion.chunk");
  });

  it("streamed without include_usage: no usage chunk, no usage field", async () => {
    const chunks = await chatChunks("llm-live");
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.some((c) => "usage" in c)).toBe(false);
  });
});

describe("completions and models", () => {
  it("answers a prompt, whole or streamed as text deltas", async () => {
    const text = answerText(PROMPT, "numeric");
    const whole = await client("llm-canary").completions.create({ model: "m", prompt: PROMPT });
    expect(whole).toMatchObject({
      object: "text_completion",
      model: "llm-v2",
      choices: [{ index: 0, text, finish_reason: "stop" }],
      usage: { completion_tokens: countWords(text) },
    });
    const stream = await client("llm-canary").completions.create({
      model: "m",
      prompt: PROMPT,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Completions.Completion[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const pieces = chunks.flatMap((c) => c.choices.map((choice) => choice.text));
    expect(pieces.join("")).toBe(text);
    expect(chunks.at(-2)?.choices[0]).toMatchObject({ text: "", finish_reason: "stop" });
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { completion_tokens: pieces.length - 1 },
    });
  });

  it("lists the model's version", async () => {
    const models = await client("llm-verbose").models.list();
    expect(models.data.map((m) => m.id)).toEqual(["llm-v3"]);
  });

  it("refuses a body that is not a request, as OpenAI does (400, error.message)", async () => {
    await expect(
      client("llm-live").chat.completions.create({ model: "m" } as never),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining("messages") });
  });
});

describe("the stream on the wire", () => {
  it("is SSE as OpenAI sends it: no length, one event per write, [DONE] last", async () => {
    const res = await fetch(`${origins.url("llm-slow-start")}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages: messages(), stream: true }),
    });
    const headersAt = performance.now();
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-length")).toBeNull();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const arrivals: { at: number; text: string }[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      arrivals.push({ at: performance.now() - headersAt, text: decoder.decode(r.value) });
    }
    const body = arrivals.map((a) => a.text).join("");
    const events = body.split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    expect(events.every((e) => e.startsWith("data: "))).toBe(true);
    const words = answerText(PROMPT, "plain").split(" ");
    expect(events).toHaveLength(1 + words.length + 1 + 1);
    // Headers at once, the first byte of body after firstTokenDelayMs (300), the
    // words 5 ms apart after it: the stream arrives over time, not in one piece.
    expect(arrivals[0]?.at).toBeGreaterThanOrEqual(250);
    expect((arrivals.at(-1)?.at ?? 0) - (arrivals[0]?.at ?? 0)).toBeGreaterThanOrEqual(
      (words.length - 2) * 5,
    );
    expect(arrivals.length).toBeGreaterThan(2);
  });
});

describe("wordings", () => {
  it("the same wording answers the same text, whoever the user", async () => {
    const text = (chunks: OpenAI.Chat.Completions.ChatCompletionChunk[]) =>
      chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    const live = text(await chatChunks("llm-live", { user: "alice" }));
    expect(text(await chatChunks("llm-live", { user: "bob" }))).toBe(live);
    expect(text(await chatChunks("llm-twin"))).toBe(live);
    expect(tokenSimilarity(live, text(await chatChunks("llm-twin")))).toBe(1);
    expect(text(await chatChunks("llm-canary"))).toBe(answerText(PROMPT, "numeric"));
  });

  it("numeric is similar to plain by a share that varies by prompt; verbose has about twice the words", () => {
    const prompts = Array.from({ length: 400 }, (_, i) => `How many orders on day ${i}?`);
    const numeric = prompts.map((p) =>
      tokenSimilarity(answerText(p, "plain"), answerText(p, "numeric")),
    );
    const sorted = [...numeric].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))] as number;
    expect(at(0.05)).toBeGreaterThan(0.3);
    expect(at(0.05)).toBeLessThan(0.45);
    expect(at(0.5)).toBeGreaterThan(0.4);
    expect(at(0.5)).toBeLessThan(0.6);
    expect(at(0.95)).toBeGreaterThan(0.6);
    expect(at(0.95)).toBeLessThan(0.9);
    for (const p of prompts) {
      const plain = answerText(p, "plain");
      const verbose = answerText(p, "verbose");
      expect(countWords(verbose) / countWords(plain)).toBeGreaterThan(1.7);
      expect(countWords(verbose) / countWords(plain)).toBeLessThanOrEqual(2);
      expect(tokenSimilarity(plain, verbose)).toBeGreaterThan(0.5);
      expect(tokenSimilarity(plain, verbose)).toBeLessThan(0.6);
    }
  });
});

describe("failures, as the SDK sees them", () => {
  it("before-first-byte: 200 and headers, then the stream fails before any chunk", async () => {
    const stream = await client("llm-dead").chat.completions.create({
      model: "m",
      messages: messages(),
      stream: true,
    });
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) seen.push(chunk);
      })(),
    ).rejects.toThrow(/terminated/);
    expect(seen).toEqual([]);
    // Not streamed: the SDK's read of the body fails the same way.
    await expect(
      client("llm-dead").chat.completions.create({ model: "m", messages: messages() }),
    ).rejects.toThrow(/terminated/);
  });

  it("mid-stream: three events (the role and two words), then the stream fails", async () => {
    const stream = await client("llm-break").chat.completions.create({
      model: "m",
      messages: messages(),
      stream: true,
    });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
      })(),
    ).rejects.toThrow(/terminated/);
    expect(seen).toEqual(["", "The", " answer"]);
  });

  it("hang-after-headers: the call resolves, no chunk comes; only an abort ends it (quietly)", async () => {
    const abort = new AbortController();
    const stream = await client("llm-hang").chat.completions.create(
      { model: "m", messages: messages(), stream: true },
      // The SDK's timeout stops at the headers: this one does not end the stream.
      { signal: abort.signal, timeout: 200 },
    );
    const seen: unknown[] = [];
    const reading = (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })();
    await new Promise((r) => setTimeout(r, 500));
    expect(seen).toEqual([]);
    abort.abort();
    // The SDK ends an aborted stream's iteration without an error.
    await expect(reading).resolves.toBeUndefined();
    expect(seen).toEqual([]);
  });
});
