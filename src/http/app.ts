/**
 * The Worker's fetch handler: a model request goes straight to the request
 * path (routeRequest); the router's own endpoints under `/_router/`
 * (health; the admin API under `/_router/admin/`, see src/http/routes/; the
 * dashboard) are a Hono application.
 *
 * Layer: HTTP edge. Hono stays off the model path: its context, routing and
 * response wrapping cost ~6 µs of workerd CPU per request (measured by
 * `npm run bench`, docs/performance.md), and that path has one route. Both
 * render errors with errorResponse (error-response.ts).
 */
import { Hono } from "hono";
import { type RouterDeps, routeRequest } from "../app/route/route-request.ts";
import { isRouterPath, splitRequestUrl } from "../core/routing/request-url.ts";
import type { SessionStore } from "../ports/session-store.ts";
import type { AccessConfig } from "./dashboard/access.ts";
import { dashboardRoutes } from "./dashboard/routes.ts";
import { errorResponse } from "./error-response.ts";
import { type AdminDeps, adminRoutes } from "./routes/admin.ts";
import { HEALTH_ROUTE } from "./routes/health.ts";
import { OUTCOMES_ROUTE, type OutcomeDeps } from "./routes/outcomes.ts";
import { mountRoutes } from "./routes/route-def.ts";

/** Everything the HTTP layer hands to use cases, built per environment by src/index.ts. */
export interface Deps {
  router: RouterDeps;
  admin: AdminDeps;
  /** Cloudflare Access in front of /_router/ (ACCESS_TEAM_DOMAIN and ACCESS_AUD set), else null. */
  access?: AccessConfig | null;
  /** The dashboard's sessions, kept server-side. */
  sessions: SessionStore;
  /** Outcome ingestion (POST /_router/outcomes). */
  outcomes: OutcomeDeps;
}

export type DepsFactory = (env: Env) => Deps;

/** A year; not includeSubDomains (other hosts of the zone are not the router's to decide). */
const HSTS = "max-age=31536000";

export function createApp(depsFor: DepsFactory): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();

  // The admin API and the dashboard carry tokens and session cookies: over
  // https, browsers are told to never use plain http for this host again.
  app.use("/_router/*", async (c, next) => {
    await next();
    if (c.req.url.startsWith("https:")) c.header("strict-transport-security", HSTS);
  });

  mountRoutes(app, [HEALTH_ROUTE], depsFor);
  mountRoutes(app, [OUTCOMES_ROUTE], depsFor);

  app.route(
    "/_router/admin",
    adminRoutes((env) => depsFor(env).admin),
  );
  app.route("/_router/dashboard", dashboardRoutes(depsFor));

  // `/_router` paths no endpoint claims are routed like any other (and
  // refused: no service is named `_router`).
  app.all("*", (c) =>
    routeRequest(c.req.raw, depsFor(c.env).router, (p) => c.executionCtx.waitUntil(p)),
  );

  app.onError((err) => errorResponse(err));

  return app;
}

/** The Worker's fetch handler: model requests without Hono, `/_router/` through it. */
export function createFetchHandler(
  depsFor: DepsFactory,
): (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response> {
  const app = createApp(depsFor);
  return async (request, env, ctx) => {
    const url = splitRequestUrl(request.url);
    if (isRouterPath(url.pathname)) return await app.fetch(request, env, ctx);
    try {
      return await routeRequest(request, depsFor(env).router, (p) => ctx.waitUntil(p), url);
    } catch (err) {
      return errorResponse(err);
    }
  };
}
