/**
 * The demo's model origins (served by demo-origins.ts on one port); the
 * demo routing documents, scripts/demo/*.json, point at them.
 *
 * Layer: shared test support (test/support/stack/): the demo (npm start),
 * the browser tests and the benchmarks' origin serve these models.
 */
import type { OriginModel } from "./demo-origins.ts";

export const DEMO_ORIGINS_PORT = 9100;

/** Share of requests the search candidate answers with a 500 (its rollout must roll it back). */
export const SEARCH_CANARY_ERROR_RATE = 0.05;

export const demoModels: Record<string, OriginModel> = {
  "fraud-blue": { version: "fraud-v1", family: "fraud", noise: 0 },
  "fraud-green": { version: "fraud-v2", family: "fraud", noise: 0.04 },
  "fraud-canary": { version: "fraud-v3-rc1", family: "fraud", noise: 0.06 },
  "fraud-challenger-a": { version: "fraud-xgb-1", family: "fraud", noise: 0.1 },
  "fraud-challenger-b": { version: "fraud-rules-2", family: "fraud", noise: 0.12 },
  // Shadow candidate: never serves users; noisier (its label differs from
  // blue's on about 7 % of inputs) and a little slower, so the shadow report
  // has something to show.
  "fraud-shadow": { version: "fraud-v4-shadow", family: "fraud", noise: 0.15, delayMs: 15 },
  // The same shadow 200 ms slower than production (npm run bench:shadow).
  "fraud-shadow-slow": { version: "fraud-v4-shadow", family: "fraud", noise: 0.15, delayMs: 200 },
  "churn-blue": { version: "churn-v4", family: "churn", noise: 0 },
  "churn-green": { version: "churn-v5", family: "churn", noise: 0.05 },
  // recs: a healthy candidate its rollout plan promotes within minutes.
  "recs-blue": { version: "recs-v1", family: "recs", noise: 0 },
  "recs-canary": { version: "recs-v2", family: "recs", noise: 0.03 },
  // search: a candidate answering 5 % of requests with a 500; its rollout rolls it back.
  "search-blue": { version: "search-v1", family: "search", noise: 0 },
  "search-canary": {
    version: "search-v2-rc1",
    family: "search",
    noise: 0.03,
    errorRate: SEARCH_CANARY_ERROR_RATE,
  },
  // chat: an OpenAI-compatible LLM (llm-model.ts). The canary words its answers
  // differently (digits, shorter sentences: word-set similarity to live's about
  // 0.3-0.9 by prompt) and starts later; the shadow answers at about twice the
  // length (similarity about 0.55, under the document's 0.6).
  "chat-v1": {
    version: "chat-v1",
    family: "chat",
    noise: 0,
    llm: { wording: "plain", firstTokenDelayMs: 80, tokenDelayMs: 15 },
  },
  "chat-v2": {
    version: "chat-v2",
    family: "chat",
    noise: 0,
    llm: { wording: "numeric", firstTokenDelayMs: 140, tokenDelayMs: 15 },
  },
  "chat-v3-shadow": {
    version: "chat-v3-shadow",
    family: "chat",
    noise: 0,
    llm: { wording: "verbose", firstTokenDelayMs: 100, tokenDelayMs: 15 },
  },
};

export const demoDocuments = ["fraud", "churn", "recs", "search", "chat"] as const;
export type DemoService = (typeof demoDocuments)[number];

/**
 * Demo traffic per service, predictions per second (from 2,000 users). The
 * recs and search rollout plans (scripts/demo/{recs,search}.json) are sized
 * by the evidence budget at these rates (test/scripts/demo-plans.test.ts
 * checks it); fraud and churn only keep the dashboard alive; chat's are
 * chat completions.
 */
export const demoRequestsPerSecond: Readonly<Record<DemoService, number>> = {
  // 8/s: the challenger leaderboard's verdicts on the demo's outcomes come within minutes.
  fraud: 8,
  churn: 4,
  recs: 25,
  search: 20,
  // Chat completions from the official openai SDK, half of them streamed (demo-chat-traffic.ts).
  chat: 3,
};

/** The demo's LLM service: its traffic is OpenAI chat completions, not predictions. */
export const DEMO_CHAT_SERVICE = "chat";

/**
 * The demo's outcomes (npm start): for each fraud answer, whether the fraud
 * was caught, sent back to POST /_router/outcomes with the answer's receipt.
 * challenger-a is truly better than the champion, challenger-b truly worse,
 * so the leaderboard shows both verdicts within a few minutes.
 */
export const DEMO_OUTCOMES = {
  service: "fraud",
  metric: "fraud_caught",
  /** The chance an answer of each arm leads to a caught fraud. */
  rates: { blue: 0.1, canary: 0.1, "challenger-a": 0.3, "challenger-b": 0.02 } as Record<
    string,
    number
  >,
} as const;
