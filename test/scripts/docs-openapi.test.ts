/**
 * The admin API's documented routes (each route's definition in
 * src/http/routes/) against the app: every route the Hono app registers
 * under /_router/admin (and the health check) must be documented, and every
 * documented operation must be a route the app has, so a route registered
 * beside the definitions fails here. Then against a
 * real router (workerd under Miniflare, real local KV and control
 * objects): GET /_router/admin/openapi.json is behind the admin token and
 * serves the document docs/reference/openapi.json holds, and every
 * documented operation, called for real, answers with a documented status
 * and a body that parses with the schema documented for it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/cli/wrangler.ts";
import type { EditName } from "../../src/document/edits/registry.ts";
import type * as z from "../../src/document/zod.ts";
import { createApp } from "../../src/http/app.ts";
import { ADMIN_ROUTES, openApiDocument } from "../../src/http/routes/admin.ts";
import { ErrorBody } from "../../src/http/routes/api-schemas.ts";
import type { AdminRoute } from "../../src/http/routes/route-def.ts";
import { type MiniflareRouter, startMiniflareRouter } from "../support/miniflare-router.ts";

/** A table path with a sample value in each parameter. */
const sample = (path: string) => path.replace(/\{[^}]+\}/g, "x1");
/** A Hono route pattern as a regular expression (`:name` is one segment). */
const pattern = (path: string) =>
  new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z]+/g, "[^/]+")}$`);

describe("the route table and the app's routes", () => {
  // The routes only: no request reaches the dependencies.
  const app = createApp(() => {
    throw new Error("no request is made");
  });
  const documented = (path: string) =>
    path.startsWith("/_router/admin/") || ["/_router/health", "/_router/outcomes"].includes(path);
  const real = app.routes.filter((r) => r.method !== "ALL" && documented(r.path));

  it("every route of the app is in the table", () => {
    expect(real.length).toBeGreaterThan(10);
    const undocumented = real.filter(
      (r) =>
        !ADMIN_ROUTES.some(
          (t) => t.method.toUpperCase() === r.method && pattern(r.path).test(sample(t.path)),
        ),
    );
    expect(
      undocumented.map((r) => `${r.method} ${r.path}`),
      "define these with their docs (src/http/routes/route-def.ts), then run `npm run docs`",
    ).toEqual([]);
  });

  it("every route in the table is one the app has", () => {
    const unknown = ADMIN_ROUTES.filter(
      (t) =>
        !real.some(
          (r) => t.method.toUpperCase() === r.method && pattern(r.path).test(sample(t.path)),
        ),
    );
    expect(unknown.map((t) => `${t.method} ${t.path}`)).toEqual([]);
  });
});

describe("the OpenAPI document", () => {
  // biome-ignore lint/suspicious/noExplicitAny: read field by field
  const doc = openApiDocument() as any;

  it("is OpenAPI 3.1 with unique operation ids and declared path parameters", () => {
    expect(doc.openapi).toBe("3.1.0");
    const ids = ADMIN_ROUTES.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, item] of Object.entries(doc.paths)) {
      // biome-ignore lint/suspicious/noExplicitAny: an operation object
      for (const op of Object.values(item as Record<string, any>)) {
        const declared = (op.parameters ?? [])
          // biome-ignore lint/suspicious/noExplicitAny: a parameter object
          .filter((p: any) => p.in === "path")
          // biome-ignore lint/suspicious/noExplicitAny: a parameter object
          .map((p: any) => p.name);
        const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        expect(declared, `${path}`).toEqual(inPath);
      }
    }
  });

  it("has every reference it makes", () => {
    const text = JSON.stringify(doc);
    const refs = new Set([...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1] as string));
    expect(refs.size).toBeGreaterThan(5);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.split("/").pop() as string], ref).toBeDefined();
    }
    expect(text).not.toContain("#/$defs/");
  });
});

describe("a real router answers as documented", { timeout: 60_000 }, () => {
  let router: MiniflareRouter;
  const fraud = () => JSON.parse(readFileSync(join(ROOT, "scripts/demo/fraud.json"), "utf8"));
  const called = new Set<string>();

  beforeAll(async () => {
    router = await startMiniflareRouter();
    await router.put(fraud());
  }, 60_000);
  afterAll(() => router?.dispose());

  const route = (operationId: string): AdminRoute => {
    const found = ADMIN_ROUTES.find((r) => r.operationId === operationId);
    if (!found) throw new Error(`no operation ${operationId}`);
    return found;
  };

  /** Calls an operation; its status must be documented and its body parse with the schema. */
  async function call(
    operationId: string,
    options: {
      service?: string;
      query?: string;
      body?: unknown;
      headers?: Record<string, string>;
      token?: string | null;
    } = {},
  ): Promise<{ status: number; body: unknown }> {
    const r = route(operationId);
    called.add(operationId);
    const path = r.path.replace("{service}", options.service ?? "fraud");
    const token = options.token === undefined ? router.adminToken : options.token;
    const res = await fetch(`${router.url}${path}${options.query ?? ""}`, {
      method: r.method.toUpperCase(),
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        "x-router-author": "docs-test",
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const body = await res.json();
    const statuses = [
      200,
      ...Object.keys(r.errors).map(Number),
      ...(r.public || r.security ? [] : [401, 403]),
    ];
    expect(statuses, `${operationId} answered ${res.status}: ${JSON.stringify(body)}`).toContain(
      res.status,
    );
    const schema: z.ZodMiniType = res.status === 200 ? r.ok.schema : ErrorBody;
    const parsed = schema.safeParse(body);
    expect(
      parsed.success,
      `${operationId} ${res.status}: ${parsed.error?.message} in ${JSON.stringify(body).slice(0, 500)}`,
    ).toBe(true);
    return { status: res.status, body };
  }

  it("serves the OpenAPI document behind the admin token", async () => {
    expect((await call("openapi", { token: null })).status).toBe(401);
    expect((await call("openapi", { token: "wrong" })).status).toBe(403);
    const served = await call("openapi");
    expect(served.status).toBe(200);
    expect(served.body).toEqual(openApiDocument());
    const committed = JSON.parse(readFileSync(join(ROOT, "docs/reference/openapi.json"), "utf8"));
    expect(served.body, "docs/reference/openapi.json is stale: run `npm run docs`").toEqual(
      committed,
    );
  });

  it("reads", async () => {
    expect((await call("health", { token: null })).status).toBe(200);
    expect((await call("services.list")).status).toBe(200);
    expect((await call("edits.list")).status).toBe(200);
    expect((await call("services.read")).status).toBe(200);
    expect((await call("services.read", { service: "nope" })).status).toBe(404);
    expect((await call("services.read", { service: "Not_A_Name" })).status).toBe(400);
    expect((await call("services.history")).status).toBe(200);
    expect((await call("services.history", { query: "?documents=0" })).status).toBe(200);
    expect((await call("rollout.read")).status).toBe(200);
    expect((await call("control.status")).status).toBe(200);
    expect((await call("control.shadow", { query: "?records=5" })).status).toBe(200);
    expect((await call("control.series", { query: "?minutes=5" })).status).toBe(200);
  });

  /** Arguments for a dry run of each edit on the demo fraud document. */
  const EDIT_ARGS: Record<EditName, unknown> = {
    flip: { to: "green" },
    "canary.set": { shareBp: 500 },
    "canary.ramp": {},
    "canary.kill": {},
    "canary.remove": {},
    "challenger.add": { origin: "green", shareBp: 100 },
    "challenger.set": { origin: "challenger-a", shareBp: 200 },
    "challenger.remove": { origin: "challenger-a" },
    "challenger.promote": { origin: "challenger-a" },
    "shadow.on": {},
    "shadow.set": { shareBp: 5000 },
    "shadow.off": {},
    "shadow.remove": {},
    "rollout.plan": { steps: [{ shareBp: 500, bakeSeconds: 60 }] },
    "rollout.remove": {},
    patch: { patch: { description: "patched" } },
    apply: { document: fraud() },
    rollback: {},
  };

  it("writes: every edit and alias, dry runs and refusals", async () => {
    for (const [name, args] of Object.entries(EDIT_ARGS)) {
      await call(`edit.${name}`, { query: "?dryRun=1", body: { args } });
    }
    expect(
      (await call("edit.flip", { query: "?dryRun=1", body: { args: { to: 7 } } })).status,
    ).toBe(400);
    const put = await call("services.put", { query: "?dryRun=1", body: fraud() });
    expect(put.status).toBe(200);
    expect((await call("services.put", { body: { service: "fraud" } })).status).toBe(400);
    expect(
      (await call("services.patch", { query: "?dryRun=1", body: { description: "x" } })).status,
    ).toBe(200);
    expect((await call("services.flip", { query: "?dryRun=1", body: {} })).status).toBe(200);
    expect(
      (await call("services.flip", { body: { to: "green" }, headers: { "if-match": '"41"' } }))
        .status,
    ).toBe(412);
    expect((await call("services.canaryKill", { query: "?dryRun=1" })).status).toBe(200);
    // A real write, then a rollback of it.
    expect((await call("edit.canary.set", { body: { args: { shareBp: 200 } } })).status).toBe(200);
    expect((await call("services.rollback", { body: {} })).status).toBe(200);
  });

  it("rollout: evaluate and the operator's commands", async () => {
    expect((await call("rollout.evaluate")).status).toBe(404);
    const plan = { steps: [{ shareBp: 500, bakeSeconds: 600 }] };
    expect((await call("edit.rollout.plan", { body: { args: plan } })).status).toBe(200);
    expect((await call("rollout.evaluate")).status).toBe(200);
    expect((await call("rollout.pause")).status).toBe(200);
    expect((await call("rollout.resume")).status).toBe(200);
    expect((await call("rollout.abort")).status).toBe(200);
    expect((await call("rollout.promote")).status).toBe(409);
    expect((await call("rollout.read")).status).toBe(200);
  });

  it("outcomes: ingest with a real answer's receipt, its own token, and the sums", async () => {
    const answer = await fetch(`${router.url}/fraud/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": "docs-user" },
      body: JSON.stringify({ id: "tx-1", features: { amount: 10 } }),
    });
    await answer.arrayBuffer();
    const receipt = answer.headers.get("x-router-assignment");
    expect(receipt).toBeTruthy();
    const body = { outcomes: [{ receipt, metric: "converted", value: true }] };
    const outcomesToken = "local-outcomes-token";
    expect((await call("outcomes.ingest", { body, token: outcomesToken })).status).toBe(200);
    expect((await call("outcomes.ingest", { body, token: null })).status).toBe(401);
    expect((await call("outcomes.ingest", { body, token: router.adminToken })).status).toBe(403);
    expect((await call("outcomes.ingest", { body: {}, token: outcomesToken })).status).toBe(400);
    expect((await call("outcomes.read")).status).toBe(200);
    expect((await call("challengers.board")).status).toBe(200);
    expect((await call("challengers.board", { service: "nope" })).status).toBe(404);
  });

  it("every documented operation was called", () => {
    const uncalled = ADMIN_ROUTES.map((r) => r.operationId).filter((id) => !called.has(id));
    expect(uncalled).toEqual([]);
  });
});
