/**
 * The router in Miniflare (workerd) directly, for scripts that need a real
 * local router without `wrangler dev`: the rollout simulation (and, later,
 * the benchmarks). Bundles src/index.ts with esbuild, seeds the ROUTING KV
 * namespace, and exposes the URL, the KV namespace and the scheduled handler.
 *
 * Layer: script support.
 */
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from "miniflare";
import { bundleWorker, routerWorker } from "./router-worker.ts";
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
  const scriptPath = await bundleWorker(
    "src/index.ts",
    join(ROOT, ".wrangler", "local-router", "router.js"),
  );
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      ...(options.quiet ? { log: new NoOpLog(), handleStructuredLogs: () => {} } : {}),
      workers: [routerWorker(scriptPath, options.bindings)],
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
