/**
 * Reporting, the last step of the request path: one Analytics Engine data
 * point per request, the arm's request metrics for the rollout analyzer
 * (carried to the service's control object by the next check-in), and the
 * shadow mirror, started in the background.
 *
 * Layer: app, the request path (a step of routeRequest, route-request.ts).
 * Nothing here delays or fails the user's response: the data point and the
 * metrics are fire-and-forget, and the mirror runs inside waitUntil.
 */

import type { AnswerTiming } from "../../core/answers/stream-sums.ts";
import { usageTokensOf } from "../../core/answers/usage.ts";
import { type RequestObservation, revisionOf } from "../../core/rollout/request-metrics.ts";
import { userHashOf } from "../../core/rollout/user-sums.ts";
import { mirrorToShadow } from "../shadow/shadow-dispatch.ts";
import { type RouteContext, type Sent, writeRequestEvent } from "./route-context.ts";

/** Records the request (AE data point, arm metrics) and starts the shadow mirror. */
export function report(route: RouteContext, outcome: Sent, response: Response): void {
  writeEvent(route, response.status);
  recordMetrics(route);
  startMirror(route, outcome);
}

/** The request's AE data point: after a failover it counts as live's. */
function writeEvent(route: RouteContext, status: number): void {
  const { decision, doc } = route;
  writeRequestEvent(route.deps.events, {
    service: route.match.service,
    origin: route.served,
    role: route.failover ? "live" : decision.role,
    reason: route.failover ? "failover" : decision.reason,
    identitySource: route.identity?.source ?? "none",
    errorKind: route.errorKind,
    status,
    totalMs: route.totalMs,
    originMs: route.originMs,
    failover: route.failover,
    failoverSkipped: route.wantsFailover && !route.mayFailOver,
    bucket: decision.bucket,
    version: doc.version,
  });
}

/**
 * The decided arm's observation for the rollout analyzer (its first attempt,
 * failover or not). An identified request's user hash is computed here,
 * once: the only hash the metrics cost a request.
 */
function recordMetrics(route: RouteContext): void {
  const { decision, deps, doc } = route;
  // Smoke tests through the override are not traffic of any arm (but the
  // document they are routed by is kept current all the same).
  if (decision.role === "override") {
    deps.checkIns?.touch(route.match.service, route.waitUntil);
    return;
  }
  const metrics = deps.metrics;
  if (!metrics) return;
  const observation: RequestObservation = {
    service: route.match.service,
    version: doc.version,
    revision: revisionOf(doc),
    origin: decision.origin,
    role: decision.role,
    identified: route.identity !== null,
    userHash: route.identity ? userHashOf(route.identity.userId) : null,
    status: route.firstAttemptStatus,
    failed: route.errorKind !== "",
    failover: route.failover,
    originMs: route.firstAttemptMs,
    at: Date.now(),
  };
  // A streamed answer of the decided arm is judged once it has ended: one
  // that broke off is the arm's error, and its latency is what the plan's
  // latency gate measures (to the first byte, or to the last).
  const stream = route.failover ? null : route.streamDone;
  const copy = route.usageCopy;
  if (copy && !route.failover) {
    route.waitUntil(
      usageOf(copy).then((usageTokens) =>
        metrics.record(
          usageTokens === null ? observation : { ...observation, stream: answerUsage(usageTokens) },
          route.waitUntil,
        ),
      ),
    );
    return;
  }
  if (copy) void copy.body?.cancel().catch(() => {});
  if (!stream) {
    metrics.record(observation, route.waitUntil);
    return;
  }
  const measure = doc.rollout?.gates.latencyP95Ratio.measure ?? "total";
  route.waitUntil(
    stream.then((t) => {
      const latency =
        t.firstByteMs === null
          ? null
          : measure === "first-token"
            ? t.firstByteMs
            : t.firstByteMs + t.streamMs;
      metrics.record(
        { ...observation, failed: observation.failed || t.broken, originMs: latency, stream: t },
        route.waitUntil,
      );
    }),
  );
}

/** The token usage in a JSON answer's copy (its length known and small), or null. */
async function usageOf(copy: Response): Promise<number | null> {
  try {
    return usageTokensOf(JSON.parse(await copy.text()));
  } catch {
    return null;
  }
}

/** A whole (not streamed) answer as the metrics count it: its usage only. */
const answerUsage = (usageTokens: number): AnswerTiming => ({
  streamed: false,
  firstByteMs: null,
  streamMs: 0,
  bytes: 0,
  events: 0,
  usageTokens,
  broken: false,
});

/** For a mirrored request: sends the shadow copy and compares, once the user has the answer. */
function startMirror(route: RouteContext, outcome: Sent): void {
  const { shadow, deps } = route;
  if (!shadow || !deps.shadow) return;
  const production = {
    copy: route.productionCopy,
    originMs: route.originMs,
    errorKind: outcome.ok ? ("" as const) : outcome.kind,
    served: route.served,
    role: route.failover ? "live" : route.decision.role,
    bucket: route.decision.bucket,
  };
  route.waitUntil(mirrorToShadow(shadow, production, route.headers, deps.shadow, route.waitUntil));
}
