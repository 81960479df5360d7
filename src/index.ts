/**
 * Composition root: builds the per-isolate dependencies from the Worker's
 * bindings and hands them to the Hono app.
 *
 * Layer: composition root, the only module that reads Env: it builds the
 * adapters (one per binding) and hands them, as ports, to the request path,
 * the admin API and the analyzer. The routing store (and its memo) and the
 * metrics recorder live for the life of the isolate, so steady-state
 * requests read no KV. The scheduled handler (Cron Trigger) runs the
 * rollout analyzer.
 */
import { webhookNotifier } from "./adapters/fetch/webhook-notifier.ts";
import { KvMetricsRecorder, readVersionMetrics } from "./adapters/kv/metrics-store.ts";
import { readRolloutStatus, writeRolloutStatus } from "./adapters/kv/rollout-status-store.ts";
import { KvRoutingStore } from "./adapters/kv/routing-store.ts";
import { KvServiceStore } from "./adapters/kv/service-store.ts";
import { KvShadowLog } from "./adapters/kv/shadow-log.ts";
import { readShadowView } from "./adapters/kv/shadow-view-store.ts";
import type { AnalyzerContext } from "./app/rollout/analyzer.ts";
import { runAnalyzer } from "./app/rollout/run-analyzer.ts";
import type { RouterDeps } from "./app/route/route-request.ts";
import { dict } from "./core/dict.ts";
import type { HostMap } from "./core/routing/service-match.ts";
import { createApp, type Deps } from "./http/app.ts";
import type { AdminDeps } from "./http/routes/admin.ts";
import type { WaitUntil } from "./ports.ts";

let built: { env: Env; key: string; kv: KVNamespace; deps: Deps } | null = null;

/** The per-isolate dependencies for this environment (rebuilt only when a var or binding changes). */
export function depsFor(env: Env): Deps {
  // The runtime hands every request of an isolate the same env object: no
  // key to build per request then.
  if (built?.env === env) return built.deps;
  const key = `${env.CONFIG_MEMO_TTL_MS}|${env.KV_CACHE_TTL_SECONDS}|${env.METRICS_FLUSH_MS}|${env.HOST_SERVICES}|${env.OVERRIDE_TOKEN}|${env.JWT_SECRET}|${env.ADMIN_TOKEN}|${env.ROLLOUT_WEBHOOK_URL}`;
  if (built && built.key === key && built.kv === env.ROUTING) {
    built.env = env;
    return built.deps;
  }
  const router: RouterDeps = {
    store: new KvRoutingStore(env.ROUTING, {
      memoTtlMs: numberVar(env.CONFIG_MEMO_TTL_MS, 5_000),
      cacheTtlSeconds: Math.max(30, numberVar(env.KV_CACHE_TTL_SECONDS, 30)),
    }),
    hosts: parseHostMap(env.HOST_SERVICES),
    events: env.ROUTER_EVENTS,
    overrideToken: env.OVERRIDE_TOKEN,
    jwtSecret: env.JWT_SECRET,
    shadow: { log: new KvShadowLog(env.ROUTING), events: env.ROUTER_EVENTS, random: Math.random },
    metrics: new KvMetricsRecorder(env.ROUTING, {
      flushMs: numberVar(env.METRICS_FLUSH_MS, 10_000),
    }),
  };
  const kv = env.ROUTING;
  const ports = {
    services: new KvServiceStore(kv),
    rollouts: {
      read: (service: string) => readRolloutStatus(kv, service),
      write: (service: string, status: Parameters<typeof writeRolloutStatus>[2]) =>
        writeRolloutStatus(kv, service, status),
    },
    metrics: {
      read: (doc: Parameters<typeof readVersionMetrics>[1]) => readVersionMetrics(kv, doc),
    },
    shadowViews: { read: (doc: Parameters<typeof readShadowView>[1]) => readShadowView(kv, doc) },
  };
  const notify = webhookNotifier(env.ROLLOUT_WEBHOOK_URL);
  const analyzer = (now: number, waitUntil: WaitUntil): AnalyzerContext => ({
    ...ports,
    now,
    notify,
    waitUntil,
  });
  const admin: AdminDeps = {
    ...ports,
    adminToken: env.ADMIN_TOKEN,
    analyzer,
    afterWrite: () => router.store.clear(),
  };
  const deps: Deps = { router, admin };
  built = { env, key, kv, deps };
  return deps;
}

function numberVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
}

function parseHostMap(value: string | undefined): HostMap {
  if (!value) return {};
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      return dict(
        Object.fromEntries(
          Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"),
        ),
      );
    }
  } catch {}
  console.error(JSON.stringify({ message: "HOST_SERVICES is not a JSON object; ignoring it" }));
  return {};
}

const app = createApp(depsFor);

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    const { analyzer } = depsFor(env).admin;
    ctx.waitUntil(runAnalyzer(analyzer(controller.scheduledTime, (p) => ctx.waitUntil(p))));
  },
} satisfies ExportedHandler<Env>;
