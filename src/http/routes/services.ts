/**
 * The admin API's reads of routing documents, under /_router/admin: every
 * service with a document, the named edits, a service's state (version,
 * summary, last-good copy, document; the ETag is its version) and its write
 * history, each with what the OpenAPI document says of it.
 *
 * Layer: HTTP edge (admin): parse, call the port, render.
 */
import { RouterError } from "../../app/errors.ts";
import { HistoryEntry } from "../../document/edits/history.ts";
import { EDIT_NAMES, EDITS } from "../../document/edits/registry.ts";
import { serviceHistory, serviceStatus } from "../../document/edits/service-view.ts";
import * as z from "../../document/zod.ts";
import {
  FieldError,
  int,
  LastGood,
  StoredState,
  Summary,
  VersionRegression,
} from "./api-schemas.ts";
import {
  type AdminDeps,
  notFound,
  READ_ERRORS,
  serviceParam,
  serviceParameter,
} from "./request-params.ts";
import type { RouteDef } from "./route-def.ts";

const ServiceStatus = z
  .looseObject({
    service: z.string(),
    state: StoredState,
    found: z.boolean().check(z.describe("A document is stored (valid or not)")),
    deleted: z.boolean(),
    valid: z.boolean(),
    version: z.nullable(int()),
    errors: z.array(FieldError),
    summary: z.nullable(Summary),
    lastGood: LastGood,
    versionRegression: VersionRegression,
    document: z
      .nullable(z.record(z.string(), z.unknown()))
      .check(z.describe("The stored document")),
  })
  .check(z.meta({ id: "ServiceStatus" }));

const History = z
  .looseObject({
    service: z.string(),
    state: StoredState,
    currentVersion: z.nullable(int()),
    live: z.nullable(z.string()),
    nextVersion: int(),
    currentIndex: z
      .nullable(int())
      .check(z.describe("Index in entries of the write that made the current document")),
    versionRegression: VersionRegression,
    lastGood: LastGood,
    restorable: z.array(int()).check(z.describe("Versions a rollback can restore")),
    entries: z.array(HistoryEntry).check(z.describe("Newest first")),
    dropped: int().check(z.describe("Stored entries that did not parse")),
  })
  .check(z.meta({ id: "History" }));

export const SERVICE_ROUTES: readonly RouteDef<AdminDeps>[] = [
  {
    method: "get",
    path: "/services",
    docs: {
      operationId: "services.list",
      tag: "services",
      summary: "Every service with a routing document",
      ok: {
        description: "Service names",
        schema: z.object({ services: z.array(z.string()) }).check(z.meta({ id: "ServiceList" })),
      },
      errors: { 503: READ_ERRORS[503] },
    },
    handler: async (c, deps) => c.json({ services: await deps.services.list() }),
  },
  {
    method: "get",
    path: "/edits",
    docs: {
      operationId: "edits.list",
      tag: "edits",
      summary: "The named edits and what each does",
      ok: {
        description: "The registry",
        schema: z
          .object({ edits: z.array(z.object({ name: z.enum(EDIT_NAMES), summary: z.string() })) })
          .check(z.meta({ id: "EditList" })),
      },
      errors: {},
    },
    handler: (c) =>
      c.json({ edits: EDIT_NAMES.map((name) => ({ name, summary: EDITS[name].summary })) }),
  },
  {
    method: "get",
    path: "/services/:service",
    docs: {
      operationId: "services.read",
      tag: "services",
      summary: "A service's state, version, summary, last-good copy and document",
      description: "The ETag header is the document's version (for If-Match).",
      parameters: [serviceParameter],
      ok: { description: "Stored (valid or invalid)", schema: ServiceStatus },
      errors: {
        ...READ_ERRORS,
        404: "no_routing_document (with `state` and `lastGood` when it was deleted)",
      },
    },
    handler: async (c, deps) => {
      const status = serviceStatus(await deps.services.read(serviceParam(c)));
      if (!status.found) {
        // A deleted document: say what the router serves meanwhile.
        if (status.state !== "deleted") throw notFound(status.service);
        const { message, detail } = notFound(status.service);
        throw new RouterError(404, "no_routing_document", message, {
          ...detail,
          state: status.state,
          lastGood: status.lastGood,
        });
      }
      if (status.version !== null) c.header("etag", `"${status.version}"`);
      return c.json(status);
    },
  },
  {
    method: "get",
    path: "/services/:service/history",
    docs: {
      operationId: "services.history",
      tag: "services",
      summary: "A service's write history, newest first, with what each write replaced",
      parameters: [
        serviceParameter,
        {
          name: "documents",
          in: "query",
          description: "0 or false: leave the replaced documents out of the entries",
          schema: z.enum(["1", "true", "0", "false"]),
        },
      ],
      ok: { description: "The history", schema: History },
      errors: READ_ERRORS,
    },
    handler: async (c, deps) => {
      const stored = await deps.services.read(serviceParam(c));
      const withDocuments = !["0", "false"].includes(c.req.query("documents") ?? "");
      return c.json(serviceHistory(stored, withDocuments));
    },
  },
];
