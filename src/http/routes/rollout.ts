/**
 * The admin API of progressive delivery, under
 * /_router/admin/services/:service/rollout (behind the same adminAuth):
 *   GET                    plan, progress record and this version's per-arm metrics,
 *                          with what the gates say right now (`preview`);
 *   POST /evaluate         run the analyzer for this service now (as the control object's alarm does);
 *   POST /pause|resume|abort|promote   an operator's command (takes precedence).
 * Each with what the OpenAPI document says of it.
 *
 * Layer: HTTP edge (admin). Every decision stays in src/core/rollout/: the
 * preview is the pure state machine on the same inputs the analyzer reads,
 * and evaluations and commands run inside the service's control object
 * (serialized with its alarm's evaluations).
 * Authors come from X-Router-Author (default "admin").
 */

import { RouterError, type RouterStatus } from "../../app/errors.ts";
import { rolloutArmsOf, rolloutSeries } from "../../core/outcomes/rollout-series.ts";
import { rolloutView } from "../../core/rollout/rollout-view.ts";
import type { ManualCommand } from "../../core/rollout/state-machine.ts";
import { RolloutPlan } from "../../document/rollout-plan.ts";
import * as z from "../../document/zod.ts";
import type { ControlOutcome } from "../../ports/rollout-control.ts";
import { int } from "./api-schemas.ts";
import {
  type AdminDeps,
  authorOf,
  authorParameter,
  notFound,
  READ_ERRORS,
  serviceParam,
  serviceParameter,
} from "./request-params.ts";
import type { RouteDef } from "./route-def.ts";

export const ROLLOUT_COMMANDS: readonly ManualCommand[] = ["pause", "resume", "abort", "promote"];

const Plan = RolloutPlan.check(z.meta({ id: "RolloutPlan" }));

const GateResult = z.looseObject({}).check(z.describe("One gate's verdict with its evidence"));

const RolloutOutcome = z
  .looseObject({
    service: z.string(),
    event: z
      .string()
      .check(z.describe("start, bake, advance, hold, pause, rollback, promote, ...")),
    reason: z.string(),
    version: int().check(z.describe("Document version after this evaluation")),
    state: z.nullable(z.string()),
    stepIndex: z.nullable(int()),
    gates: z.array(GateResult),
  })
  .check(z.meta({ id: "RolloutOutcome" }));

const RolloutView = z
  .looseObject({
    service: z.string(),
    version: int(),
    now: z.number().check(z.describe("Epoch milliseconds the preview was computed at")),
    live: z.string(),
    canary: z.nullable(
      z.looseObject({
        origin: z.string(),
        shareBp: z.number(),
        salt: z.string(),
        killed: z.boolean(),
      }),
    ),
    plan: z.nullable(Plan),
    status: z.nullable(z.looseObject({})).check(z.describe("The rollout's progress record")),
    statusCurrent: z
      .boolean()
      .check(z.describe("The progress record belongs to the document's plan")),
    metrics: z.looseObject({ version: int() }).check(z.describe("This version's per-arm metrics")),
    preview: z
      .nullable(
        z.looseObject({ verdict: z.string(), reason: z.string(), gates: z.array(GateResult) }),
      )
      .check(z.describe("What the gates say right now")),
    budget: z
      .nullable(
        z.looseObject({
          traffic: z.looseObject({ requestsPerMinute: z.number(), errorRate: z.number() }),
          steps: z.array(
            z.looseObject({
              shareBp: z.number(),
              bakeSeconds: z.number(),
              passMinutes: z.nullable(z.number()),
              surelyMinutes: z.nullable(z.number()),
              catches: z.nullable(z.number()),
              feasible: z.boolean(),
            }),
          ),
          outcomes: z.optional(
            z
              .array(
                z.looseObject({
                  metric: z.string(),
                  kind: z.enum(["guardrail", "success"]),
                  minDelta: z.number(),
                  canaryOutcomes: z.nullable(z.number()),
                  minutes: z.nullable(z.number()),
                  canaryPerMinute: z.nullable(z.number()),
                }),
              )
              .check(
                z.describe(
                  "Each outcome gate's budget over the whole rollout: canary outcomes it needs to pass (a guardrail: a canary as good as live; success: one better by minDelta) and minutes at the canary's outcome rate so far",
                ),
              ),
          ),
        }),
      )
      .check(
        z.describe(
          "Each step's evidence budget at this version's measured traffic: expected minutes to pass a canary as good as live, the smallest error-rate increase caught with 90% probability within bake + extension, and whether the step can decide in time (null before a minute of identified traffic)",
        ),
      ),
  })
  .check(z.meta({ id: "RolloutView" }));

const COMMAND_SUMMARY: Record<ManualCommand, string> = {
  pause: "Pause a progressing rollout at its current share",
  resume: "Resume a paused rollout (its step's bake starts over)",
  abort: "Abort: kill the canary (every canary user back to live); the rollout ends",
  promote: "Promote now: flip live to the canary origin; the rollout ends",
};

/** A remote use case's value, or its RouterError rethrown here. */
function unwrap(outcome: ControlOutcome): unknown {
  if (outcome.ok) return outcome.value;
  const { status, code, message, detail } = outcome.error;
  throw new RouterError(status as RouterStatus, code, message, detail);
}

export const ROLLOUT_ROUTES: readonly RouteDef<AdminDeps>[] = [
  {
    method: "get",
    path: "/services/:service/rollout",
    docs: {
      operationId: "rollout.read",
      tag: "rollout",
      summary:
        "The plan, its progress and this version's per-arm metrics, with what the gates say now",
      parameters: [serviceParameter],
      ok: { description: "The rollout", schema: RolloutView },
      errors: { ...READ_ERRORS, 404: "no_routing_document", 409: "stored_document_invalid" },
    },
    handler: async (c, deps) => {
      const service = serviceParam(c);
      const stored = await deps.services.read(service);
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
        deps.rollouts.read(service),
        deps.metrics.read(doc),
        deps.shadowViews.read(doc),
      ]);
      const arms = status ? rolloutArmsOf(doc, status.startedAt, now) : null;
      const outcomes = arms ? rolloutSeries(await deps.outcomes.cells(service), arms) : null;
      return c.json(rolloutView(doc, status, raw, shadow, now, outcomes));
    },
  },
  {
    method: "post",
    path: "/services/:service/rollout/evaluate",
    docs: {
      operationId: "rollout.evaluate",
      tag: "rollout",
      summary: "Run the analyzer for this service now (as the control object's alarm does)",
      parameters: [serviceParameter],
      ok: { description: "The evaluation's outcome", schema: RolloutOutcome },
      errors: { ...READ_ERRORS, 404: "no_routing_document, or no_rollout_plan" },
    },
    handler: async (c, deps) => {
      const service = serviceParam(c);
      return c.json(unwrap(await deps.control.evaluate(service)) as object);
    },
  },
  {
    method: "post",
    path: "/services/:service/rollout/:command",
    docs: ROLLOUT_COMMANDS.map((command) => ({
      fixed: { command },
      operationId: `rollout.${command}`,
      tag: "rollout",
      summary: COMMAND_SUMMARY[command],
      description:
        "Runs inside the service's control object, serialized with its alarm's evaluations; takes precedence over the analyzer.",
      parameters: [serviceParameter, authorParameter],
      ok: { description: "The command's outcome", schema: RolloutOutcome },
      errors: {
        ...READ_ERRORS,
        404: "no_routing_document, no_rollout (none in progress)",
        409: "rollout_state: the command makes no sense in the rollout's state",
      },
    })),
    handler: async (c, deps) => {
      const service = serviceParam(c);
      const command = c.req.param("command") as ManualCommand;
      if (!ROLLOUT_COMMANDS.includes(command)) {
        throw new RouterError(404, "unknown_rollout_command", `no rollout command "${command}"`, {
          commands: ROLLOUT_COMMANDS,
        });
      }
      const author = authorOf(c, "admin");
      return c.json(unwrap(await deps.control.command(service, command, author)) as object);
    },
  },
];
