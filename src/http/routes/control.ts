/**
 * What the admin API shows of a service's control object, under
 * /_router/admin/services/:service (behind the same adminAuth):
 *   GET /control            the object's state: version, isolates checking in,
 *                           check-ins per second, the interval it hands out,
 *                           the version KV holds, the next alarm;
 *   GET /shadow?records=N   each shadow origin's merged summary (agreement,
 *                           |delta| and latency percentiles, errors) and the
 *                           newest notable pairs (default 20, at most 500);
 *   GET /series?minutes=M   requests, errors, failovers and latency per arm in
 *                           10 s buckets over the last M minutes (default 60, at
 *                           most 360).
 * Each with what the OpenAPI document says of it.
 *
 * Layer: HTTP edge (admin): parse, call the port, render.
 */

import { type StreamSums, viewStream } from "../../core/answers/stream-sums.ts";
import { LATENCY_MS, quantile } from "../../core/histogram.ts";
import { viewSummary } from "../../core/shadow/summary.ts";
import * as z from "../../document/zod.ts";
import { int } from "./api-schemas.ts";
import {
  type AdminContext,
  type AdminDeps,
  READ_ERRORS,
  serviceParam,
  serviceParameter,
} from "./request-params.ts";
import type { RouteDef } from "./route-def.ts";

const intQuery = (c: AdminContext, name: string, fallback: number, max: number): number => {
  const n = Number(c.req.query(name) ?? fallback);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : fallback;
};

const ControlStatus = z
  .looseObject({
    service: z.string(),
    version: int(),
    isolates: int().check(
      z.describe(
        "Isolates that checked in during the last minute, directly or behind a location aggregator (as the aggregators report them)",
      ),
    ),
    aggregators: int().check(
      z.describe("Location aggregators that checked in during the last minute (fan-in)"),
    ),
    route: z
      .enum(["direct", "fan-in"])
      .check(
        z.describe(
          "Where isolates check in: with this object, or their location's aggregator (FANIN)",
        ),
      ),
    checkInsPerSecond: z.number(),
    intervalMs: int().check(z.describe("The check-in interval the object hands out")),
    kvVersion: int().check(z.describe("The version last written to KV")),
    kv: z
      .object({
        state: z.enum(["ok", "behind", "deleted", "invalid"]),
        version: z.nullable(int()),
      })
      .check(
        z.describe(
          "What KV held when the object last looked: ok (its document), behind (a document it replaced moments ago: a stale read), deleted or invalid; and the version in that text",
        ),
      ),
    rolloutActive: z.boolean(),
    nextAlarmAt: z.nullable(z.number()),
    kvOps: z.object({ reads: int(), writes: int() }),
  })
  .check(z.meta({ id: "ControlStatus" }));

const ShadowEvidence = z
  .object({
    service: z.string(),
    shadows: z
      .array(z.looseObject({}))
      .check(
        z.describe(
          "Each shadow origin's merged summary: agreement, |Δscore|, latency, errors; the similarity distribution (11 bins: [0, 0.1) .. [0.9, 1), and 1); streamed answers cut at the bounds; each arm's streamed answers (time to first byte, events/s) and tokens per answer",
        ),
      ),
    records: z.array(z.looseObject({})).check(z.describe("The newest notable pairs, newest first")),
  })
  .check(z.meta({ id: "ShadowEvidence" }));

const Series = z
  .object({
    service: z.string(),
    bucketMs: int(),
    points: z.array(
      z.object({
        at: z.number().check(z.describe("Bucket start, epoch milliseconds")),
        arm: z.string(),
        requests: int(),
        errors: int(),
        failovers: int(),
        p50Ms: z.nullable(z.number()),
        p95Ms: z.nullable(z.number()),
        firstByteP50Ms: z
          .nullable(z.number())
          .check(z.describe("Streamed answers' time to first byte (null: none streamed)")),
        firstByteP95Ms: z.nullable(z.number()),
        eventsPerSecond: z
          .nullable(z.number())
          .check(z.describe("Server-sent events (about tokens) per second after the first byte")),
        tokensPerAnswer: z
          .nullable(z.number())
          .check(z.describe("Mean usage tokens of answers that reported them")),
      }),
    ),
  })
  .check(z.meta({ id: "Series" }));

/** A series point's streamed-answer numbers (all null when the bucket had none). */
function streamPoint(streams: StreamSums | undefined) {
  const v = streams ? viewStream(streams) : null;
  return {
    firstByteP50Ms: v?.firstByteP50Ms ?? null,
    firstByteP95Ms: v?.firstByteP95Ms ?? null,
    eventsPerSecond: v?.eventsPerSecond ?? null,
    tokensPerAnswer: v?.tokensPerAnswer ?? null,
  };
}

export const CONTROL_ROUTES: readonly RouteDef<AdminDeps>[] = [
  {
    method: "get",
    path: "/services/:service/control",
    docs: {
      operationId: "control.status",
      tag: "control",
      summary:
        "The control object: its version, isolates checking in, the interval it hands out, KV's version, the next alarm",
      parameters: [serviceParameter],
      ok: { description: "The object's state", schema: ControlStatus },
      errors: READ_ERRORS,
    },
    handler: async (c, deps) => c.json(await deps.controlPlane.status(serviceParam(c))),
  },
  {
    method: "get",
    path: "/services/:service/shadow",
    docs: {
      operationId: "control.shadow",
      tag: "control",
      summary: "Each shadow origin's merged summary, and the newest notable pairs",
      parameters: [
        serviceParameter,
        {
          name: "records",
          in: "query",
          description: "Notable pairs to return (at most 500; anything else gives 20)",
          schema: z._default(z.number().check(z.int(), z.gte(1)), 20),
        },
      ],
      ok: { description: "Shadow evidence", schema: ShadowEvidence },
      errors: READ_ERRORS,
    },
    handler: async (c, deps) => {
      const service = serviceParam(c);
      const [summaries, records] = await Promise.all([
        deps.controlPlane.shadowSummaries(service),
        deps.controlPlane.shadowRecords(service, intQuery(c, "records", 20, 500)),
      ]);
      // The view, plus the raw |Δscore| histogram for a distribution chart.
      const shadows = summaries.map((s) => ({
        ...viewSummary(s),
        agreed: s.agreed,
        absDelta: s.absDelta,
      }));
      return c.json({ service, shadows, records });
    },
  },
  {
    method: "get",
    path: "/services/:service/series",
    docs: {
      operationId: "control.series",
      tag: "control",
      summary: "Requests, errors, failovers and latency per arm, in 10 s buckets",
      parameters: [
        serviceParameter,
        {
          name: "minutes",
          in: "query",
          description: "How far back (at most 360; anything else gives 60)",
          schema: z._default(z.number().check(z.int(), z.gte(1)), 60),
        },
      ],
      ok: { description: "The time series", schema: Series },
      errors: READ_ERRORS,
    },
    handler: async (c, deps) => {
      const service = serviceParam(c);
      const minutes = intQuery(c, "minutes", 60, 360);
      const points = await deps.controlPlane.series(service, Date.now() - minutes * 60_000);
      return c.json({
        service,
        bucketMs: 10_000,
        points: points.map((p) => ({
          at: p.at,
          arm: p.arm,
          requests: p.requests,
          errors: p.errors,
          failovers: p.failovers,
          p50Ms: quantile(p.latencyMs, LATENCY_MS, 0.5),
          p95Ms: quantile(p.latencyMs, LATENCY_MS, 0.95),
          ...streamPoint(p.streams),
        })),
      });
    },
  },
];
