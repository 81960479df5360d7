/**
 * The router in Miniflare (workerd) directly, for scripts that need a real
 * local router without `wrangler dev`: the rollout simulation (and, later,
 * the benchmarks). Bundles src/index.ts with esbuild, seeds the ROUTING KV
 * namespace, and exposes the URL, the KV namespace and the scheduled handler.
 *
 * Layer: script support.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from "miniflare";
import { ROOT } from "./wrangler.ts";

export interface LocalRouter {
  url: string;
  kv: KVNamespace;
  /** Runs the Worker's scheduled handler (the rollout analyzer) at `time`. */
  scheduled: (time: number) => Promise<void>;
  dispose: () => Promise<void>;
}

export async function startLocalRouter(options: {
  bindings?: Record<string, string>;
  seed?: Record<string, string>;
  /** Drop the Worker's console output. */
  quiet?: boolean;
}): Promise<LocalRouter> {
  const outDir = join(ROOT, ".wrangler", "local-router");
  await mkdir(outDir, { recursive: true });
  const scriptPath = join(outDir, "router.js");
  await build({
    entryPoints: [join(ROOT, "src/index.ts")],
    outfile: scriptPath,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    logLevel: "warning",
  });
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      ...(options.quiet ? { log: new NoOpLog(), handleStructuredLogs: () => {} } : {}),
      workers: [
        {
          name: "router",
          modules: true,
          scriptPath,
          compatibilityDate: "2026-11-01",
          kvNamespaces: { ROUTING: "routing" },
          analyticsEngineDatasets: { ROUTER_EVENTS: { dataset: "model_router_events" } },
          bindings: {
            CONFIG_MEMO_TTL_MS: "5000",
            KV_CACHE_TTL_SECONDS: "30",
            METRICS_FLUSH_MS: "10000",
            HOST_SERVICES: "{}",
            OVERRIDE_TOKEN: "local-override-token",
            ADMIN_TOKEN: "local-admin-token",
            JWT_SECRET: "local-jwt-secret",
            ROLLOUT_WEBHOOK_URL: "",
            ...options.bindings,
          },
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
      ],
    }),
  );
  await mf.ready;
  const kv = (await mf.getKVNamespace("ROUTING", "router")) as unknown as KVNamespace;
  for (const [key, value] of Object.entries(options.seed ?? {})) await kv.put(key, value);
  const worker = await mf.getWorker("router");
  return {
    url: (await mf.unsafeGetDirectURL("router")).origin,
    kv,
    scheduled: async (time) => {
      await worker.scheduled({ scheduledTime: new Date(time), cron: "* * * * *" });
    },
    dispose: () => mf.dispose(),
  };
}
