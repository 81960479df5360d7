/**
 * What every admin route reads from a request the same way: the service
 * path parameter (validated like the schema's names), the author header,
 * and the one "no routing document" error.
 *
 * Layer: HTTP edge (admin).
 */
import type { Context } from "hono";
import { RouterError } from "../../app/errors.ts";
import { NAME_PATTERN } from "../../core/routing/names.ts";

export type AdminEnv = { Bindings: Env };
export type AdminContext = Context<AdminEnv>;

export const notFound = (service: string) =>
  new RouterError(404, "no_routing_document", `no routing document for "${service}"`, { service });

export function serviceParam(c: AdminContext): string {
  const service = c.req.param("service") ?? "";
  if (!NAME_PATTERN.test(service)) {
    throw new RouterError(400, "invalid_service_name", "not a valid service name", { service });
  }
  return service;
}

/** `X-Router-Author`, else `fallback`. */
export const authorOf = (c: AdminContext, fallback: string): string =>
  c.req.header("x-router-author") || fallback;
