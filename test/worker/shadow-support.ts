/**
 * Helpers for the shadow-mode tests: documents with a `shadow` block over the
 * test origins, requests through the worker's own fetch handler with an
 * ExecutionContext the test can wait on (the shadow runs in waitUntil), the
 * Analytics Engine points written, what the service's control object holds
 * (its merged summaries and notable pairs; reading them flushes the
 * object's buffer), and the KV mirror the object writes.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { vi } from "vitest";
import { controlReaders } from "../../src/adapters/durable-object/control-client.ts";
import { SHADOW_RECORDS_KEPT } from "../../src/adapters/durable-object/control-storage.ts";
import type { ShadowRecord } from "../../src/core/shadow/record.ts";
import {
  parseSummary,
  type ShadowSummary,
  type SummaryView,
  viewSummary,
} from "../../src/core/shadow/summary.ts";
import { shadowLogPrefix, shadowSummaryKey } from "../../src/document/kv-keys.ts";
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
  /** Resolves when every waitUntil task of the request (shadow, check-in) is done. */
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

/** Every shadow origin's merged summary, as the service's control object holds it. */
export function objectSummaries(service: string): Promise<ShadowSummary[]> {
  return controlReaders(env.CONTROL).shadowSummaries(service);
}

/**
 * The control object's merged summary of one shadow origin of `service`
 * (the only one when `shadow` is not named), as the report reads it; null
 * when the object has none.
 */
export async function readSummary(service: string, shadow?: string): Promise<SummaryView | null> {
  const all = await objectSummaries(service);
  if (shadow === undefined && all.length > 1) {
    throw new Error(`${service} has ${all.length} shadow summaries: name one`);
  }
  const s = shadow === undefined ? all[0] : all.find((x) => x.shadow === shadow);
  return s ? viewSummary(s) : null;
}

/** The control object's newest notable pairs of `service`, newest first. */
export function readRecords(service: string, limit = SHADOW_RECORDS_KEPT): Promise<ShadowRecord[]> {
  return controlReaders(env.CONTROL).shadowRecords(service, limit);
}

/** The object's KV mirror of one shadow's summary (`shadow-summary:<s>:<shadow>:control`). */
export async function readMirroredSummary(
  service: string,
  shadow: string,
): Promise<ShadowSummary | null> {
  const text = await env.ROUTING.get(shadowSummaryKey(service, shadow, "control"));
  return text === null ? null : parseSummary(text);
}

/** The object's KV log batches of `service`, newest first (key, expiration, records). */
export async function readMirroredLog(
  service: string,
): Promise<{ name: string; expiration: number | undefined; records: ShadowRecord[] }[]> {
  const list = await env.ROUTING.list({ prefix: shadowLogPrefix(service) });
  return Promise.all(
    list.keys.map(async (k) => ({
      name: k.name,
      expiration: k.expiration,
      records: JSON.parse((await env.ROUTING.get(k.name)) ?? "[]") as ShadowRecord[],
    })),
  );
}

/**
 * Retries `check` until it stops throwing: the isolate checks in with the
 * control object every CHECKIN_INTERVAL_MS (100 ms in tests), the object
 * mirrors to KV every SHADOW_KV_MIRROR_MS (200 ms in tests).
 */
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
