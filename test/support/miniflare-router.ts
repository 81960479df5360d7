/**
 * The router in one workerd through Miniflare, reachable over real HTTP, for
 * Node tests that must send what a Worker's own fetch() cannot (a GET with a
 * body, raw framing): the same bundle and bindings the benchmarks use.
 */
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { bundleWorker, routerWorker } from "../../scripts/lib/router-worker.ts";
import { ROOT } from "../../scripts/lib/wrangler.ts";
import { documentKey } from "../../src/document/kv-keys.ts";

export interface MiniflareRouter {
  url: string;
  kv: KVNamespace;
  put: (doc: { service: string }) => Promise<void>;
  dispose: () => Promise<void>;
}

export async function startMiniflareRouter(
  bindings: Record<string, string> = {},
): Promise<MiniflareRouter> {
  const script = await bundleWorker("src/index.ts", join(ROOT, ".wrangler", "test", "router.js"));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      workers: [
        routerWorker(script, { CONFIG_MEMO_TTL_MS: "0", METRICS_FLUSH_MS: "0", ...bindings }),
      ],
    }),
  );
  await mf.ready;
  const kv = (await mf.getKVNamespace("ROUTING", "router")) as unknown as KVNamespace;
  const url = (await mf.unsafeGetDirectURL("router")).origin;
  return {
    url,
    kv,
    put: (doc) => kv.put(documentKey(doc.service), JSON.stringify(doc)),
    dispose: () => mf.dispose(),
  };
}
