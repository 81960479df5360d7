/**
 * The admin HTTP API, mounted at /_router/admin: its routes, each defined
 * once with its handler and its documentation (route-def.ts), in the order
 * the OpenAPI document lists them: GET /openapi.json (this API as OpenAPI
 * 3.1, built from the same definitions); reads of routing documents
 * (services.ts); writes, every one a named edit (writes.ts); progressive
 * delivery (rollout.ts); the service's control object (control.ts).
 *
 * Layer: HTTP edge (admin). Every route is behind adminAuth (bearer token,
 * 401/403). Writes go through the service's control object (a
 * compare-and-swap); this isolate routes by the new document at once,
 * every other isolate at its next check-in (about CHECKIN_INTERVAL_MS).
 */
import { Hono } from "hono";
import * as z from "../../document/zod.ts";
import { adminAuth } from "../middleware/admin-auth.ts";
import { CHALLENGER_ROUTE } from "./challengers.ts";
import { CONTROL_ROUTES } from "./control.ts";
import { HEALTH_ROUTE } from "./health.ts";
import { buildOpenApi, type Json } from "./openapi.ts";
import { OUTCOME_READ_ROUTE, OUTCOMES_ROUTE } from "./outcomes.ts";
import type { AdminDeps, AdminDepsFor, AdminEnv } from "./request-params.ts";
import { ROLLOUT_ROUTES } from "./rollout.ts";
import { type AdminRoute, documentedRoutes, mountRoutes, type RouteDef } from "./route-def.ts";
import { SERVICE_ROUTES } from "./services.ts";
import { WRITE_ROUTES } from "./writes.ts";

export type { AdminDeps, AdminDepsFor } from "./request-params.ts";

export const ADMIN_PREFIX = "/_router/admin";

const OPENAPI_ROUTE: RouteDef<AdminDeps> = {
  method: "get",
  path: "/openapi.json",
  docs: {
    operationId: "openapi",
    tag: "health",
    summary: "This document: the admin API as OpenAPI 3.1",
    ok: {
      description: "The OpenAPI document",
      schema: z.looseObject({ openapi: z.string() }),
    },
    errors: {},
  },
  handler: (c) => c.json(openApiDocument()),
};

const ADMIN_API: readonly RouteDef<AdminDeps>[] = [
  OPENAPI_ROUTE,
  ...SERVICE_ROUTES,
  ...WRITE_ROUTES,
  ...ROLLOUT_ROUTES,
  ...CONTROL_ROUTES,
  OUTCOME_READ_ROUTE,
  CHALLENGER_ROUTE,
];

/** Every documented operation: the public health check, then the admin API's. */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  ...documentedRoutes("", [HEALTH_ROUTE, OUTCOMES_ROUTE]),
  ...documentedRoutes(ADMIN_PREFIX, ADMIN_API),
];

let built: Json | null = null;

/** The OpenAPI document (the same object on every call; built once per isolate, on first use). */
export function openApiDocument(): Json {
  built ??= buildOpenApi(ADMIN_ROUTES);
  return built;
}

export function adminRoutes(depsFor: AdminDepsFor): Hono<AdminEnv> {
  const admin = new Hono<AdminEnv>();
  admin.use(
    "*",
    adminAuth((c) => depsFor(c.env)),
  );
  mountRoutes(admin, ADMIN_API, depsFor);
  return admin;
}
