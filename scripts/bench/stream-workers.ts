/**
 * The Workers of the streaming benchmark (scripts/bench/stream.ts), in ONE
 * workerd through Miniflare directly (not wrangler dev), each on its own
 * direct socket, all in front of the same SSE origin:
 *   - "router": src/index.ts bundled as deployed (minified), the ROUTING KV
 *     namespace seeded with the two documents below;
 *   - "router-shadow": a second isolate of the same router (same KV and
 *     control objects, its own heap), which the shadowed service is sent
 *     to, so the shadow's work and garbage stay off the first one's numbers;
 *   - "passthrough": scripts/bench/passthrough-worker.ts, one
 *     `fetch(ORIGIN_URL, request)`;
 *   - "proxy": the minimal correct proxy, rung 4 of
 *     scripts/bench/ladder-worker.ts (request re-sent from an init, headers
 *     cleaned, an origin timeout, the response re-wrapped with a variant
 *     header): the floor under any Worker that does a proxy's job.
 * Bundles go to .wrangler/bench/stream-*.js.
 */
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { documentKey } from "../../src/document/kv-keys.ts";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";
import {
  bundleWorker,
  ROUTER_BINDINGS,
  routerWorker,
} from "../../test/support/stack/router-worker.ts";
import { ROOT } from "../cli/wrangler.ts";

const OUT_DIR = join(ROOT, ".wrangler", "bench");

/** The service routed plainly, and the same with every answer mirrored to a shadow. */
export const STREAM_SERVICE = "llm";
export const SHADOW_SERVICE = "llm-shadow";
/** The path clients call after the service prefix (the origin answers any path). */
export const COMPLETIONS_PATH = "/v1/chat/completions";

/**
 * An LLM service as it would be routed: live plus a 5 % canary (both on the
 * bench origin), the user from the OpenAI request's `user` field (the body
 * is read for it, bounded); and a copy that mirrors 100 % of the chat
 * completions to a shadow on the same origin, compared as text.
 */
export function streamDocuments(originPort: number): RoutingDocumentInput[] {
  const url = (model: string) => `http://127.0.0.1:${originPort}/${model}`;
  const base = {
    version: 1,
    updatedAt: "2026-12-01T00:00:00.000Z",
    updatedBy: "bench",
    origins: {
      blue: { url: url("llm-blue"), timeoutMs: 5000 },
      canary: { url: url("llm-canary"), timeoutMs: 5000 },
    },
    live: "blue",
    canary: { origin: "canary", shareBp: 500, salt: "bench-llm-canary", killed: false },
    identity: { sources: [{ type: "jsonBody" as const, path: "user" }] },
  };
  return [
    { ...base, service: STREAM_SERVICE },
    {
      ...base,
      service: SHADOW_SERVICE,
      origins: { ...base.origins, shadow: { url: url("llm-shadow"), timeoutMs: 5000 } },
      shadow: {
        origin: "shadow",
        shareBp: 10_000,
        timeoutMs: 10_000,
        methods: ["POST" as const],
        paths: [COMPLETIONS_PATH],
        compare: { kind: "tokens" as const, threshold: 0.8 },
      },
    },
  ];
}

export interface StreamWorkers {
  routerUrl: string;
  routerShadowUrl: string;
  passthroughUrl: string;
  proxyUrl: string;
  /** The shadowed service's shadow summaries (admin API), as loosely typed JSON. */
  shadowViews: () => Promise<
    { pairs?: number; compared?: number; agreementRate?: number | null; errors?: object }[]
  >;
  dispose: () => Promise<void>;
}

/** Starts the four Workers; the pass-through and the proxy call `originUrl` for every request. */
export async function startStreamWorkers(
  originPort: number,
  originUrl: string,
): Promise<StreamWorkers> {
  const [routerScript, passthroughScript, proxyScript] = await Promise.all([
    bundleWorker("src/index.ts", join(OUT_DIR, "stream-router.js"), { minify: true }),
    bundleWorker("scripts/bench/passthrough-worker.ts", join(OUT_DIR, "stream-passthrough.js")),
    bundleWorker("scripts/bench/ladder-worker.ts", join(OUT_DIR, "stream-proxy.js")),
  ]);
  const socket = [{ host: "127.0.0.1", port: 0 }];
  const router = routerWorker(routerScript, {
    OVERRIDE_TOKEN: "bench-override-token",
    JWT_SECRET: "bench-jwt-secret",
  });
  const plain = (name: string, scriptPath: string, bindings: Record<string, string>) => ({
    name,
    modules: true,
    scriptPath,
    compatibilityDate: "2026-11-01",
    bindings,
    unsafeDirectSockets: socket,
  });
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      workers: [
        router,
        {
          ...router,
          name: "router-shadow",
          durableObjects: { CONTROL: { className: "ServiceControl", scriptName: "router" } },
        },
        plain("passthrough", passthroughScript, { ORIGIN_URL: originUrl }),
        plain("proxy", proxyScript, { ORIGIN_URL: originUrl, RUNG: "4" }),
      ],
    }),
  );
  try {
    await mf.ready;
    const kv = await mf.getKVNamespace("ROUTING", "router");
    for (const doc of streamDocuments(originPort)) {
      await kv.put(documentKey(doc.service), JSON.stringify(doc));
    }
    const direct = async (name: string) => (await mf.unsafeGetDirectURL(name)).origin;
    const routerShadowUrl = await direct("router-shadow");
    return {
      routerUrl: await direct("router"),
      routerShadowUrl,
      passthroughUrl: await direct("passthrough"),
      proxyUrl: await direct("proxy"),
      shadowViews: async () => {
        const res = await fetch(
          `${routerShadowUrl}/_router/admin/services/${SHADOW_SERVICE}/shadow`,
          { headers: { authorization: `Bearer ${ROUTER_BINDINGS.ADMIN_TOKEN}` } },
        );
        if (!res.ok) throw new Error(`shadow view of ${SHADOW_SERVICE}: HTTP ${res.status}`);
        return ((await res.json()) as { shadows: { pairs?: number }[] }).shadows;
      },
      dispose: () => mf.dispose(),
    };
  } catch (err) {
    await mf.dispose();
    throw err;
  }
}
