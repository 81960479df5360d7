/**
 * Forwarding, the middle of the request path: send the request to the
 * chosen arm, fail over to live when the plan allows, and turn what came
 * back into the client's response.
 *
 * Layer: app, the request path (steps of routeRequest, route-request.ts).
 * Origin failures are values (the OriginClient port, src/ports/origin-client.ts): a failed arm without
 * failover is answered 502/504 here; only a request the runtime cannot
 * send at all is refused (400), never counted against the arm.
 */

import { isEventStream } from "../../core/answers/sse.ts";
import { joinOriginUrl } from "../../core/routing/service-match.ts";
import type { OriginOutcome, OriginRequest } from "../../ports/origin-client.ts";
import { RouterError } from "../errors.ts";
import { SHADOW_HEADER } from "../shadow/shadow-dispatch.ts";
import { anonymousIdCookie } from "./anonymous-cookie.ts";
import { clientBodyError } from "./client-body-error.ts";
import { clientResponse, originRequestHeaders, VARIANT_HEADER } from "./forward-headers.ts";
import type { RouteContext, Sent } from "./route-context.ts";
import { firstRead, meterStream } from "./stream-meter.ts";

/** Sends to the decided arm, then once to live if it failed and may fail over; times both. */
export async function forwardWithFailover(route: RouteContext): Promise<Sent> {
  route.headers = forwardedHeaders(route);
  let served = route.decision.origin;
  route.calledAt = performance.now();
  let outcome = sent(route, await route.deps.callOrigin(originRequest(route, served)));
  // Also after an answer: the origin may have answered a body the client never finished.
  refuseClientFault(route, outcome);
  // A stream that may still fail over is committed to at its first byte.
  if (
    route.mayFailOver &&
    outcome.ok &&
    isEventStream(outcome.response.headers.get("content-type"))
  )
    outcome = await awaitFirstByte(route, outcome);
  let originMs = outcome.durationMs;
  route.firstAttemptMs = outcome.response ? outcome.durationMs : null;
  route.firstAttemptStatus = outcome.response?.status ?? 0;
  route.errorKind = outcome.ok ? "" : outcome.kind;
  if (!outcome.ok && route.mayFailOver) {
    await outcome.response?.body?.cancel();
    route.failover = true;
    served = route.doc.live;
    route.calledAt = performance.now();
    route.firstChunk = null;
    outcome = sent(route, await route.deps.callOrigin(originRequest(route, served)));
    originMs += outcome.durationMs;
  }
  route.served = served;
  route.originMs = originMs;
  route.totalMs = performance.now() - route.started;
  return outcome;
}

/**
 * Waits, within the origin's timeout, for the first chunk of a streamed
 * answer from an arm that may fail over: one that dies or stays silent
 * before its first byte has sent the client nothing yet, so live can still
 * answer. The chunk read is kept for the client (route.firstChunk).
 */
async function awaitFirstByte(route: RouteContext, outcome: Sent & { ok: true }): Promise<Sent> {
  const reader = outcome.response.body?.getReader();
  if (!reader) return outcome;
  const timeoutMs = originTimeoutMs(route, route.decision.origin) - outcome.durationMs;
  const first = await firstRead(reader, timeoutMs).catch(() => null);
  const durationMs = performance.now() - route.calledAt;
  if (first !== null && first !== "timeout" && !first.done) {
    route.firstChunk = { reader, chunk: first.value, at: performance.now() };
    return outcome;
  }
  void reader.cancel().catch(() => {});
  const kind = first === "timeout" ? "timeout" : "stream-broken";
  return { ok: false, kind, response: null, durationMs };
}

const originTimeoutMs = (route: RouteContext, name: string) =>
  route.doc.origins[name]?.timeoutMs ?? 0;

/**
 * A call that failed because the client's body did (aborted, badly framed,
 * short, or too slow for the origin's timeout) is refused as the client's
 * (400/408, logged by clientBodyError), never answered as the arm's failure nor counted.
 */
function refuseClientFault(route: RouteContext, outcome: Sent): void {
  const fault = route.body.clientFault(!outcome.ok && outcome.kind === "timeout");
  if (fault === null) return;
  outcome.response?.body?.cancel().catch(() => {});
  throw clientBodyError(fault, route.match.service);
}

/** The client's headers as origins get them: hop-by-hop and router ones out, x-forwarded-* in. */
function forwardedHeaders(route: RouteContext): Headers {
  const { request, url } = route;
  const headers = originRequestHeaders(request.headers, {
    clientIp: request.headers.get("cf-connecting-ip"),
    proto: url.protocol.slice(0, -1),
    host: url.host,
  });
  headers.delete(SHADOW_HEADER); // only the router marks shadow traffic
  return headers;
}

/** The call to one origin of the document (the body replayed if it was read). */
function originRequest(route: RouteContext, originName: string): OriginRequest {
  const origin = route.doc.origins[originName];
  if (!origin) throw new RouterError(500, "unknown_origin", "routing chose an unknown origin");
  return {
    url: joinOriginUrl(origin.url, route.match.originPath, route.url.search),
    method: route.request.method,
    headers: route.headers,
    body: route.body.forForwarding(),
    timeoutMs: origin.timeoutMs,
    signal: route.body.failureSignal,
  };
}

/** The outcome of a call that was sent; refuses (400) a request the runtime would not send. */
function sent(route: RouteContext, outcome: OriginOutcome): Sent {
  if (!outcome.ok && outcome.kind === "unsendable") {
    // The client's request, not the arm, is at fault: answered, never counted.
    throw new RouterError(
      400,
      "request_not_forwardable",
      "this request cannot be forwarded as sent",
      {
        service: route.match.service,
      },
    );
  }
  return outcome;
}

/** The client's response: the origin's, or a 502/504 when it gave none; plus the anonymous id. */
export function respond(route: RouteContext, outcome: Sent): Response {
  const answer = outcome.response ? metered(route, outcome.response) : null;
  // The comparison reads a tee of the origin's body; the user's branch streams as before.
  if (route.shadow && answer) route.productionCopy = answer.clone();
  if (answer && wantsUsage(route, answer)) route.usageCopy = answer.clone();
  const response = answer ? fromOrigin(route, answer) : originFailed(route, outcome);
  const { doc } = route;
  if (!route.identity && !route.override && doc.identity.anonymousCookie) {
    const cookie = anonymousIdCookie(doc.identity.anonymousCookie, route.url.protocol === "https:");
    if (cookie) response.headers.append("set-cookie", cookie);
  }
  return response;
}

/**
 * A streamed answer (server-sent events) goes to the client through the
 * meter (stream-meter.ts): timed, and ended cleanly if the origin breaks
 * off; route.streamDone settles when it ends. Any other body passes as is.
 */
function metered(route: RouteContext, origin: Response): Response {
  const held = route.firstChunk;
  if (!held && !(origin.body && isEventStream(origin.headers.get("content-type")))) return origin;
  const reader = held?.reader ?? origin.body?.getReader();
  if (!reader) return origin;
  const elapsed = performance.now() - route.calledAt;
  const stream = meterStream(reader, {
    calledAt: route.calledAt,
    first: held ? { chunk: held.chunk, at: held.at } : null,
    firstByteTimeoutMs: originTimeoutMs(route, route.served) - elapsed,
  });
  route.streamDone = stream.done;
  return new Response(stream.body, origin);
}

/** The most of a JSON answer read for its token usage (tokenUsage "all"). */
export const USAGE_MAX_BYTES = 65_536;

/** A JSON answer of known, small length, of a service that asks for every answer's usage. */
function wantsUsage(route: RouteContext, answer: Response): boolean {
  if (route.doc.tokenUsage !== "all" || route.streamDone || !answer.body) return false;
  if (!/^\s*application\/(?:[\w.+-]*\+)?json\b/i.test(answer.headers.get("content-type") ?? ""))
    return false;
  const length = Number(answer.headers.get("content-length") ?? "NaN");
  return Number.isFinite(length) && length <= USAGE_MAX_BYTES;
}

/** The served origin's response, its headers cleaned and its URLs rewritten to the public path. */
function fromOrigin(route: RouteContext, origin: Response): Response {
  const { doc, match, served } = route;
  const base = doc.origins[served]?.url ?? "";
  return clientResponse(origin, {
    variant: served,
    routerMs: Math.max(0, route.totalMs - route.originMs),
    originMs: route.originMs,
    originBase: base,
    publicPrefix: match.publicPrefix,
    originRequestUrl: joinOriginUrl(base, match.originPath, route.url.search),
    origins: doc.origins,
  });
}

/** The answer when the served origin gave no response: 504 after a timeout, else 502. */
function originFailed(route: RouteContext, outcome: Sent): Response {
  const timedOut = !outcome.ok && outcome.kind === "timeout";
  return Response.json(
    {
      error: timedOut ? "origin_timeout" : "origin_unavailable",
      message: timedOut
        ? "the model origin did not answer in time"
        : "the model origin could not be reached",
      service: route.match.service,
      variant: route.served,
    },
    { status: timedOut ? 504 : 502, headers: { [VARIANT_HEADER]: route.served } },
  );
}
