/**
 * GET /_router/health, outside the admin API (no token): the router is up,
 * with this isolate's routing store and check-ins, and whether the admin
 * API and the dashboard are open.
 *
 * Layer: HTTP edge. Mounted by src/http/app.ts; documented with the admin
 * API (src/http/routes/admin.ts).
 */
import { ADMIN_TOKEN_MESSAGES, adminTokenProblem } from "../../core/admin-token.ts";
import * as z from "../../document/zod.ts";
import type { Deps } from "../app.ts";
import { int } from "./api-schemas.ts";
import type { RouteDef } from "./route-def.ts";

const Health = z
  .looseObject({
    ok: z.literal(true),
    store: z
      .looseObject({ services: int(), kvReads: int() })
      .check(z.describe("This isolate's routing store")),
    control: z.nullable(z.looseObject({})).check(z.describe("This isolate's check-ins")),
    admin: z
      .object({
        open: z.boolean(),
        error: z.optional(z.enum(["no_admin_token", "admin_token_too_short"])),
        message: z.optional(z.string()),
      })
      .check(
        z.describe(
          "Whether the admin API and the dashboard are open: closed without ADMIN_TOKEN, or with one shorter than 32 bytes",
        ),
      ),
  })
  .check(z.meta({ id: "Health" }));

export const HEALTH_ROUTE: RouteDef<Deps> = {
  method: "get",
  path: "/_router/health",
  docs: {
    operationId: "health",
    tag: "health",
    summary: "The router is up: this isolate's routing store and check-ins",
    public: true,
    ok: { description: "Up", schema: Health },
    errors: {},
  },
  handler: (c, { router, admin }) => {
    const problem = adminTokenProblem(admin.adminToken);
    return c.json({
      ok: true,
      store: router.store.stats(),
      control: router.checkIns?.stats() ?? null,
      // The admin API and the dashboard: closed without ADMIN_TOKEN or with one under 32 bytes.
      admin: problem
        ? { open: false, error: problem, message: ADMIN_TOKEN_MESSAGES[problem] }
        : { open: true },
    });
  },
};
