/**
 * The two Workers under test, in ONE workerd via Miniflare (not wrangler dev):
 *   - "router": src/index.ts bundled with esbuild, with the ROUTING KV
 *     namespace seeded with scripts/demo/fraud.json (origins rewritten to the
 *     benchmark's origin port, shadow block removed) or the given documents,
 *     and the vars of wrangler.toml;
 *   - "router-2": a second isolate of the same router (same KV namespace,
 *     the first one's control objects), so that two loads compared side by
 *     side do not share one heap: each pays for its own garbage collection
 *     (bench:shadow serves shadow 100 % from it);
 *   - "router-no-receipts": the same router without RECEIPT_SECRET, so
 *     `npm run bench` measures what signing receipts costs, interleaved;
 *   - "passthrough": scripts/bench/passthrough-worker.ts, one fetch to the
 *     live model's /predict URL on the same origin (and "passthrough-mirror",
 *     the same with a bare mirror).
 * Each Worker gets its own direct socket (no Miniflare entry worker in front),
 * so both are reached the same way. Bundles are written to .wrangler/bench/.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import type { SummaryView } from "../../src/core/shadow/summary.ts";
import { documentKey } from "../../src/document/kv-keys.ts";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";
import {
  bundleWorker,
  ROUTER_BINDINGS,
  routerWorker,
} from "../../test/support/stack/router-worker.ts";
import { ROOT } from "../cli/wrangler.ts";

export const SERVICE = "fraud";
/** The pass-through always calls the routing document's live origin. */
const LIVE_MODEL = "fraud-blue";
/** The mirroring pass-through's copy goes to the demo's 200 ms-slower shadow model. */
const MIRROR_MODEL = "fraud-shadow-slow";
const OUT_DIR = join(ROOT, ".wrangler", "bench");

export interface BenchWorkers {
  routerUrl: string;
  /** The second router isolate (same documents and control objects, its own heap). */
  router2Url: string;
  /** The router without RECEIPT_SECRET (same documents and control objects): no receipts signed. */
  noReceiptsUrl: string;
  passthroughUrl: string;
  /** The pass-through that also mirrors each request to MIRROR_MODEL (waitUntil), no compare. */
  mirrorPassthroughUrl: string;
  /** The router isolate's store counters from GET /_router/health. */
  routerStats: () => Promise<{ services: number; kvReads: number }>;
  /** The router's DevTools WebSocket URL (with `inspect`), else null. */
  inspectorUrl: () => Promise<string | null>;
  /** A service's shadow summaries, as its control object holds them (admin API). */
  shadowViews: (service: string) => Promise<SummaryView[]>;
  dispose: () => Promise<void>;
}

/**
 * scripts/demo/<service>.json with every origin moved to the benchmark's
 * origin port. Without its shadow block: the router-vs-pass-through bench
 * measures routing alone (scripts/bench/shadow.ts measures mirroring).
 */
export function demoDocument(originPort: number): RoutingDocumentInput {
  const doc = JSON.parse(readFileSync(join(ROOT, "scripts", "demo", `${SERVICE}.json`), "utf8"));
  for (const origin of Object.values(doc.origins) as { url: string }[]) {
    const url = new URL(origin.url);
    url.port = String(originPort);
    origin.url = url.toString().replace(/\/$/, "");
  }
  delete doc.shadow;
  return doc;
}

/** The service of the realistic document with an active rollout (see benchDocuments). */
export const ROLLOUT_SERVICE = "fraud-rollout";

/**
 * The documents `npm run bench` routes by, the realistic shape the targets
 * are stated for: live plus a 5% canary and one 5% challenger, identity from
 * one header, retry.safe (canary and challenger requests are buffered for
 * failover), no shadow. The second one is the same with an active rollout
 * (one long 5% step: its control object starts it on the first alarm and
 * evaluates it every 5 s while the load runs).
 */
export function benchDocuments(originPort: number): RoutingDocumentInput[] {
  const url = (model: string) => `http://127.0.0.1:${originPort}/${model}`;
  const base = {
    version: 1,
    updatedAt: "2026-12-01T00:00:00.000Z",
    updatedBy: "bench",
    origins: {
      blue: { url: url("fraud-blue"), timeoutMs: 5000 },
      canary: { url: url("fraud-canary"), timeoutMs: 2000 },
      "challenger-a": { url: url("fraud-challenger-a"), timeoutMs: 2000 },
    },
    live: "blue",
    canary: { origin: "canary", shareBp: 500, salt: "bench-canary", killed: false },
    challengerSalt: "bench-challengers",
    challengers: [{ origin: "challenger-a", startBp: 0, shareBp: 500 }],
    identity: { sources: [{ type: "header" as const, name: "x-user-id" }] },
    retry: { safe: true },
  };
  return [
    { ...base, service: SERVICE },
    {
      ...base,
      service: ROLLOUT_SERVICE,
      rollout: { steps: [{ shareBp: 500, bakeSeconds: 86_400 }] },
    },
  ];
}

export interface WorkerOptions {
  /** Routing documents to seed (default: the demo fraud document). */
  documents?: RoutingDocumentInput[];
  /** Open the router's V8 inspector (for CPU profiles, scripts/bench/profile.ts). */
  inspect?: boolean;
}

export async function startWorkers(
  originPort: number,
  seed: WorkerOptions = {},
): Promise<BenchWorkers> {
  const [routerScript, passthroughScript] = await Promise.all([
    // As deployed (wrangler.toml minify), unless profiling (module markers wanted).
    bundleWorker("src/index.ts", join(OUT_DIR, "router.js"), { minify: !seed.inspect }),
    bundleWorker("scripts/bench/passthrough-worker.ts", join(OUT_DIR, "passthrough.js")),
  ]);
  const socket = [{ host: "127.0.0.1", port: 0 }];
  // Miniflare 5 takes a new options shape; the v4 shape (still documented and
  // converted by Miniflare itself) is the one with per-worker direct sockets.
  const inspectorPort = seed.inspect ? await freePort() : null;
  const router = routerWorker(routerScript, {
    OVERRIDE_TOKEN: "bench-override-token",
    JWT_SECRET: "bench-jwt-secret",
  });
  const options = convertV4MiniflareOptions({
    cf: false,
    // workerd's own inspector (no Miniflare proxy in between): one target per worker.
    ...(inspectorPort ? { inspectorPort } : {}),
    workers: [
      router,
      {
        ...router,
        name: "router-2",
        durableObjects: { CONTROL: { className: "ServiceControl", scriptName: "router" } },
      },
      {
        // The same router without RECEIPT_SECRET: what signing receipts costs, side by side.
        ...router,
        name: "router-no-receipts",
        bindings: { ...router.bindings, RECEIPT_SECRET: "" },
        durableObjects: { CONTROL: { className: "ServiceControl", scriptName: "router" } },
      },
      {
        name: "passthrough",
        modules: true,
        scriptPath: passthroughScript,
        compatibilityDate: "2026-11-01",
        bindings: { ORIGIN_URL: `http://127.0.0.1:${originPort}/${LIVE_MODEL}/predict` },
        unsafeDirectSockets: socket,
      },
      {
        name: "passthrough-mirror",
        modules: true,
        scriptPath: passthroughScript,
        compatibilityDate: "2026-11-01",
        bindings: {
          ORIGIN_URL: `http://127.0.0.1:${originPort}/${LIVE_MODEL}/predict`,
          MIRROR_URL: `http://127.0.0.1:${originPort}/${MIRROR_MODEL}/predict`,
        },
        unsafeDirectSockets: socket,
      },
    ],
  });
  const mf = new Miniflare(options);
  await mf.ready;
  const kv = await mf.getKVNamespace("ROUTING", "router");
  for (const doc of seed.documents ?? [demoDocument(originPort)]) {
    await kv.put(documentKey(doc.service), JSON.stringify(doc));
  }
  const routerUrl = (await mf.unsafeGetDirectURL("router")).origin;
  const router2Url = (await mf.unsafeGetDirectURL("router-2")).origin;
  const noReceiptsUrl = (await mf.unsafeGetDirectURL("router-no-receipts")).origin;
  const passthroughUrl = (await mf.unsafeGetDirectURL("passthrough")).origin;
  const mirrorPassthroughUrl = (await mf.unsafeGetDirectURL("passthrough-mirror")).origin;
  return {
    routerUrl,
    router2Url,
    noReceiptsUrl,
    passthroughUrl,
    mirrorPassthroughUrl,
    routerStats: async () => {
      const res = await fetch(`${routerUrl}/_router/health`);
      const body = (await res.json()) as { store: { services: number; kvReads: number } };
      return body.store;
    },
    inspectorUrl: async () =>
      inspectorPort ? `ws://127.0.0.1:${inspectorPort}/core:user:router` : null,
    shadowViews: async (service) => {
      const res = await fetch(`${routerUrl}/_router/admin/services/${service}/shadow`, {
        headers: { authorization: `Bearer ${ROUTER_BINDINGS.ADMIN_TOKEN}` },
      });
      if (!res.ok) throw new Error(`shadow view of ${service}: HTTP ${res.status}`);
      return ((await res.json()) as { shadows: SummaryView[] }).shadows;
    },
    dispose: () => mf.dispose(),
  };
}

/** A TCP port nobody listens on now (asked of the OS). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}
