/**
 * What the admin API shows of a service's control object, mounted under
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
 *
 * Layer: HTTP edge (admin): parse, call the port, render.
 */
import { Hono } from "hono";
import { LATENCY_MS, quantile } from "../../core/histogram.ts";
import { viewSummary } from "../../core/shadow/summary.ts";
import {
  type AdminContext,
  type AdminDepsFor,
  type AdminEnv,
  serviceParam,
} from "./request-params.ts";

const intQuery = (c: AdminContext, name: string, fallback: number, max: number): number => {
  const n = Number(c.req.query(name) ?? fallback);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : fallback;
};

export function controlRoutes(depsFor: AdminDepsFor): Hono<AdminEnv> {
  const routes = new Hono<AdminEnv>();
  const plane = (c: AdminContext) => depsFor(c.env).controlPlane;

  routes.get("/control", async (c) => c.json(await plane(c).status(serviceParam(c))));

  routes.get("/shadow", async (c) => {
    const service = serviceParam(c);
    const [summaries, records] = await Promise.all([
      plane(c).shadowSummaries(service),
      plane(c).shadowRecords(service, intQuery(c, "records", 20, 500)),
    ]);
    // The view, plus the raw |Δscore| histogram for a distribution chart.
    const shadows = summaries.map((s) => ({
      ...viewSummary(s),
      agreed: s.agreed,
      absDelta: s.absDelta,
    }));
    return c.json({ service, shadows, records });
  });

  routes.get("/series", async (c) => {
    const service = serviceParam(c);
    const minutes = intQuery(c, "minutes", 60, 360);
    const points = await plane(c).series(service, Date.now() - minutes * 60_000);
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
      })),
    });
  });

  return routes;
}
