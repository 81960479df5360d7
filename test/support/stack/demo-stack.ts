/**
 * The demo on one machine without `wrangler dev`: the demo model origins,
 * the router in Miniflare seeded with the demo routing documents (and any
 * others given), and demo traffic flowing. For the dashboard's screenshots
 * (scripts/tools/screenshots.ts) and its browser tests (test/browser/).
 *
 * Layer: shared test support (test/support/stack/): a tool (the
 * screenshots) starts it as the tests do.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../../scripts/cli/wrangler.ts";
import { DEMO_ORIGINS_PORT, demoDocuments, demoModels } from "./demo-models.ts";
import { type OriginModel, startDemoOrigins } from "./demo-origins.ts";
import { type DemoTraffic, startDemoTraffic } from "./demo-traffic.ts";
import { startLocalRouter } from "./local-router.ts";
import { ROUTER_BINDINGS } from "./router-worker.ts";

export interface DemoStackOptions {
  /** Router bindings on top of the local router's (test/support/stack/router-worker.ts). */
  bindings?: Record<string, string>;
  /** More models for the origin server, and documents that use them (`{{origins}}` in a URL is the server). */
  models?: Record<string, OriginModel>;
  documents?: Record<string, unknown>[];
  /** Traffic per second to each service (0: none; default: the demo's rates, demoRequestsPerSecond, and 4 for other services). */
  perSecond?: number;
  quiet?: boolean;
}

export interface DemoStack {
  url: string;
  adminToken: string;
  services: string[];
  traffic: DemoTraffic | null;
  /** The admin API, as JSON. */
  admin: <T = Record<string, unknown>>(path: string, init?: RequestInit) => Promise<T>;
  dispose: () => Promise<void>;
}

export async function startDemoStack(options: DemoStackOptions = {}): Promise<DemoStack> {
  const origins = await startDemoOrigins({ ...demoModels, ...options.models }, { port: 0 });
  const base = `http://127.0.0.1:${origins.port}`;
  const seed: Record<string, string> = {};
  for (const service of demoDocuments) {
    const text = readFileSync(join(ROOT, "scripts", "demo", `${service}.json`), "utf8");
    const doc = JSON.parse(text.replaceAll(`http://127.0.0.1:${DEMO_ORIGINS_PORT}`, base));
    doc.updatedAt = new Date().toISOString();
    seed[`service:${service}`] = JSON.stringify(doc);
  }
  for (const doc of options.documents ?? []) {
    const text = JSON.stringify(doc).replaceAll("{{origins}}", base);
    seed[`service:${(doc as { service: string }).service}`] = text;
  }
  const adminToken = options.bindings?.ADMIN_TOKEN ?? "local-admin-token-at-least-32-bytes";
  const router = await startLocalRouter({
    bindings: { ADMIN_TOKEN: adminToken, ...options.bindings },
    seed,
    quiet: options.quiet ?? true,
  });
  const services = Object.keys(seed).map((k) => k.slice("service:".length));
  const perSecond = options.perSecond;
  // Outcomes go back with the router's own OUTCOMES_TOKEN (test/support/stack/router-worker.ts).
  const outcomesToken = options.bindings?.OUTCOMES_TOKEN ?? ROUTER_BINDINGS.OUTCOMES_TOKEN ?? null;
  const traffic =
    perSecond === 0
      ? null
      : startDemoTraffic({ url: router.url, services, perSecond, log: false, outcomesToken });
  return {
    url: router.url,
    adminToken,
    services,
    traffic,
    admin: async <T>(path: string, init: RequestInit = {}) => {
      const res = await fetch(`${router.url}/_router/admin${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${adminToken}`,
          "content-type": "application/json",
          ...init.headers,
        },
      });
      const body = (await res.json()) as T;
      if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
      return body;
    },
    dispose: async () => {
      await traffic?.stop();
      await router.dispose();
      await origins.close();
    },
  };
}
