/**
 * The router in one workerd through Miniflare, reachable over real HTTP, for
 * Node tests that must send what a Worker's own fetch() cannot (a GET with a
 * body, raw framing) or that drive the router from outside (the CLI against
 * the admin API): the same bundle and bindings the benchmarks use.
 *
 * With `persistTo`, KV lives in that directory exactly where
 * `wrangler kv --local --persist-to <dir>` keeps it (`<dir>/v3`, the
 * namespace id of wrangler.toml), so the CLI's --direct mode and the router
 * share one local KV, as `npm start` and `wrangler kv --local` do.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { bundleWorker, ROUTER_BINDINGS, routerWorker } from "../../scripts/lib/router-worker.ts";
import { ROOT } from "../../scripts/lib/wrangler.ts";
import { documentKey } from "../../src/document/kv-keys.ts";

export interface MiniflareRouter {
  url: string;
  kv: KVNamespace;
  /** The router's ADMIN_TOKEN and OVERRIDE_TOKEN bindings. */
  adminToken: string;
  overrideToken: string;
  put: (doc: { service: string }) => Promise<void>;
  dispose: () => Promise<void>;
}

export interface MiniflareRouterOptions {
  /** Keep KV in this local state directory, shared with `wrangler kv --local --persist-to`. */
  persistTo?: string;
}

/** The ROUTING namespace id in wrangler.toml: what `wrangler kv --local` names its local store. */
const WRANGLER_KV_ID = "00000000000000000000000000000000";
let bundles = 0;

export async function startMiniflareRouter(
  bindings: Record<string, string> = {},
  options: MiniflareRouterOptions = {},
): Promise<MiniflareRouter> {
  // One bundle per router: test files start routers in parallel.
  const outfile = join(ROOT, ".wrangler", "test", `router-${process.pid}-${++bundles}.js`);
  const script = await bundleWorker("src/index.ts", outfile);
  const worker = routerWorker(script, {
    CONFIG_MEMO_TTL_MS: "0",
    METRICS_FLUSH_MS: "0",
    ...bindings,
  });
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      ...(options.persistTo ? { resourcePersistencePath: join(options.persistTo, "v3") } : {}),
      workers: [
        options.persistTo ? { ...worker, kvNamespaces: { ROUTING: WRANGLER_KV_ID } } : worker,
      ],
    }),
  );
  await mf.ready;
  const kv = (await mf.getKVNamespace("ROUTING", "router")) as unknown as KVNamespace;
  const url = (await mf.unsafeGetDirectURL("router")).origin;
  const merged = { ...ROUTER_BINDINGS, ...bindings };
  return {
    url,
    kv,
    adminToken: merged.ADMIN_TOKEN ?? "",
    overrideToken: merged.OVERRIDE_TOKEN ?? "",
    put: (doc) => kv.put(documentKey(doc.service), JSON.stringify(doc)),
    dispose: async () => {
      await mf.dispose();
      await rm(outfile, { force: true });
    },
  };
}
