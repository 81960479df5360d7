/**
 * Composition root: builds the per-isolate dependencies from the Worker's
 * bindings and hands them to the Hono app.
 *
 * Layer: entry point. The routing store (and its memo) and the metrics
 * recorder live for the life of the isolate, so steady-state requests read
 * no KV. The scheduled handler (Cron Trigger) runs the rollout analyzer.
 */
import { KvMetricsRecorder } from "./adapters/kv/metrics-store.ts";
import { KvRoutingStore } from "./adapters/kv/routing-store.ts";
import { KvShadowLog } from "./adapters/kv/shadow-log.ts";
import { analyzerContext, runAnalyzer } from "./app/rollout/run-analyzer.ts";
import type { RouterDeps } from "./app/route/route-request.ts";
import { dict } from "./core/dict.ts";
import type { HostMap } from "./core/routing/service-match.ts";
import { createApp } from "./http/app.ts";

let built: { key: string; kv: KVNamespace; deps: RouterDeps } | null = null;

function depsFor(env: Env): RouterDeps {
  const key = `${env.CONFIG_MEMO_TTL_MS}|${env.KV_CACHE_TTL_SECONDS}|${env.METRICS_FLUSH_MS}|${env.HOST_SERVICES}|${env.OVERRIDE_TOKEN}|${env.JWT_SECRET}`;
  if (built && built.key === key && built.kv === env.ROUTING) return built.deps;
  const deps: RouterDeps = {
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
  built = { key, kv: env.ROUTING, deps };
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
    ctx.waitUntil(
      runAnalyzer(analyzerContext(env, controller.scheduledTime, (p) => ctx.waitUntil(p))),
    );
  },
} satisfies ExportedHandler<Env>;
