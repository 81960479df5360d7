/**
 * The router as a Miniflare worker for tests and scripts (benchmarks, the
 * rollout simulation): the esbuild bundle of a Worker entry and the router's worker
 * definition (bindings as in wrangler.toml, the control objects, the
 * dashboard's sessions, the failed-authentication limit, local secrets, a
 * direct socket).
 *
 * Layer: shared test support (test/support/stack/). Miniflare 5 takes a new options shape; these are
 * the v4-shaped worker options that `convertV4MiniflareOptions` converts,
 * the shape with per-worker direct sockets.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { build } from "esbuild";
import { ROOT } from "../../../scripts/cli/wrangler.ts";

/**
 * Bundles a Worker entry (path relative to the repository) to `outfile`.
 * `minify` as wrangler.toml deploys it (benchmarks: the isolate's heap holds
 * the script's source, 1 MB unminified vs 0.27 MB); off by default for
 * readable stack traces, and for bench:profile, which maps lines to modules.
 */
export async function bundleWorker(
  entry: string,
  outfile: string,
  options: { minify?: boolean } = {},
): Promise<string> {
  await mkdir(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*"],
    logLevel: "warning",
    minify: options.minify ?? false,
  });
  return outfile;
}

/** The router's vars as in wrangler.toml, plus local stand-ins for its secrets. */
export const ROUTER_BINDINGS: Readonly<Record<string, string>> = {
  CONFIG_MEMO_TTL_MS: "5000",
  KV_CACHE_TTL_SECONDS: "30",
  CHECKIN_INTERVAL_MS: "2000",
  HOST_SERVICES: "{}",
  OVERRIDE_TOKEN: "local-override-token",
  ADMIN_TOKEN: "local-admin-token-at-least-32-bytes",
  JWT_SECRET: "local-jwt-secret",
  RECEIPT_SECRET: "local-receipt-secret",
  OUTCOMES_TOKEN: "local-outcomes-token",
  ROLLOUT_WEBHOOK_URL: "",
};

/** The failed-authentication limit, as wrangler.toml's `[[ratelimits]]` declares it. */
export const ROUTER_RATELIMITS = {
  AUTH_FAILURES: { namespace_id: "1001", simple: { limit: 10, period: 60 as const } },
};

/** Miniflare (v4-shaped) options of the router worker, reachable on its own socket. */
export function routerWorker(scriptPath: string, bindings: Record<string, string> = {}) {
  return {
    name: "router",
    modules: true,
    scriptPath,
    compatibilityDate: "2026-11-01",
    kvNamespaces: { ROUTING: "routing" },
    analyticsEngineDatasets: { ROUTER_EVENTS: { dataset: "model_router_events" } },
    // The control objects (one per service), their location aggregators and the dashboard's sessions,
    // declared by this worker as wrangler.toml does; SQLite-backed.
    durableObjects: {
      CONTROL: { className: "ServiceControl", useSQLite: true },
      SESSIONS: { className: "DashboardSessions", useSQLite: true },
      AGGREGATORS: { className: "LocationAggregator", useSQLite: true },
    },
    ratelimits: ROUTER_RATELIMITS,
    bindings: { ...ROUTER_BINDINGS, ...bindings },
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  };
}
