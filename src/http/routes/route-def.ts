/**
 * A route of the router's own HTTP API, defined once: its method, its Hono
 * path, its handler and what the OpenAPI document says of it (summary,
 * parameters, request body and answers, each body and answer a zod
 * schema). mountRoutes registers the handlers; documentedRoutes lists the
 * operations src/http/routes/openapi.ts turns into the document. So a
 * route cannot be served undocumented, or documented but not served.
 *
 * Layer: HTTP edge (admin). Answers are loose objects (fields may be
 * added); the fields listed are always there.
 */
import type { Context, Hono } from "hono";
import type * as z from "../../document/zod.ts";
import type { AdminEnv } from "./request-params.ts";

export type Method = "get" | "post" | "put" | "patch";
export type Tag = "health" | "services" | "edits" | "rollout" | "control" | "outcomes";
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 429 | 500 | 503;

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  description: string;
  schema: z.ZodMiniType;
  required?: boolean;
}

/** What the OpenAPI document says of one operation. */
export interface Operation {
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  parameters?: Parameter[];
  body?: { schema: z.ZodMiniType; required: boolean; description: string };
  /** The 200 answer. */
  ok: { description: string; schema: z.ZodMiniType };
  /** Refusals this route may answer with (every error body is an Error). */
  errors: Partial<Record<ErrorStatus, string>>;
  /** Outside the admin API: no token needed. */
  public?: true;
  /** Outside the admin API, with a token of its own (instead of ADMIN_TOKEN). */
  security?: "outcomesToken";
  /**
   * Path parameters this operation fixes: a route whose parameter picks
   * what it does (an edit's name, a rollout command) is documented once per
   * value, each its own path.
   */
  fixed?: Record<string, string>;
}

export interface RouteDef<D> {
  method: Method;
  /** Hono's pattern, from where the routes are mounted: /services/:service/flip. */
  path: string;
  handler: (c: Context<AdminEnv>, deps: D) => Response | Promise<Response>;
  docs: Operation | readonly Operation[];
}

/** One documented operation, with its method and its full OpenAPI path. */
export interface AdminRoute extends Omit<Operation, "fixed"> {
  method: Method;
  /** Parameters in braces: /_router/admin/services/{service}. */
  path: string;
}

/** Registers each route's handler, with the dependencies of the request's environment. */
export function mountRoutes<D>(
  app: Hono<AdminEnv>,
  routes: readonly RouteDef<D>[],
  depsFor: (env: Env) => D,
): void {
  for (const route of routes) {
    app.on(route.method.toUpperCase(), route.path, (c) => route.handler(c, depsFor(c.env)));
  }
}

/** The operations of routes mounted at `prefix`, in order. */
export function documentedRoutes(prefix: string, routes: readonly RouteDef<never>[]): AdminRoute[] {
  return routes.flatMap((route) =>
    [route.docs].flat().map(({ fixed, ...op }) => ({
      ...op,
      method: route.method,
      path: `${prefix}${route.path.replace(/:(\w+)/g, (_, name: string) => fixed?.[name] ?? `{${name}}`)}`,
    })),
  );
}
