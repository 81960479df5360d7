/**
 * Helpers for the shadow-mode tests: documents with a `shadow` block over the
 * test origins, requests through the worker's own fetch handler with an
 * ExecutionContext the test can wait on (the shadow runs in waitUntil), the
 * Analytics Engine points written, and the KV summary and log read back.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { vi } from "vitest";
import type { ShadowRecord } from "../../src/core/shadow/record.ts";
import {
  mergeSummaries,
  parseSummary,
  type SummaryView,
  viewSummary,
} from "../../src/core/shadow/summary.ts";
import { shadowLogPrefix, shadowSummaryPrefix } from "../../src/document/kv-keys.ts";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";
import worker from "../../src/index.ts";
import { makeDoc, originUrl } from "./support.ts";

type ShadowInput = NonNullable<RoutingDocumentInput["shadow"]>;

/** makeDoc plus the shadow test origins and a shadow block (100 % unless said). */
export function shadowDoc(
  service: string,
  shadow: Partial<ShadowInput> | null,
  over: Partial<RoutingDocumentInput> = {},
): RoutingDocumentInput {
  const doc = makeDoc(service, over);
  doc.origins = {
    ...doc.origins,
    twin: { url: originUrl("twin") },
    "all-positive": { url: originUrl("all-positive") },
    slow: { url: originUrl("slow") },
  };
  if (shadow) doc.shadow = { origin: "twin", shareBp: 10_000, ...shadow };
  return doc;
}

export interface Routed {
  response: Response;
  /** Resolves when every waitUntil task of the request (shadow, flush) is done. */
  settled: () => Promise<void>;
  /** Milliseconds until the response (headers) came back. */
  ms: number;
}

export async function routed(url: string, init: RequestInit = {}): Promise<Routed> {
  const ctx = createExecutionContext();
  const started = performance.now();
  const response = await worker.fetch(new Request(url, init), env, ctx);
  const ms = performance.now() - started;
  return { response, ms, settled: () => waitOnExecutionContext(ctx) };
}

export const body = (id: string, amount: number) =>
  JSON.stringify({ id, features: { amount, merchant: `m-${amount % 7}` } });

/** POST /<service>/predict as user `user`; waits for the shadow when `settle`. */
export async function predictRouted(
  service: string,
  opts: { user?: string; body?: string; headers?: Record<string, string>; settle?: boolean } = {},
): Promise<{ status: number; text: string; headers: Headers; ms: number }> {
  const headers: Record<string, string> = { "content-type": "application/json", ...opts.headers };
  if (opts.user) headers["x-user-id"] = opts.user;
  const r = await routed(`http://router.test/${service}/predict`, {
    method: "POST",
    headers,
    body: opts.body ?? body("tx-1", 10),
  });
  const text = await r.response.text();
  if (opts.settle !== false) await r.settled();
  return { status: r.response.status, text, headers: r.response.headers, ms: r.ms };
}

/** Spies on the Analytics Engine binding; `points(kind)` are the data points of blob1 = kind. */
export function spyOnEvents() {
  const spy = vi.spyOn(env.ROUTER_EVENTS, "writeDataPoint");
  return {
    points: (kind: "shadow-pair" | "shadow-skip" | "request") =>
      spy.mock.calls.map((c) => c[0]).filter((p) => p?.blobs?.[0] === kind),
  };
}

/** The merged summary of every isolate shard of a service in KV (null when none). */
export async function readSummary(service: string): Promise<SummaryView | null> {
  const list = await env.ROUTING.list({ prefix: shadowSummaryPrefix(service) });
  const shards = await Promise.all(list.keys.map((k) => env.ROUTING.get(k.name)));
  const parsed = shards.flatMap((t) => (t ? [parseSummary(t)] : [])).filter((s) => s !== null);
  if (parsed.length === 0) return null;
  return viewSummary(parsed.reduce(mergeSummaries));
}

/** Every inspection record of a service in KV, newest batch first. */
export async function readRecords(service: string): Promise<ShadowRecord[]> {
  const list = await env.ROUTING.list({ prefix: shadowLogPrefix(service) });
  const batches = await Promise.all(list.keys.map((k) => env.ROUTING.get(k.name)));
  return batches.flatMap((t) => (t ? (JSON.parse(t) as ShadowRecord[]) : []));
}

/** Retries `check` until it stops throwing (KV state written by a later flush). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
