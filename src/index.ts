/**
 * Composition root: builds the per-isolate dependencies from the Worker's
 * bindings and hands them to the Hono app.
 *
 * Layer: composition root, the only module that reads Env (besides the
 * control object's own vars, src/control/tuning.ts): it builds the adapters
 * (one per binding) and hands them, as ports, to the request path and the
 * admin API and the dashboard, and exports the Durable Object classes
 * (the service control objects, the dashboard's sessions). The routing store and
 * the check-in link live for the life of the isolate: steady-state
 * requests read no KV and write none; the link keeps the documents
 * current and carries the metrics to each service's control object, which
 * runs the rollout analyzer on its alarm (no Cron Trigger).
 */
import { analyticsEvents } from "./adapters/analytics/router-events.ts";
import { hmacReceipts } from "./adapters/crypto/hmac-receipts.ts";
import { CheckInLink } from "./adapters/durable-object/check-in-link.ts";
import { ControlServiceStore, controlReaders } from "./adapters/durable-object/control-client.ts";
import { DurableObjectSessionStore } from "./adapters/durable-object/session-client.ts";
import { callOrigin } from "./adapters/fetch/origin-client.ts";
import { shadowClient } from "./adapters/fetch/shadow-client.ts";
import { KvRoutingStore } from "./adapters/kv/routing-store.ts";
import { AuthFailureLimiter } from "./adapters/ratelimit/auth-failures.ts";
import { ControlUnavailableError, SessionsUnavailableError } from "./app/errors.ts";
import type { RouterDeps } from "./app/route/route-request.ts";
import { checkInMs, numberVar } from "./control/tuning.ts";
import { ADMIN_TOKEN_MESSAGES, adminTokenProblem } from "./core/admin-token.ts";
import { dict } from "./core/dict.ts";
import { OUTCOME_LIMITS } from "./core/outcomes/outcome-batch.ts";
import type { HostMap } from "./core/routing/service-match.ts";
import { documentText } from "./document/edits/stored-service.ts";
import { createFetchHandler, type Deps } from "./http/app.ts";
import type { AdminDeps } from "./http/routes/request-params.ts";

export { DashboardSessions } from "./control/dashboard-sessions.ts";
export { LocationAggregator } from "./control/location-aggregator.ts";
export { ServiceControl } from "./control/service-control.ts";

interface Built {
  env: Env;
  key: string;
  bindings: readonly unknown[];
  deps: Deps;
  link: CheckInLink;
}
let built: Built | null = null;
/** The ADMIN_TOKEN problem this isolate has logged (once). */
let loggedTokenProblem: string | null = null;

/** The per-isolate dependencies for this environment (rebuilt only when a var or binding changes). */
export function depsFor(env: Env): Deps {
  // The runtime hands every request of an isolate the same env object: no
  // key to build per request then.
  if (built?.env === env) return built.deps;
  const key = `${env.CONFIG_MEMO_TTL_MS}|${env.KV_CACHE_TTL_SECONDS}|${env.CHECKIN_INTERVAL_MS}|${env.HOST_SERVICES}|${env.OVERRIDE_TOKEN}|${env.JWT_SECRET}|${env.ADMIN_TOKEN}|${env.ROLLOUT_WEBHOOK_URL}|${env.ACCESS_TEAM_DOMAIN}|${env.ACCESS_AUD}|${env.RECEIPT_SECRET}|${env.OUTCOMES_TOKEN}|${env.OUTCOME_WINDOW_DAYS}|${env.LOCATION}`;
  const bindings = [env.ROUTING, env.SESSIONS, env.AUTH_FAILURES, env.AGGREGATORS];
  if (built && built.key === key && built.bindings.every((b, i) => b === bindings[i])) {
    built.env = env;
    return built.deps;
  }
  const store = new KvRoutingStore(env.ROUTING, {
    memoTtlMs: numberVar(env.CONFIG_MEMO_TTL_MS, 5_000),
    cacheTtlSeconds: Math.max(30, numberVar(env.KV_CACHE_TTL_SECONDS, 30)),
  });
  const link = new CheckInLink(env.CONTROL, store, {
    intervalMs: checkInMs(env),
    aggregators: env.AGGREGATORS ?? null,
    location: env.LOCATION || null,
  });
  const hosts = parseHostMap(env.HOST_SERVICES);
  const receipts = hmacReceipts(env.RECEIPT_SECRET);
  const events = analyticsEvents(env.ROUTER_EVENTS);
  const router: RouterDeps = {
    store,
    hosts,
    callOrigin,
    events,
    overrideToken: env.OVERRIDE_TOKEN,
    jwtSecret: env.JWT_SECRET,
    shadow: { log: link, events, client: shadowClient, random: Math.random },
    metrics: link,
    checkIns: link,
    receipts,
  };
  const readers = controlReaders(env.CONTROL, ControlUnavailableError);
  const admin: AdminDeps = {
    authThrottle: new AuthFailureLimiter(env.AUTH_FAILURES),
    services: new ControlServiceStore(env.CONTROL, env.ROUTING, ControlUnavailableError),
    rollouts: readers.rollouts,
    metrics: readers.metrics,
    shadowViews: readers.shadowViews,
    control: readers,
    controlPlane: readers,
    adminToken: env.ADMIN_TOKEN,
    afterWrite: (service, doc) => store.offer(service, documentText(doc), Date.now()),
    serviceHosts: Object.keys(hosts),
    outcomes: readers.outcomes,
  };
  const access =
    env.ACCESS_TEAM_DOMAIN && env.ACCESS_AUD
      ? { teamDomain: env.ACCESS_TEAM_DOMAIN, audience: env.ACCESS_AUD }
      : null;
  const deps: Deps = {
    router,
    admin,
    access,
    sessions: new DurableObjectSessionStore(env.SESSIONS, SessionsUnavailableError),
    outcomes: {
      outcomesToken: env.OUTCOMES_TOKEN,
      signer: receipts,
      sink: readers.outcomes,
      windowMs: numberVar(env.OUTCOME_WINDOW_DAYS, OUTCOME_LIMITS.windowDays) * 86_400_000,
      authThrottle: admin.authThrottle,
    },
  };
  built = { env, key, bindings, deps, link };
  logTokenProblem(env.ADMIN_TOKEN);
  return deps;
}

/** An ADMIN_TOKEN under 32 bytes closes the admin surfaces: say so in the log, once per isolate. */
function logTokenProblem(token: string | undefined): void {
  const problem = adminTokenProblem(token);
  if (problem !== "admin_token_too_short" || loggedTokenProblem === problem) return;
  loggedTokenProblem = problem;
  console.error(JSON.stringify({ message: ADMIN_TOKEN_MESSAGES[problem], error: problem }));
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

const handle = createFetchHandler(depsFor);

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const response = handle(request, env, ctx);
    // Fan-in groups isolates by location: the first request's colo is this isolate's.
    if (!env.LOCATION) built?.link.locate((request.cf as { colo?: string } | undefined)?.colo);
    return response;
  },
};
