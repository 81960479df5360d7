/**
 * The two Workers under test, in ONE workerd via Miniflare (not wrangler dev):
 *   - "router": src/index.ts bundled with esbuild, with the ROUTING KV
 *     namespace seeded with scripts/demo/fraud.json (origins rewritten to the
 *     benchmark's origin port, shadow block removed) or the given documents,
 *     and the vars of wrangler.toml;
 *   - "passthrough": scripts/bench/passthrough-worker.ts, one fetch to the
 *     live model's /predict URL on the same origin.
 * Each Worker gets its own direct socket (no Miniflare entry worker in front),
 * so both are reached the same way. Bundles are written to .wrangler/bench/.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import type { SummaryView } from "../../src/core/shadow/summary.ts";
import { documentKey } from "../../src/document/kv-keys.ts";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";
import { bundleWorker, ROUTER_BINDINGS, routerWorker } from "../lib/router-worker.ts";
import { ROOT } from "../lib/wrangler.ts";

export const SERVICE = "fraud";
/** The pass-through always calls the routing document's live origin. */
const LIVE_MODEL = "fraud-blue";
const OUT_DIR = join(ROOT, ".wrangler", "bench");

export interface BenchWorkers {
  routerUrl: string;
  passthroughUrl: string;
  /** The router isolate's store counters from GET /_router/health. */
  routerStats: () => Promise<{ services: number; kvReads: number }>;
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

export interface WorkerOptions {
  /** Routing documents to seed (default: the demo fraud document). */
  documents?: RoutingDocumentInput[];
}

export async function startWorkers(
  originPort: number,
  seed: WorkerOptions = {},
): Promise<BenchWorkers> {
  const [routerScript, passthroughScript] = await Promise.all([
    bundleWorker("src/index.ts", join(OUT_DIR, "router.js")),
    bundleWorker("scripts/bench/passthrough-worker.ts", join(OUT_DIR, "passthrough.js")),
  ]);
  const socket = [{ host: "127.0.0.1", port: 0 }];
  // Miniflare 5 takes a new options shape; the v4 shape (still documented and
  // converted by Miniflare itself) is the one with per-worker direct sockets.
  const options = convertV4MiniflareOptions({
    cf: false,
    workers: [
      routerWorker(routerScript, {
        OVERRIDE_TOKEN: "bench-override-token",
        JWT_SECRET: "bench-jwt-secret",
      }),
      {
        name: "passthrough",
        modules: true,
        scriptPath: passthroughScript,
        compatibilityDate: "2026-11-01",
        bindings: { ORIGIN_URL: `http://127.0.0.1:${originPort}/${LIVE_MODEL}/predict` },
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
  const passthroughUrl = (await mf.unsafeGetDirectURL("passthrough")).origin;
  return {
    routerUrl,
    passthroughUrl,
    routerStats: async () => {
      const res = await fetch(`${routerUrl}/_router/health`);
      const body = (await res.json()) as { store: { services: number; kvReads: number } };
      return body.store;
    },
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
