/**
 * The Hono application: the router's own endpoints under `/_router/`
 * (health; the admin API under `/_router/admin/`, see src/http/routes/), and
 * every other request routed to a model service.
 *
 * Layer: HTTP edge. One error handler renders RouterError (src/app/errors.ts) as JSON and hides
 * everything else behind a generic 500.
 */
import { Hono } from "hono";
import { ControlUnavailableError } from "../adapters/durable-object/control-client.ts";
import { RouterError } from "../app/errors.ts";
import { type RouterDeps, routeRequest } from "../app/route/route-request.ts";
import type { AccessConfig } from "./dashboard/access.ts";
import { dashboardRoutes } from "./dashboard/routes.ts";
import { type AdminDeps, adminRoutes } from "./routes/admin.ts";

/** Everything the HTTP layer hands to use cases, built per environment by src/index.ts. */
export interface Deps {
  router: RouterDeps;
  admin: AdminDeps;
  /** Cloudflare Access in front of /_router/ (ACCESS_TEAM_DOMAIN and ACCESS_AUD set), else null. */
  access?: AccessConfig | null;
}

export type DepsFactory = (env: Env) => Deps;

export function createApp(depsFor: DepsFactory): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();

  app.get("/_router/health", (c) => {
    const { store, checkIns } = depsFor(c.env).router;
    return c.json({ ok: true, store: store.stats(), control: checkIns?.stats() ?? null });
  });

  app.route(
    "/_router/admin",
    adminRoutes((env) => depsFor(env).admin),
  );
  app.route("/_router/dashboard", dashboardRoutes(depsFor));

  app.all("*", (c) =>
    routeRequest(c.req.raw, depsFor(c.env).router, (p) => c.executionCtx.waitUntil(p)),
  );

  app.onError((err, c) => {
    if (err instanceof RouterError) return c.json(err.toJSON(), err.status);
    if (err instanceof ControlUnavailableError) {
      console.error(JSON.stringify({ message: err.message, service: err.service }));
      return c.json(
        {
          error: "control_plane_unavailable",
          message: `${err.message}. Requests keep being served by the document each isolate holds. A write may or may not have landed: check the service's status before retrying. To change routing now, write KV directly: npm run router -- <command> --direct --remote`,
          service: err.service,
        },
        503,
      );
    }
    console.error(JSON.stringify({ message: "unhandled router error", error: String(err) }));
    return c.json(
      { error: "internal_error", message: "the router failed to handle this request" },
      500,
    );
  });

  return app;
}
