/**
 * Local model origins: one Node HTTP server hosting several named models at
 * `/<model>/...`, used by the demo (`npm start`), the tests and the
 * benchmarks as real network origins.
 *
 * Layer: shared test support (test/support/stack/). Endpoints of each model:
 *   POST /<model>/predict   JSON in, prediction out (see demo-model.ts)
 *   GET  /<model>/health    {"ok":true}
 *   ANY  /<model>/echo...   what the origin received (method, path, query,
 *                           headers, body) so tests can check forwarding
 *   GET  /<model>/redirect  a 302 to the origin's own absolute URL
 *   GET  /<model>/links...  answers with the Location, Content-Location, Link
 *                           (repeatable), Refresh and X-Router-Assignment headers
 *                           and the status given in the query, so tests can
 *                           check URL rewriting and what the router drops
 *   POST /<model>/inbox     keeps a JSON body (a webhook receiver); GET lists them
 *   /<model>/v1/...         OpenAI-compatible chat, completions and models,
 *                           streamed or not, for a model with an `llm` spec
 *                           (see llm-model.ts)
 * Behaviours simulate bad origins: "error" (500), "hang" (never answers),
 * "garbage" (200 with a non-JSON body), "reset" (drops the connection),
 * plus an optional fixed delay and a random error rate that may be changed
 * while the server runs (the rollout simulation raises it mid-rollout).
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ModelSpec, predict } from "./demo-model.ts";
import { type LlmSpec, serveLlm } from "./llm-model.ts";

export type Behaviour = "ok" | "error" | "hang" | "stall" | "garbage" | "reset";

export interface OriginModel extends ModelSpec {
  behaviour?: Behaviour;
  delayMs?: number;
  /** Share (0..1) of requests answered with a 500, at random; read per request, so it can change at run time. */
  errorRate?: number;
  /** An LLM: answers OpenAI-compatible requests at /v1/... (llm-model.ts). */
  llm?: LlmSpec;
}

export interface DemoOrigins {
  port: number;
  url: (model: string) => string;
  /** Requests received per model (all endpoints). */
  hits: Map<string, number>;
  close: () => Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export async function startDemoOrigins(
  models: Record<string, OriginModel>,
  options: { port?: number; host?: string } = {},
): Promise<DemoOrigins> {
  const hits = new Map<string, number>();
  const inboxes = new Map<string, unknown[]>();
  const host = options.host ?? "127.0.0.1";
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? host}`);
    const [, name = "", ...rest] = url.pathname.split("/");
    const model = models[name];
    if (!model) return send(res, 404, { error: "no such model", model: name });
    hits.set(name, (hits.get(name) ?? 0) + 1);
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      // The caller gave up mid-body (the router aborts a call whose client
      // body failed): nothing to answer.
      res.destroy();
      return;
    }
    if (model.delayMs) await new Promise((r) => setTimeout(r, model.delayMs));
    if (model.errorRate && Math.random() < model.errorRate) {
      return send(res, 500, { error: "model failed (simulated)", model_version: model.version });
    }
    switch (model.behaviour ?? "ok") {
      case "hang":
        return; // never answers; the socket stays open until the client gives up
      case "stall":
        // Headers and the start of a declared body, then nothing more.
        res.writeHead(200, { "content-type": "application/json", "content-length": "64" });
        return res.write('{"score":');
      case "reset":
        return req.socket.destroy();
      case "error":
        return send(res, 500, { error: "model crashed", model_version: model.version });
      case "garbage":
        res.writeHead(200, { "content-type": "application/json" });
        return res.end("<html>definitely not json");
    }
    const endpoint = `/${rest.join("/")}`;
    if (endpoint === "/health") return send(res, 200, { ok: true, model_version: model.version });
    if (endpoint === "/inbox") {
      // A webhook receiver for tests: POST keeps the JSON body, GET lists what was kept.
      const kept = inboxes.get(name) ?? [];
      inboxes.set(name, kept);
      if (req.method === "POST") kept.push(JSON.parse(body.toString("utf8") || "null"));
      return send(res, 200, kept);
    }
    if (endpoint === "/redirect") {
      res.writeHead(302, { location: `http://${req.headers.host}/${name}/health` });
      return res.end();
    }
    if (endpoint.startsWith("/links")) {
      const headers: Record<string, string | string[]> = { "content-type": "application/json" };
      for (const name of ["location", "content-location", "refresh", "x-router-assignment"]) {
        const value = url.searchParams.get(name);
        if (value !== null) headers[name] = value;
      }
      const links = url.searchParams.getAll("link");
      if (links.length > 0) headers.link = links;
      res.writeHead(Number(url.searchParams.get("status") ?? 200), headers);
      return res.end(JSON.stringify({ path: endpoint }));
    }
    if (endpoint.startsWith("/echo")) {
      return send(res, 200, {
        model_version: model.version,
        method: req.method,
        path: endpoint,
        query: url.search,
        headers: req.headers,
        body_sha256: createHash("sha256").update(body).digest("hex"),
        body_length: body.length,
      });
    }
    if (endpoint === "/predict" && req.method === "POST") {
      let input: unknown;
      try {
        input = JSON.parse(body.toString("utf8"));
      } catch {
        return send(res, 400, { error: "body must be JSON" });
      }
      return send(res, 200, predict(model, input));
    }
    const { llm } = model;
    if (llm && serveLlm({ version: model.version, llm }, endpoint, req, res, body)) return;
    return send(res, 404, { error: "unknown endpoint", endpoint });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hits,
    url: (model) => `http://${host}:${port}/${model}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
