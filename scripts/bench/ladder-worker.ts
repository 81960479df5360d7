/**
 * The primitives a routing proxy is made of, one Worker per rung of the
 * ladder (`npm run bench:ladder`, scripts/bench/ladder.ts): each rung adds
 * one thing the router does per request to the one below, so the CPU each
 * costs in workerd can be read off side by side. RUNG (a var) picks it:
 *   0  fetch(ORIGIN_URL, request): the pass-through
 *   1  + the request re-sent from an init (method, headers, body, redirect)
 *   2  + header hygiene: the headers copied, hop-by-hop and router headers
 *        deleted, x-forwarded-* set
 *   3  + the origin timeout: an AbortController and a timer per call
 *   4  + the response re-wrapped to add x-model-variant and Server-Timing
 *        (hop-by-hop deleted, the four URL headers looked at)
 *   5  + Hono in front (the router keeps it for /_router/ only)
 */
import { Hono } from "hono";
import {
  HOP_BY_HOP,
  OVERRIDE_HEADER,
  OVERRIDE_TOKEN_HEADER,
  VARIANT_HEADER,
} from "../../src/app/route/forward-headers.ts";

interface LadderEnv {
  ORIGIN_URL: string;
  RUNG: string;
}

async function proxy(request: Request, env: LadderEnv, rung: number): Promise<Response> {
  if (rung === 0) return fetch(env.ORIGIN_URL, request);
  let headers = request.headers;
  if (rung >= 2) {
    headers = new Headers(request.headers);
    headers.get("connection");
    for (const name of HOP_BY_HOP) headers.delete(name);
    for (const name of [OVERRIDE_HEADER, OVERRIDE_TOKEN_HEADER, "host"]) {
      headers.delete(name);
    }
    headers.set("x-forwarded-proto", "http");
    headers.set("x-forwarded-host", "bench");
  }
  const controller = rung >= 3 ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), 5_000) : undefined;
  let origin: Response;
  try {
    origin = await fetch(env.ORIGIN_URL, {
      method: request.method,
      headers,
      body: request.body,
      redirect: "manual",
      signal: controller?.signal ?? null,
    });
  } finally {
    clearTimeout(timer);
  }
  if (rung < 4) return origin;
  const response = new Response(origin.body, origin);
  response.headers.get("connection");
  for (const name of HOP_BY_HOP) response.headers.delete(name);
  response.headers.set(VARIANT_HEADER, "blue");
  response.headers.append("server-timing", 'router;dur=0.1, origin;dur=1.0;desc="blue"');
  for (const name of ["location", "content-location", "link", "refresh"]) {
    response.headers.get(name);
  }
  return response;
}

const app = new Hono<{ Bindings: LadderEnv }>();
app.all("*", (c) => proxy(c.req.raw, c.env, Number(c.env.RUNG)));

export default {
  fetch(request, env, ctx) {
    const rung = Number(env.RUNG);
    return rung >= 5 ? app.fetch(request, env, ctx) : proxy(request, env, rung);
  },
} satisfies ExportedHandler<LadderEnv>;
