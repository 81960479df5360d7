/**
 * The admin HTTP API, mounted at /_router/admin: read state and history;
 * replace or patch a document; flip, kill the canary, roll back; and the
 * rollout endpoints (src/http/routes/rollout.ts).
 *
 * Layer: HTTP edge (admin). Every route is behind adminAuth (bearer token,
 * 401/403). Writes run the same shared operations and history as the CLI
 * (src/document/edits/) through the one write pipeline (src/app/write-service.ts); `?dryRun=1` returns
 * the diff without writing; `If-Match: <version>` (or `expectedVersion` in a
 * POST body) refuses a write unless the document is still that version.
 * After a write this isolate's routing memo is cleared; other isolates see
 * the change within their memo TTL plus KV propagation.
 */
import { Hono } from "hono";
import { z } from "zod";
import { RouterError } from "../../app/errors.ts";
import type { AnalyzerContext } from "../../app/rollout/analyzer.ts";
import { RequestBody } from "../../app/route/request-body.ts";
import { type ComputeWrite, type EditWrite, writeService } from "../../app/write-service.ts";
import { canaryKill } from "../../document/edits/canary.ts";
import { flip } from "../../document/edits/flip.ts";
import type { Authorship } from "../../document/edits/operation.ts";
import { patchDocument, replaceDocument } from "../../document/edits/replace.ts";
import { restorableVersions, rollback } from "../../document/edits/rollback.ts";
import { storedVersion } from "../../document/edits/stored-service.ts";
import { summarizeDocument } from "../../document/edits/summary.ts";
import { LIMITS } from "../../document/routing-document.ts";
import type {
  MetricsReader,
  RolloutStore,
  ServiceStore,
  ShadowViewReader,
  WaitUntil,
} from "../../ports.ts";
import { adminAuth } from "../middleware/admin-auth.ts";
import {
  type AdminContext,
  type AdminEnv,
  authorOf,
  notFound,
  serviceParam,
} from "./request-params.ts";
import { rolloutRoutes } from "./rollout.ts";

type Env_ = AdminEnv;
type C = AdminContext;

/** What the admin API works with, built per environment by src/index.ts. */
export interface AdminDeps {
  adminToken: string | undefined;
  services: ServiceStore;
  rollouts: RolloutStore;
  metrics: MetricsReader;
  shadowViews: ShadowViewReader;
  analyzer: (now: number, waitUntil: WaitUntil) => AnalyzerContext;
  /** Called after every write (the composition root clears this isolate's routing memo). */
  afterWrite: () => void;
}

export type AdminDepsFor = (env: Env) => AdminDeps;

const Expected = { expectedVersion: z.number().int().min(1).optional() };
const FlipBody = z.object({ to: z.string().optional(), ...Expected }).strict();
const KillBody = z.object(Expected).strict();
const RollbackBody = z
  .object({ toVersion: z.number().int().min(1).optional(), ...Expected })
  .strict();

export function adminRoutes(depsFor: AdminDepsFor): Hono<Env_> {
  const admin = new Hono<Env_>();
  const deps = (c: C) => depsFor(c.env);
  admin.use(
    "*",
    adminAuth((c) => deps(c).adminToken),
  );

  admin.get("/services", async (c) => {
    return c.json({ services: await deps(c).services.list() });
  });

  admin.get("/services/:service", async (c) => {
    const stored = await deps(c).services.read(serviceParam(c));
    if (stored.raw === null) throw notFound(stored.service);
    const version = storedVersion(stored);
    if (version !== null) c.header("etag", `"${version}"`);
    return c.json({
      service: stored.service,
      version,
      valid: stored.doc !== null,
      errors: stored.errors,
      summary: stored.doc ? summarizeDocument(stored.doc) : null,
      document: stored.json,
    });
  });

  admin.get("/services/:service/history", async (c) => {
    const stored = await deps(c).services.read(serviceParam(c));
    const current = storedVersion(stored);
    const withDocuments = !["0", "false"].includes(c.req.query("documents") ?? "");
    const entries = [...stored.history]
      .reverse()
      .map((e) => (withDocuments ? e : { ...e, document: undefined }));
    const restorable = restorableVersions(stored);
    return c.json({ service: stored.service, currentVersion: current, restorable, entries });
  });

  type Spec =
    | Omit<EditWrite, "service" | "meta" | "dryRun" | "source">
    | Omit<ComputeWrite, "service" | "meta" | "dryRun" | "source">;
  const write = async (c: C, spec: Spec) => {
    const d = deps(c);
    const { check: _check, ...result } = await writeService(d.services, {
      service: serviceParam(c),
      meta: metaOf(c),
      dryRun: ["1", "true"].includes(c.req.query("dryRun") ?? ""),
      source: "admin",
      ...spec,
    } as EditWrite | ComputeWrite);
    if (result.written) d.afterWrite();
    c.header("etag", `"${result.version}"`);
    return c.json({ ok: true, ...result, summary: summarizeDocument(result.document) });
  };

  admin.put("/services/:service", async (c) => {
    const input = await jsonBody(c, true);
    return write(c, {
      expectedVersion: ifMatch(c),
      allowMissing: true,
      allowInvalid: true,
      compute: (s, meta) => replaceDocument(s.service, s.doc, input, meta),
    });
  });

  admin.patch("/services/:service", async (c) => {
    const patch = await jsonBody(c, true);
    return write(c, {
      expectedVersion: ifMatch(c),
      edit: (doc, meta) => patchDocument(doc, patch, meta),
    });
  });

  admin.post("/services/:service/flip", async (c) => {
    const body = parseBody(FlipBody, await jsonBody(c, false));
    const to = body.to;
    return write(c, {
      expectedVersion: expected(c, body.expectedVersion),
      edit: (doc, meta) => flip(doc, to === undefined ? {} : { to }, meta),
    });
  });

  admin.post("/services/:service/canary/kill", async (c) => {
    const body = parseBody(KillBody, await jsonBody(c, false));
    return write(c, {
      expectedVersion: expected(c, body.expectedVersion),
      edit: (doc, meta) => canaryKill(doc, meta),
    });
  });

  admin.post("/services/:service/rollback", async (c) => {
    const body = parseBody(RollbackBody, await jsonBody(c, false));
    const args = body.toVersion === undefined ? {} : { toVersion: body.toVersion };
    // Also when the document was deleted: restores the newest good one known
    // (the last-good copy, else the history's) as a new version.
    return write(c, {
      expectedVersion: expected(c, body.expectedVersion),
      allowMissing: true,
      allowInvalid: true,
      compute: (s, meta) => rollback(s, args, meta),
    });
  });

  admin.route("/services/:service/rollout", rolloutRoutes(depsFor));

  return admin;
}

function metaOf(c: C): Authorship {
  return { author: authorOf(c, "admin-api"), now: new Date().toISOString() };
}

/**
 * The request's JSON body; an empty body is {} unless one is required. At
 * most LIMITS.documentBytes are read (the largest valid document), chunked
 * or not: a larger body is refused unread.
 */
async function jsonBody(c: C, required: boolean): Promise<unknown> {
  const bytes = await new RequestBody(c.req.raw).upTo(LIMITS.documentBytes);
  if (bytes === null) {
    throw new RouterError(
      413,
      "body_too_large",
      `the body is over ${LIMITS.documentBytes} bytes, the most a routing document may have`,
    );
  }
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "" && !required) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RouterError(400, "invalid_json", `the body is not JSON: ${(err as Error).message}`);
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new RouterError(400, "invalid_request", "the request body is invalid", {
    errors: parsed.error.issues.map((i) => ({
      path: i.path.map(String).join("."),
      message: i.message,
    })),
  });
}

/** If-Match: 7, "7" or W/"7" -> 7. */
function ifMatch(c: C): number | undefined {
  const header = c.req.header("if-match");
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (!match) {
    throw new RouterError(400, "invalid_if_match", 'If-Match must be a document version, e.g. "7"');
  }
  return Number(match[1]);
}

function expected(c: C, fromBody: number | undefined): number | undefined {
  const fromHeader = ifMatch(c);
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) {
    throw new RouterError(400, "invalid_request", "If-Match and expectedVersion disagree");
  }
  return fromHeader ?? fromBody;
}
