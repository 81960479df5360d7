/**
 * What every admin route shares: its dependencies (built by src/index.ts),
 * and what it reads from a request the same way, each with its OpenAPI
 * parameter: the service path parameter (validated like the schema's
 * names), the author header; the one "no routing document" error and the
 * refusals every read may answer with.
 *
 * Layer: HTTP edge (admin).
 */
import type { Context } from "hono";
import { RouterError } from "../../app/errors.ts";
import { NAME_PATTERN } from "../../core/routing/names.ts";
import { type RoutingDocument, ServiceName } from "../../document/routing-document.ts";
import * as z from "../../document/zod.ts";
import type { AuthThrottle } from "../../ports/auth-throttle.ts";
import type { ControlPlaneReader } from "../../ports/control-plane-reader.ts";
import type { MetricsReader } from "../../ports/metrics-reader.ts";
import type { OutcomeSink } from "../../ports/outcome-store.ts";
import type { RolloutControl } from "../../ports/rollout-control.ts";
import type { RolloutReader } from "../../ports/rollout-store.ts";
import type { ServiceStore } from "../../ports/service-store.ts";
import type { ShadowViewReader } from "../../ports/shadow-view-reader.ts";
import type { Operation, Parameter } from "./route-def.ts";

export type AdminEnv = { Bindings: Env };

/** What the admin API works with, built per environment by src/index.ts. */
export interface AdminDeps {
  adminToken: string | undefined;
  /** Failed authentications per client (sign-in and the admin API share it). */
  authThrottle: AuthThrottle;
  services: ServiceStore;
  rollouts: RolloutReader;
  metrics: MetricsReader;
  shadowViews: ShadowViewReader;
  /** Evaluations and operator commands, run inside the service's control object. */
  control: RolloutControl;
  /** The control object's own state, shadow evidence and time series. */
  controlPlane: ControlPlaneReader;
  /** Outcomes counted by the service's control object (POST /_router/outcomes). */
  outcomes: Pick<OutcomeSink, "cells">;
  /** Called after a write with what is now stored (this isolate routes by it at once). */
  afterWrite: (service: string, doc: RoutingDocument) => void;
  /** HOST_SERVICES' hosts: with the request's own host, no origin may be on them. */
  serviceHosts: readonly string[];
}

export type AdminDepsFor = (env: Env) => AdminDeps;
export type AdminContext = Context<AdminEnv>;

export const notFound = (service: string) =>
  new RouterError(404, "no_routing_document", `no routing document for "${service}"`, { service });

export const serviceParameter: Parameter = {
  name: "service",
  in: "path",
  required: true,
  description: "The model service (its routing document's `service`)",
  schema: ServiceName,
};

export function serviceParam(c: AdminContext): string {
  const service = c.req.param("service") ?? "";
  if (!NAME_PATTERN.test(service)) {
    throw new RouterError(400, "invalid_service_name", "not a valid service name", { service });
  }
  return service;
}

export const authorParameter: Parameter = {
  name: "X-Router-Author",
  in: "header",
  description: "Who makes the change: the document's updatedBy and the history's author",
  schema: z.string(),
};

/** `X-Router-Author`, else `fallback`. */
export const authorOf = (c: AdminContext, fallback: string): string =>
  c.req.header("x-router-author") || fallback;

export const READ_ERRORS: Operation["errors"] = {
  400: "invalid_service_name",
  503: "control_plane_unavailable",
};
