/**
 * GET /_router/admin/services/<s>/challengers: the champion-challenger
 * leaderboard (src/app/outcomes/challenger-board.ts): every challenger
 * against the champion on every metric, with its anytime-valid interval,
 * verdict and the time still needed at current traffic.
 *
 * Layer: HTTP edge (admin).
 */
import { challengerBoard } from "../../app/outcomes/challenger-board.ts";
import * as z from "../../document/zod.ts";
import { int } from "./api-schemas.ts";
import {
  type AdminDeps,
  notFound,
  READ_ERRORS,
  serviceParam,
  serviceParameter,
} from "./request-params.ts";
import type { RouteDef } from "./route-def.ts";

const Verdict = z.enum(["better", "worse", "undecided"]);
const num = () => z.nullable(z.number());

const MetricStanding = z
  .looseObject({
    metric: z
      .string()
      .check(z.describe('"error-rate", "latency" (mean of 100 ln ms) or an outcome')),
    better: z.enum(["higher", "lower"]),
    unit: z.enum(["rate", "log-ms", "number"]),
    champion: z.looseObject({ n: int(), mean: num() }),
    challenger: z.looseObject({ n: int(), mean: num() }),
    effect: num().check(z.describe("Challenger minus champion")),
    lo: num().check(z.describe("Anytime-valid lower bound of the effect")),
    hi: num().check(z.describe("Anytime-valid upper bound of the effect")),
    verdict: Verdict,
    moreNeeded: num().check(
      z.describe("More challenger observations the interval needs to clear 0, at this estimate"),
    ),
    minutes: num().check(z.describe("...in minutes at the challenger's current traffic")),
  })
  .check(z.meta({ id: "MetricStanding" }));

const Board = z
  .looseObject({
    service: z.string(),
    champion: z.string(),
    revision: z.string(),
    alpha: z.number().check(z.describe("Per challenger, over its metrics and both sides")),
    challengers: z.array(
      z.looseObject({
        challenger: z.string(),
        shareBp: int(),
        verdict: Verdict.check(
          z.describe("worse on any metric; better on one and worse on none; else undecided"),
        ),
        metrics: z.array(MetricStanding),
      }),
    ),
  })
  .check(z.meta({ id: "ChallengerBoard" }));

export const CHALLENGER_ROUTE: RouteDef<AdminDeps> = {
  method: "get",
  path: "/services/:service/challengers",
  docs: {
    operationId: "challengers.board",
    tag: "outcomes",
    summary: "Every challenger against the champion: estimate, interval, verdict, time to decide",
    parameters: [serviceParameter],
    ok: { description: "The leaderboard", schema: Board },
    errors: { ...READ_ERRORS, 404: "no_routing_document" },
  },
  handler: async (c, deps) => {
    const service = serviceParam(c);
    const { doc } = await deps.services.read(service);
    if (!doc) throw notFound(service);
    return c.json(await challengerBoard(doc, deps, Date.now()));
  },
};
