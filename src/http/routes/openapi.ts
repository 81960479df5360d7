/**
 * The admin API as an OpenAPI 3.1 document, built from the routes'
 * definitions (src/http/routes/route-def.ts: each route's handler with its
 * summary, parameters, body and answers as zod schemas). src/http/routes/
 * admin.ts serves it at GET /_router/admin/openapi.json behind the admin
 * token like every admin route; `npm run docs` writes the same document to
 * docs/reference/ (openapi.json and admin-api.md).
 *
 * Layer: HTTP edge (admin). Schemas named in the routes (`.meta({ id })`)
 * become components; zod puts them under `$defs`, which this module lifts
 * into `components.schemas`.
 */
import pkg from "../../../package.json" with { type: "json" };
import * as z from "../../document/zod.ts";
import { ErrorBody } from "./api-schemas.ts";
import type { AdminRoute, Tag } from "./route-def.ts";

export type Json = Record<string, unknown>;

export const TAGS: Record<Tag, string> = {
  health: "The router's own health, without a token",
  services: "Routing documents: list, read, history, and the older write endpoints",
  edits: "Named edits (the registry the CLI runs): every write, through the one write pipeline",
  rollout: "Progressive delivery: the plan's progress, evaluations and operator commands",
  control: "The service's control object: its state, shadow evidence and time series",
  outcomes:
    "What served answers led to (labels, conversions, scores), sent back with their assignment receipts",
};

const DESCRIPTION = `The router's admin API: read each model service's routing document, state and history; change it with named edits through the one write pipeline (a dry run with ?dryRun=1, If-Match for lost updates, every write in the history); drive progressive delivery; read what the service's control object holds.

Every route under /_router/admin needs \`Authorization: Bearer <ADMIN_TOKEN>\` (401 without a token, 403 with a wrong one). Wrong tokens are limited per client address: after 10 in 60 seconds the client gets 429 \`too_many_failed_attempts\` with Retry-After, even with the right token, until the period is over (a correct token is never counted). A router whose ADMIN_TOKEN is shorter than 32 bytes answers every admin route 503 \`admin_token_too_short\`. Refusals are JSON: \`{ "error": "<code>", "message": "...", ... }\`.`;

/** The document of these operations, in their order. */
export function buildOpenApi(routes: readonly AdminRoute[]): Json {
  const components: Record<string, Json> = {};
  const schema = (s: z.ZodMiniType): Json => {
    const {
      $schema: _,
      $defs,
      ...rest
    } = z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Json;
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) {
      const lifted = liftRefs(def) as Json;
      const known = components[id];
      if (known && JSON.stringify(known) !== JSON.stringify(lifted)) {
        throw new Error(`two different schemas are named ${id}`);
      }
      components[id] = lifted;
    }
    return liftRefs(rest) as Json;
  };
  const json = (s: z.ZodMiniType) => ({ "application/json": { schema: schema(s) } });

  const operation = (route: AdminRoute): Json => {
    const errors: Partial<Record<number, string>> =
      route.public || route.security
        ? route.errors
        : {
            401: "admin_unauthenticated: no bearer token",
            403: "admin_forbidden: the token is not ADMIN_TOKEN",
            429: "too_many_failed_attempts: too many wrong tokens from this client (Retry-After)",
            ...route.errors,
          };
    const responses: Json = {
      200: { description: route.ok.description, content: json(route.ok.schema) },
    };
    for (const [status, description] of Object.entries(errors)) {
      responses[status] = { description, content: json(ErrorBody) };
    }
    return {
      operationId: route.operationId,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      ...(route.parameters
        ? {
            parameters: route.parameters.map((p) => ({
              name: p.name,
              in: p.in,
              ...(p.required ? { required: true } : {}),
              description: p.description,
              schema: schema(p.schema),
            })),
          }
        : {}),
      ...(route.body
        ? {
            requestBody: {
              required: route.body.required,
              description: route.body.description,
              content: json(route.body.schema),
            },
          }
        : {}),
      responses,
      ...(route.public ? { security: [] } : {}),
      ...(route.security ? { security: [{ [route.security]: [] }] } : {}),
    };
  };

  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    if (item[route.method]) throw new Error(`${route.method} ${route.path} is listed twice`);
    item[route.method] = operation(route);
    paths[route.path] = item;
  }

  return {
    openapi: "3.1.0",
    info: { title: "Edge model router: admin API", version: pkg.version, description: DESCRIPTION },
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    security: [{ adminToken: [] }],
    paths,
    components: {
      securitySchemes: {
        adminToken: {
          type: "http",
          scheme: "bearer",
          description: "The ADMIN_TOKEN Worker secret (locally: .dev.vars)",
        },
        outcomesToken: {
          type: "http",
          scheme: "bearer",
          description:
            "The OUTCOMES_TOKEN Worker secret: POST /_router/outcomes only (locally: .dev.vars)",
        },
      },
      schemas: Object.fromEntries(
        Object.entries(components).sort(([a], [b]) => a.localeCompare(b)),
      ),
    },
  };
}

/** zod's `#/$defs/<id>` references, as references to the document's components. */
function liftRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(liftRefs);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) =>
      k === "$ref" && typeof v === "string" && v.startsWith("#/$defs/")
        ? [k, `#/components/schemas/${v.slice("#/$defs/".length)}`]
        : [k, liftRefs(v)],
    ),
  );
}
