/**
 * The admin API of progressive delivery, mounted at
 * /_router/admin/services/:service/rollout (behind the same adminAuth):
 *   GET                    plan, progress record and this version's per-arm metrics,
 *                          with what the gates say right now (`preview`);
 *   POST /evaluate         run the analyzer for this service now (as the control object's alarm does);
 *   POST /pause|resume|abort|promote   an operator's command (takes precedence).
 *
 * Layer: HTTP edge (admin). Every decision stays in src/core/rollout/: the
 * preview is the pure state machine on the same inputs the analyzer reads,
 * and evaluations and commands run inside the service's control object
 * (serialized with its alarm's evaluations).
 * Authors come from X-Router-Author (default "admin").
 */
import { Hono } from "hono";
import { RouterError, type RouterStatus } from "../../app/errors.ts";
import { rolloutView } from "../../core/rollout/rollout-view.ts";
import type { ManualCommand } from "../../core/rollout/state-machine.ts";
import type { RemoteOutcome } from "../../ports.ts";
import {
  type AdminContext,
  type AdminDepsFor,
  type AdminEnv,
  authorOf,
  notFound,
  serviceParam,
} from "./request-params.ts";

type Env_ = AdminEnv;
type C = AdminContext;

export const ROLLOUT_COMMANDS: readonly ManualCommand[] = ["pause", "resume", "abort", "promote"];

export function rolloutRoutes(depsFor: AdminDepsFor): Hono<Env_> {
  const rollout = new Hono<Env_>();
  const deps = (c: C) => depsFor(c.env);
  /** A remote use case's value, or its RouterError rethrown here. */
  const unwrap = (outcome: RemoteOutcome): unknown => {
    if (outcome.ok) return outcome.value;
    const { status, code, message, detail } = outcome.error;
    throw new RouterError(status as RouterStatus, code, message, detail);
  };

  rollout.get("/", async (c) => {
    const service = serviceParam(c);
    const stored = await deps(c).services.read(service);
    const doc = stored.doc;
    if (stored.raw === null) throw notFound(service);
    if (!doc) {
      throw new RouterError(
        409,
        "stored_document_invalid",
        "the stored document fails the schema",
        {
          service,
          errors: stored.errors,
        },
      );
    }
    const now = Date.now();
    const [status, raw, shadow] = await Promise.all([
      deps(c).rollouts.read(service),
      deps(c).metrics.read(doc),
      deps(c).shadowViews.read(doc),
    ]);
    return c.json(rolloutView(doc, status, raw, shadow, now));
  });

  rollout.post("/evaluate", async (c) => {
    const service = serviceParam(c);
    return c.json(unwrap(await deps(c).control.evaluate(service)) as object);
  });

  rollout.post("/:command", async (c) => {
    const service = serviceParam(c);
    const command = c.req.param("command") as ManualCommand;
    if (!ROLLOUT_COMMANDS.includes(command)) {
      throw new RouterError(404, "unknown_rollout_command", `no rollout command "${command}"`, {
        commands: ROLLOUT_COMMANDS,
      });
    }
    const author = authorOf(c, "admin");
    return c.json(unwrap(await deps(c).control.command(service, command, author)) as object);
  });

  return rollout;
}
