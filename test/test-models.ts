/**
 * The models the test origin server hosts: healthy versions plus origins
 * that fail in every way the router must survive, and shadows with known
 * answers; and OpenAI-compatible LLMs (test/support/stack/llm-model.ts),
 * streamed or not, that word answers alike or differently, start slowly or
 * fail before, during or after their headers.
 */
import type { OriginModel } from "./support/stack/demo-origins.ts";

export const testModels: Record<string, OriginModel> = {
  blue: { version: "v1-blue", family: "t", noise: 0 },
  green: { version: "v2-green", family: "t", noise: 0.05 },
  canary: { version: "v3-canary", family: "t", noise: 0.05 },
  "challenger-a": { version: "ca", family: "t", noise: 0.1 },
  "challenger-b": { version: "cb", family: "t", noise: 0.1 },
  failing: { version: "failing", family: "t", noise: 0, behaviour: "error" },
  hanging: { version: "hanging", family: "t", noise: 0, behaviour: "hang" },
  stalling: { version: "stalling", family: "t", noise: 0, behaviour: "stall" },
  garbage: { version: "garbage", family: "t", noise: 0, behaviour: "garbage" },
  reset: { version: "reset", family: "t", noise: 0, behaviour: "reset" },
  // Shadow mode: a twin of blue (always agrees), one that labels everything
  // positive (same scores as blue), and a slow copy of blue.
  twin: { version: "v1-twin", family: "t", noise: 0 },
  "all-positive": { version: "v1-all-positive", family: "t", noise: 0, threshold: 0 },
  slow: { version: "v1-slow", family: "t", noise: 0, delayMs: 200 },
  // LLMs (POST /<model>/v1/chat/completions, /v1/completions). The twin words
  // answers exactly as llm-live (similarity 1), the canary in other words
  // (word-set similarity about 0.3-0.7 by prompt), the verbose one with about
  // twice the words.
  "llm-live": { version: "llm-v1", family: "llm", noise: 0, llm: { wording: "plain" } },
  "llm-canary": { version: "llm-v2", family: "llm", noise: 0, llm: { wording: "numeric" } },
  "llm-twin": { version: "llm-v1-twin", family: "llm", noise: 0, llm: { wording: "plain" } },
  "llm-verbose": { version: "llm-v3", family: "llm", noise: 0, llm: { wording: "verbose" } },
  "llm-slow-start": {
    version: "llm-v1-slow-start",
    family: "llm",
    noise: 0,
    llm: { wording: "plain", firstTokenDelayMs: 300 },
  },
  // 200 and SSE headers, then: three events and a reset; a reset before any
  // byte of body; nothing more until the client leaves.
  "llm-break": {
    version: "llm-v1-break",
    family: "llm",
    noise: 0,
    llm: { wording: "plain", fail: "mid-stream", failAfterChunks: 3 },
  },
  "llm-dead": {
    version: "llm-v1-dead",
    family: "llm",
    noise: 0,
    llm: { wording: "plain", fail: "before-first-byte" },
  },
  "llm-hang": {
    version: "llm-v1-hang",
    family: "llm",
    noise: 0,
    llm: { wording: "plain", fail: "hang-after-headers" },
  },
};
