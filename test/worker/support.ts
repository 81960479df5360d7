/**
 * Helpers for the workerd integration tests: routing documents pointing at
 * the real local test origins, KV writes through the real binding, and
 * requests through the real worker (SELF).
 */
import { env, SELF } from "cloudflare:test";
import { inject } from "vitest";
import { controlReaders } from "../../src/adapters/durable-object/control-client.ts";
import { fromBase64url } from "../../src/core/outcomes/receipt.ts";
import { revisionOf, type VersionMetrics } from "../../src/core/rollout/request-metrics.ts";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";

export const originUrl = (model: string) => `${inject("originBase")}/${model}`;

let version = 1;

/** A routing document for `service` with the test origins; override any field. */
export function makeDoc(
  service: string,
  over: Partial<RoutingDocumentInput> = {},
): RoutingDocumentInput {
  version += 1;
  return {
    service,
    version,
    updatedAt: new Date().toISOString(),
    updatedBy: "test",
    origins: {
      blue: { url: originUrl("blue") },
      green: { url: originUrl("green") },
      canary: { url: originUrl("canary") },
      "challenger-a": { url: originUrl("challenger-a") },
      "challenger-b": { url: originUrl("challenger-b") },
      failing: { url: originUrl("failing") },
      hanging: { url: originUrl("hanging"), timeoutMs: 300 },
      stalling: { url: originUrl("stalling"), timeoutMs: 300 },
      garbage: { url: originUrl("garbage") },
      reset: { url: originUrl("reset") },
      closed: { url: "http://127.0.0.1:9/closed" },
    },
    live: "blue",
    ...over,
  };
}

export async function putDoc(doc: RoutingDocumentInput | string): Promise<void> {
  const text = typeof doc === "string" ? doc : JSON.stringify(doc);
  const service = typeof doc === "string" ? JSON.parse(doc).service : doc.service;
  await env.ROUTING.put(`service:${service}`, text);
}

export function predict(
  service: string,
  init: { user?: string; headers?: Record<string, string>; body?: unknown; host?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json", ...init.headers };
  if (init.user !== undefined) headers["x-user-id"] = init.user;
  return SELF.fetch(`http://${init.host ?? "router.test"}/${service}/predict`, {
    method: "POST",
    headers,
    body: JSON.stringify(init.body ?? { id: "tx-1", features: { amount: 10 } }),
  });
}

/** The x-model-variant of a request, body consumed. */
export async function variantOf(res: Response): Promise<string | null> {
  await res.arrayBuffer();
  return res.headers.get("x-model-variant");
}

export const users = (n: number, prefix = "user") =>
  Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** The exact metrics of a document revision, as the service's control object holds them. */
export function controlMetrics(doc: {
  service: string;
  version: number;
  updatedAt: string;
}): Promise<VersionMetrics> {
  return controlReaders(env.CONTROL).metrics.read(doc);
}

/** `n` identified predictions through the worker; resolves once the control object has their metrics. */
export async function trafficWithMetrics(service: string, n: number): Promise<void> {
  const doc = JSON.parse((await env.ROUTING.get(`service:${service}`)) ?? "null");
  const revision = revisionOf(doc);
  // 8 at a time: one at a time took longer than an analysis interval on a loaded machine.
  let next = 0;
  let underRevision = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await SELF.fetch(`http://router.test/${service}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user-id": `user-${i}` },
        body: JSON.stringify({ features: { i } }),
      });
      await res.arrayBuffer();
      // The receipt names the revision that routed it: an alarm may write a new one meanwhile.
      const receipt = res.headers.get("x-router-assignment") ?? "";
      if (JSON.parse(fromBase64url(receipt.split(".")[0] ?? "") || "{}").r === revision)
        underRevision += 1;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  for (let tries = 0; tries < 50; tries++) {
    const m = await controlMetrics(doc);
    if (Object.values(m.arms).reduce((a, arm) => a + arm.requests, 0) >= underRevision) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("metrics never reached the control object");
}

/** One answer of `answers`: its user's index, the arm that served it, the receipt to send back. */
export interface Answered {
  i: number;
  arm: string;
  receipt: string;
}

/** `n` users' predictions, 8 at a time: who was served by which arm, with the receipt. */
export async function answers(
  service: string,
  n: number,
  userOf: (i: number) => string = (i) => `${service}-${i}`,
): Promise<Answered[]> {
  const out: Answered[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await predict(service, { user: userOf(i) });
      await res.arrayBuffer();
      out.push({
        i,
        arm: res.headers.get("x-model-variant") ?? "",
        receipt: res.headers.get("x-router-assignment") ?? "",
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

/** POST /_router/outcomes in batches of 1,000 (the most one takes); each batch's answer. */
export async function sendOutcomes(
  outcomes: readonly { receipt: string; metric: string; value: boolean | number }[],
): Promise<{ status: number; body: { accepted: number; duplicate: number } }[]> {
  const answers = [];
  for (let k = 0; k < outcomes.length; k += 1000) {
    const res = await SELF.fetch("http://router.test/_router/outcomes", {
      method: "POST",
      headers: {
        authorization: `Bearer ${env.OUTCOMES_TOKEN}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ outcomes: outcomes.slice(k, k + 1000) }),
    });
    answers.push({
      status: res.status,
      body: (await res.json()) as { accepted: number; duplicate: number },
    });
  }
  return answers;
}
