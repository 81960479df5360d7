/**
 * The router in Miniflare (workerd) directly, for Node tests and scripts that
 * need a real local router without `wrangler dev`: the rollout simulation,
 * the CLI tests, the hostile-client tests. Bundles src/index.ts with esbuild
 * (one bundle per router, so routers can start in parallel), seeds the
 * ROUTING KV namespace, and exposes the URL and the KV namespace. The
 * worker declares the control objects itself (one Durable Object namespace,
 * SQLite-backed, persisted with KV under `persistTo`).
 *
 * With `persistTo`, KV lives in that directory exactly where
 * `wrangler kv --local --persist-to <dir>` keeps it (`<dir>/v3`, under the
 * namespace id of wrangler.toml), so the CLI's --direct mode and the router
 * share one local KV, as `npm start` and `wrangler kv --local` do.
 *
 * Layer: shared test support (test/support/stack/): the rollout simulation
 * and the screenshots start it as the tests do. It serves the dashboard's
 * files built by scripts/tools/dashboard-vendor.ts, as wrangler's [build]
 * does before `wrangler dev`.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from "miniflare";
import { ROOT } from "../../../scripts/cli/wrangler.ts";
import { miniflareAssets } from "../../../scripts/tools/dashboard-vendor.ts";
import { bundleWorker, routerWorker } from "./router-worker.ts";

export interface LocalRouter {
  url: string;
  kv: KVNamespace;
  dispose: () => Promise<void>;
}

export interface LocalRouterOptions {
  bindings?: Record<string, string>;
  seed?: Record<string, string>;
  /** Drop the Worker's console output. */
  quiet?: boolean;
  /** Keep KV in this local state directory, shared with `wrangler kv --local --persist-to`. */
  persistTo?: string;
}

/** The ROUTING namespace id in wrangler.toml: what `wrangler kv --local` names its local store. */
const WRANGLER_KV_ID = "00000000000000000000000000000000";
let bundles = 0;

export async function startLocalRouter(options: LocalRouterOptions = {}): Promise<LocalRouter> {
  const outfile = join(ROOT, ".wrangler", "local-router", `router-${process.pid}-${++bundles}.js`);
  const scriptPath = await bundleWorker("src/index.ts", outfile);
  // The dashboard's static files in front, as wrangler.toml serves them.
  const worker = { ...routerWorker(scriptPath, options.bindings), assets: miniflareAssets() };
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      ...(options.quiet ? { log: new NoOpLog(), handleStructuredLogs: () => {} } : {}),
      ...(options.persistTo ? { resourcePersistencePath: join(options.persistTo, "v3") } : {}),
      workers: [
        options.persistTo ? { ...worker, kvNamespaces: { ROUTING: WRANGLER_KV_ID } } : worker,
      ],
    }),
  );
  await mf.ready;
  const kv = (await mf.getKVNamespace("ROUTING", "router")) as unknown as KVNamespace;
  for (const [key, value] of Object.entries(options.seed ?? {})) await kv.put(key, value);
  return {
    url: (await mf.unsafeGetDirectURL("router")).origin,
    kv,
    dispose: async () => {
      await mf.dispose();
      await rm(outfile, { force: true });
    },
  };
}
