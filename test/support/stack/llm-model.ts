/**
 * The demo LLM's endpoints: an OpenAI-compatible origin, streamed as
 * OpenAI streams, whose answers are known in advance (llm-answer.ts).
 *
 * Layer: shared test support (test/support/stack/), served by
 * demo-origins.ts for every model with an `llm` spec:
 *   POST /<model>/v1/chat/completions  {model, messages, stream?, stream_options?, user?}
 *   POST /<model>/v1/completions       {model, prompt, stream?, stream_options?, user?}
 *   GET  /<model>/v1/models            a list holding the model's version
 * The prompt is the last user message (or the prompt text); `user` never
 * changes the answer. `model` in answers is the origin's version.
 * completion_tokens counts the answer's words, prompt_tokens the prompt's.
 *
 * Streamed (`stream: true`): text/event-stream, no content-length, one
 * `data: <chunk JSON>\n\n` per write on a no-delay socket: after
 * firstTokenDelayMs the role chunk (chat only) and the first word, then a
 * word every tokenDelayMs (after the first with a leading space), a chunk
 * with finish_reason "stop", the usage chunk (`choices: []`) when
 * stream_options.include_usage is true, and `data: [DONE]`. Not streamed:
 * the whole answer after the same generation time.
 * Failures, after a 200 and its headers: "before-first-byte" (the socket is
 * destroyed), "mid-stream" (failAfterChunks events, then destroyed; half
 * the JSON when not streamed), "hang-after-headers" (nothing more until the
 * client leaves).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { answerText, countWords, type Wording } from "./llm-answer.ts";

export interface LlmSpec {
  /** How answers are worded (llm-answer.ts). */
  wording: Wording;
  /** Before the first chunk of body (default 0). */
  firstTokenDelayMs?: number;
  /** Between words (default 5). */
  tokenDelayMs?: number;
  fail?: "before-first-byte" | "mid-stream" | "hang-after-headers";
  /** Events sent before a "mid-stream" failure (default 3). */
  failAfterChunks?: number;
}

type Kind = "chat" | "completions";

interface LlmRequest {
  kind: Kind;
  prompt: string;
  stream: boolean;
  includeUsage: boolean;
}

/** A chat message's text: a string, or its text parts. */
const contentText = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? content.flatMap((p) => (typeof p?.text === "string" ? [p.text] : [])).join(" ")
      : "";

function parseRequest(kind: Kind, body: Buffer): LlmRequest | string {
  let json: Record<string, unknown> | null;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return "the body must be JSON";
  }
  if (json === null || typeof json !== "object") return "the body must be a JSON object";
  let prompt: unknown;
  if (kind === "chat") {
    if (!Array.isArray(json.messages)) return "messages must be an array";
    prompt = contentText(json.messages.findLast((m) => m?.role === "user")?.content);
  } else {
    prompt = Array.isArray(json.prompt) ? json.prompt[0] : json.prompt;
    if (typeof prompt !== "string") return "prompt must be a string";
  }
  const options = json.stream_options as { include_usage?: unknown } | null | undefined;
  return {
    kind,
    prompt: prompt as string,
    stream: json.stream === true,
    includeUsage: options?.include_usage === true,
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Serves an LLM endpoint (`endpoint`: the path after /<model>); false when it is none. */
export function serveLlm(
  model: { version: string; llm: LlmSpec },
  endpoint: string,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): boolean {
  if (endpoint === "/v1/models" && req.method === "GET") {
    const data = [{ id: model.version, object: "model", created: 0, owned_by: "demo-origins" }];
    sendJson(res, 200, { object: "list", data });
    return true;
  }
  const kinds: Record<string, Kind> = {
    "/v1/chat/completions": "chat",
    "/v1/completions": "completions",
  };
  const kind = Object.hasOwn(kinds, endpoint) ? kinds[endpoint] : undefined;
  if (kind === undefined || req.method !== "POST") return false;
  const request = parseRequest(kind, body);
  if (typeof request === "string") {
    const error = { message: request, type: "invalid_request_error", param: null, code: null };
    sendJson(res, 400, { error });
  } else {
    void answer(model, request, res);
  }
  return true;
}

async function answer(
  { version, llm }: { version: string; llm: LlmSpec },
  request: LlmRequest,
  res: ServerResponse,
): Promise<void> {
  const chat = request.kind === "chat";
  const text = answerText(request.prompt, llm.wording);
  const words = text.split(" ");
  const promptTokens = countWords(request.prompt);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: words.length,
    total_tokens: promptTokens + words.length,
  };
  const head = {
    id: `${chat ? "chatcmpl" : "cmpl"}-${randomUUID().replaceAll("-", "")}`,
    object: chat ? "chat.completion" : "text_completion",
    created: Math.floor(Date.now() / 1000),
    model: version,
  };
  const firstDelay = llm.firstTokenDelayMs ?? 0;
  const gap = llm.tokenDelayMs ?? 5;
  let gone = false;
  res.on("close", () => {
    gone = true;
  });

  if (!request.stream) {
    const choice = chat
      ? { index: 0, message: { role: "assistant", content: text, refusal: null } }
      : { text, index: 0 };
    const completion = { ...head, choices: [{ ...choice, logprobs: null, finish_reason: "stop" }] };
    const whole = { ...completion, usage };
    const bytes = Buffer.from(JSON.stringify(whole));
    if (llm.fail) {
      res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
      res.flushHeaders();
      if (llm.fail === "hang-after-headers") return;
      if (llm.fail === "mid-stream") res.write(bytes.subarray(0, bytes.length >> 1));
      res.socket?.destroy();
      return;
    }
    await sleep(firstDelay + gap * (words.length - 1));
    if (!gone) sendJson(res, 200, whole);
    return;
  }

  res.socket?.setNoDelay(true);
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  res.flushHeaders();
  if (llm.fail === "hang-after-headers") return; // until the client goes away
  if (llm.fail === "before-first-byte") {
    res.socket?.destroy();
    return;
  }

  // OpenAI's chunks: chat deltas or completions' text, `usage: null` on each
  // when the usage chunk is asked for. Each with the wait before it.
  const nullUsage = request.includeUsage ? { usage: null } : {};
  const chunk = (piece: object, finish: string | null) => ({
    ...head,
    ...(chat ? { object: "chat.completion.chunk", system_fingerprint: null } : {}),
    choices: [{ ...piece, logprobs: null, finish_reason: finish }],
    ...nullUsage,
  });
  const piece = (t: string) => (chat ? { index: 0, delta: { content: t } } : { text: t, index: 0 });
  const events: [wait: number, event: object][] = words.map((word, i) => [
    i === 0 ? firstDelay : gap,
    chunk(piece(i === 0 ? word : ` ${word}`), null),
  ]);
  if (chat) {
    const role = { index: 0, delta: { role: "assistant", content: "", refusal: null } };
    events.unshift([firstDelay, chunk(role, null)]);
    events[1] = [0, (events[1] as [number, object])[1]]; // the first word goes with it
  }
  events.push([0, chunk(chat ? { index: 0, delta: {} } : { text: "", index: 0 }, "stop")]);
  if (request.includeUsage) events.push([0, { ...chunk({}, null), choices: [], usage }]);

  const failAt = llm.fail === "mid-stream" ? (llm.failAfterChunks ?? 3) : events.length;
  for (const [i, [wait, event]] of events.entries()) {
    if (wait > 0) await sleep(wait);
    if (gone) return;
    if (i >= failAt) {
      res.socket?.destroy();
      return;
    }
    res.write(`data: ${JSON.stringify(event)}\n\n`);
  }
  if (!gone) res.end("data: [DONE]\n\n");
}
