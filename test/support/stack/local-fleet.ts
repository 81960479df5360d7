/**
 * Many router isolates and one control plane, for real, in one workerd:
 * Miniflare serves a "control" worker (the router's own bundle, which
 * declares the ServiceControl and LocationAggregator Durable Object
 * namespaces, SQLite-backed) and N router workers (the same bundle, separate isolates: module state is
 * not shared) that bind that namespace with `scriptName: "control"`. All
 * share one ROUTING KV namespace. Each router has its own direct socket, so
 * a client can talk to every isolate apart, as the edge's locations would.
 *
 * Used by the multi-isolate tests (test/scripts/control-fleet.test.ts), the
 * control-plane benchmark (scripts/bench/control-plane.ts) and anything
 * that must show a change reaching every isolate.
 *
 * Layer: shared test support (test/support/stack/): a benchmark starts it
 * as the tests do.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from "miniflare";
import { ROOT } from "../../../scripts/cli/wrangler.ts";
import { bundleWorker, ROUTER_BINDINGS, ROUTER_RATELIMITS } from "./router-worker.ts";

export interface LocalFleet {
  /** One base URL per router isolate. */
  urls: string[];
  /** The control worker's URL (it serves the router too; the admin API works there). */
  controlUrl: string;
  kv: KVNamespace;
  adminToken: string;
  /** The direct URL of any worker of the fleet (e.g. an extra worker). */
  workerUrl: (name: string) => Promise<string>;
  dispose: () => Promise<void>;
}

export interface LocalFleetOptions {
  routers: number;
  bindings?: Record<string, string>;
  seed?: Record<string, string>;
  quiet?: boolean;
  /** Extra workers in the same workerd (e.g. a load generator binding CONTROL). */
  extraWorkers?: Record<string, unknown>[];
  /** Vars of router i (0-based) on top of `bindings`, e.g. its LOCATION. */
  routerBindings?: (i: number) => Record<string, string>;
}

let bundles = 0;

export async function startLocalFleet(options: LocalFleetOptions): Promise<LocalFleet> {
  const outfile = join(ROOT, ".wrangler", "local-fleet", `router-${process.pid}-${++bundles}.js`);
  const scriptPath = await bundleWorker("src/index.ts", outfile);
  const bindings = { ...ROUTER_BINDINGS, ...options.bindings };
  const common = {
    modules: true,
    scriptPath,
    compatibilityDate: "2026-11-01",
    kvNamespaces: { ROUTING: "routing" },
    analyticsEngineDatasets: { ROUTER_EVENTS: { dataset: "model_router_events" } },
    bindings,
    ratelimits: ROUTER_RATELIMITS,
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  };
  const routerNames = Array.from({ length: options.routers }, (_, i) => `router-${i + 1}`);
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      ...(options.quiet ? { log: new NoOpLog(), handleStructuredLogs: () => {} } : {}),
      workers: [
        {
          ...common,
          name: "control",
          durableObjects: {
            CONTROL: { className: "ServiceControl", useSQLite: true },
            SESSIONS: { className: "DashboardSessions", useSQLite: true },
            AGGREGATORS: { className: "LocationAggregator", useSQLite: true },
          },
        },
        ...routerNames.map((name, i) => ({
          ...common,
          name,
          bindings: { ...bindings, ...options.routerBindings?.(i) },
          durableObjects: {
            CONTROL: { className: "ServiceControl", scriptName: "control" },
            SESSIONS: { className: "DashboardSessions", scriptName: "control" },
            AGGREGATORS: { className: "LocationAggregator", scriptName: "control" },
          },
        })),
        ...(options.extraWorkers ?? []),
      ],
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
  await mf.ready;
  const kv = (await mf.getKVNamespace("ROUTING", "control")) as unknown as KVNamespace;
  for (const [key, value] of Object.entries(options.seed ?? {})) await kv.put(key, value);
  const urls = await Promise.all(
    routerNames.map(async (name) => (await mf.unsafeGetDirectURL(name)).origin),
  );
  return {
    urls,
    controlUrl: (await mf.unsafeGetDirectURL("control")).origin,
    kv,
    adminToken: bindings.ADMIN_TOKEN ?? "",
    workerUrl: async (name) => (await mf.unsafeGetDirectURL(name)).origin,
    dispose: async () => {
      await mf.dispose();
      await rm(outfile, { force: true });
    },
  };
}
