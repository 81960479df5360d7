/**
 * The local router (test/support/stack/local-router.ts) as Node tests use it: the
 * memo and the metrics flush off (every request reads KV, every metric is
 * written at once), reachable over real HTTP, for tests that must send what
 * a Worker's own fetch() cannot (a GET with a body, raw framing) or that
 * drive the router from outside (the CLI against the admin API).
 */
import { documentKey } from "../../src/document/kv-keys.ts";
import { type LocalRouterOptions, startLocalRouter } from "./stack/local-router.ts";
import { ROUTER_BINDINGS } from "./stack/router-worker.ts";

export interface MiniflareRouter {
  url: string;
  kv: KVNamespace;
  /** The router's ADMIN_TOKEN and OVERRIDE_TOKEN bindings. */
  adminToken: string;
  overrideToken: string;
  put: (doc: { service: string }) => Promise<void>;
  dispose: () => Promise<void>;
}

export type MiniflareRouterOptions = Pick<LocalRouterOptions, "persistTo">;

export async function startMiniflareRouter(
  bindings: Record<string, string> = {},
  options: MiniflareRouterOptions = {},
): Promise<MiniflareRouter> {
  const merged: Record<string, string> = {
    ...ROUTER_BINDINGS,
    CONFIG_MEMO_TTL_MS: "0",
    METRICS_FLUSH_MS: "0",
    ...bindings,
  };
  const router = await startLocalRouter({ bindings: merged, ...options });
  return {
    url: router.url,
    kv: router.kv,
    adminToken: merged.ADMIN_TOKEN ?? "",
    overrideToken: merged.OVERRIDE_TOKEN ?? "",
    put: (doc) => router.kv.put(documentKey(doc.service), JSON.stringify(doc)),
    dispose: router.dispose,
  };
}
