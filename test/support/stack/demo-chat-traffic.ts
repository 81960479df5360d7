/**
 * The demo's LLM traffic: chat completions to the demo chat service
 * (scripts/demo/chat.json) through the router, sent as users send them,
 * with the official `openai` SDK pointed at the router.
 *
 * Layer: shared test support (test/support/stack/), used by
 * demo-traffic.ts. The SDK's base URL is the router's URL plus the
 * service's prefix and `/v1` (http://127.0.0.1:8787/chat/v1), so the SDK's
 * POST /chat/completions reaches the router as /chat/v1/chat/completions:
 * service "chat", origin path /v1/chat/completions. Every other request is
 * streamed with stream_options.include_usage. Who asks is the OpenAI `user`
 * field, which the document's identity reads: a few users ask most of the
 * questions (user k of n is drawn with probability falling as about
 * k^(-2/3): the first 1 % of users send about a fifth of the requests).
 */
import OpenAI from "openai";

const TOPICS = ["orders", "refunds", "sign-ups", "support tickets", "deliveries", "invoices"];
const SCOPES = ["yesterday", "last week", "in March", "this quarter", "on the night shift"];

/** A sender of chat completions: call it with a request number; it resolves to the HTTP status (0: no answer). */
export function demoChatSender(url: string, service: string, users: number) {
  const client = new OpenAI({
    apiKey: "demo-key-unused-by-the-router",
    baseURL: `${url}/${service}/v1`,
    maxRetries: 0,
    timeout: 30_000,
  });
  return async (i: number): Promise<number> => {
    const user = `chat-user-${Math.floor(users * Math.random() ** 3)}`;
    const topic = TOPICS[i % TOPICS.length];
    const scope = SCOPES[Math.floor(i / TOPICS.length) % SCOPES.length];
    const request = {
      model: "demo-chat",
      user,
      messages: [
        { role: "system" as const, content: "You answer questions about the business briefly." },
        { role: "user" as const, content: `How many ${topic} did we have ${scope}? (#${i % 50})` },
      ],
    };
    try {
      if (i % 2 === 0) {
        const stream = await client.chat.completions.create({
          ...request,
          stream: true,
          stream_options: { include_usage: true },
        });
        for await (const _ of stream);
      } else {
        await client.chat.completions.create(request);
      }
      return 200;
    } catch (err) {
      return err instanceof OpenAI.APIError && typeof err.status === "number" ? err.status : 0;
    }
  };
}
