/**
 * The request path: match the service, load its routing document, resolve
 * the user, decide, forward, fail over, and report.
 *
 * Layer: app (the request path use case); it wires the pure core (matchService, decide) to the
 * adapters (routing store, origin client, analytics sink). Everything it
 * needs arrives in `RouterDeps`, built once per isolate by the composition
 * root (src/index.ts).
 */

import { writeRequestEvent } from "../../adapters/analytics/request-events.ts";
import { callOrigin, type OriginOutcome } from "../../adapters/fetch/origin-client.ts";
import type { KvMetricsRecorder } from "../../adapters/kv/metrics-store.ts";
import type { KvRoutingStore } from "../../adapters/kv/routing-store.ts";
import { revisionOf } from "../../core/rollout/request-metrics.ts";
import { decide } from "../../core/routing/decide.ts";
import { type HostMap, joinOriginUrl, matchService } from "../../core/routing/service-match.ts";
import { RouterError } from "../errors.ts";
import {
  mirrorToShadow,
  planShadow,
  SHADOW_HEADER,
  type ShadowDeps,
} from "../shadow/shadow-dispatch.ts";
import { anonymousIdCookie } from "./anonymous-cookie.ts";
import { clientResponse, originRequestHeaders, VARIANT_HEADER } from "./forward-headers.ts";
import { authenticatedOverride } from "./override-auth.ts";
import { RequestBody } from "./request-body.ts";
import { resolveIdentity } from "./resolve-identity.ts";

export interface RouterDeps {
  store: KvRoutingStore;
  hosts: HostMap;
  events: AnalyticsEngineDataset | undefined;
  overrideToken: string | undefined;
  jwtSecret: string | undefined;
  /** Shadow mode (mirroring + comparison); absent = never mirror. */
  shadow?: ShadowDeps;
  /** Per-arm request metrics for the rollout analyzer (per-isolate, flushed to KV). */
  metrics?: KvMetricsRecorder;
}

type WaitUntil = (promise: Promise<unknown>) => void;
type Sent = Exclude<OriginOutcome, { kind: "unsendable" }>;

export async function routeRequest(
  request: Request,
  deps: RouterDeps,
  waitUntil: WaitUntil,
): Promise<Response> {
  const started = performance.now();
  const url = new URL(request.url);
  const match = matchService(url.host, url.pathname, deps.hosts);
  if (!match) {
    throw new RouterError(404, "unknown_service", "no model service matches this host or path");
  }
  const { service } = match;
  // fetch() refuses to send these; answering for the client keeps it from
  // being recorded as a failure of the arm it was routed to.
  if ((request.method === "GET" || request.method === "HEAD") && new RequestBody(request).present) {
    throw new RouterError(
      400,
      "body_not_allowed",
      `a ${request.method} request cannot carry a body`,
      {
        service,
      },
    );
  }

  const loaded = await deps.store.load(service, waitUntil).catch(() => {
    // KV unreachable and nothing memoized for this service (logged by the store).
    throw new RouterError(
      503,
      "routing_unavailable",
      `routing state for "${service}" cannot be read`,
      {
        service,
      },
    );
  });
  if (loaded.status === "missing") {
    throw new RouterError(
      503,
      "no_routing_document",
      `no routing document for service "${service}"`,
      {
        service,
      },
    );
  }
  if (loaded.status === "invalid") {
    throw new RouterError(
      503,
      "invalid_routing_document",
      `routing document for "${service}" is invalid`,
      {
        service,
        errors: loaded.errors,
      },
    );
  }
  const doc = loaded.doc;

  const override = await authenticatedOverride(
    request.headers,
    service,
    doc.origins,
    deps.overrideToken,
  );
  const body = new RequestBody(request);
  const anonymousCookie = doc.identity.anonymousCookie?.name;
  const identity = override
    ? null
    : await resolveIdentity(doc.identity.sources, {
        headers: request.headers,
        body,
        jwtSecret: deps.jwtSecret,
        anonymousCookie,
      });
  const decision = decide(doc, { userId: identity?.userId ?? null, override });

  // Only a non-live arm of a service whose requests are safe to replay fails
  // over, and only with a body buffered within retry.maxBodyBytes; a larger
  // one streams to its arm without failover (counted in the AE data point).
  const wantsFailover =
    doc.retry.safe && (decision.role === "canary" || decision.role === "challenger");
  const mayFailOver = wantsFailover && (await body.upTo(doc.retry.maxBodyBytes)) !== null;

  // Decided before production is called: a mirrored body is buffered once.
  const shadow = await planShadow(
    doc,
    {
      service,
      method: request.method,
      originPath: match.originPath,
      search: url.search,
      arm: decision.origin,
      role: decision.role,
      bucket: decision.bucket,
      userId: identity?.userId ?? null,
      headers: request.headers,
      body,
    },
    deps.shadow,
    waitUntil,
  );

  const headers = originRequestHeaders(request.headers, {
    clientIp: request.headers.get("cf-connecting-ip"),
    proto: url.protocol.slice(0, -1),
    host: url.host,
  });
  headers.delete(SHADOW_HEADER); // only the router marks shadow traffic
  const send = async (originName: string): Promise<Sent> => {
    const origin = doc.origins[originName];
    if (!origin) throw new RouterError(500, "unknown_origin", "routing chose an unknown origin");
    const outcome = await callOrigin({
      url: joinOriginUrl(origin.url, match.originPath, url.search),
      method: request.method,
      headers,
      body: body.forForwarding(),
      timeoutMs: origin.timeoutMs,
    });
    if (!outcome.ok && outcome.kind === "unsendable") {
      // The client's request, not the arm, is at fault: answered, never counted.
      throw new RouterError(
        400,
        "request_not_forwardable",
        "this request cannot be forwarded as sent",
        {
          service,
        },
      );
    }
    return outcome;
  };

  let served = decision.origin;
  let outcome = await send(served);
  let originMs = outcome.durationMs;
  const firstAttemptMs = outcome.response ? outcome.durationMs : null;
  let failover = false;
  const errorKind = outcome.ok ? "" : outcome.kind;
  if (!outcome.ok && mayFailOver) {
    await outcome.response?.body?.cancel();
    failover = true;
    served = doc.live;
    outcome = await send(served);
    originMs += outcome.durationMs;
  }

  const totalMs = performance.now() - started;
  // The comparison reads a tee of the origin's body; the user's branch streams as before.
  const productionCopy = shadow && outcome.response ? outcome.response.clone() : null;
  let response: Response;
  if (outcome.response) {
    response = clientResponse(outcome.response, {
      variant: served,
      routerMs: Math.max(0, totalMs - originMs),
      originMs,
      originBase: doc.origins[served]?.url ?? "",
      publicPrefix: match.publicPrefix,
      originRequestUrl: joinOriginUrl(doc.origins[served]?.url ?? "", match.originPath, url.search),
      origins: doc.origins,
    });
  } else {
    const timedOut = !outcome.ok && outcome.kind === "timeout";
    response = Response.json(
      {
        error: timedOut ? "origin_timeout" : "origin_unavailable",
        message: timedOut
          ? "the model origin did not answer in time"
          : "the model origin could not be reached",
        service,
        variant: served,
      },
      { status: timedOut ? 504 : 502, headers: { [VARIANT_HEADER]: served } },
    );
  }

  if (!identity && !override && doc.identity.anonymousCookie) {
    const cookie = anonymousIdCookie(doc.identity.anonymousCookie, url.protocol === "https:");
    if (cookie) response.headers.append("set-cookie", cookie);
  }

  writeRequestEvent(deps.events, {
    service,
    origin: served,
    role: failover ? "live" : decision.role,
    reason: failover ? "failover" : decision.reason,
    identitySource: identity?.source ?? "none",
    errorKind,
    status: response.status,
    totalMs,
    originMs,
    failover,
    failoverSkipped: wantsFailover && !mayFailOver,
    bucket: decision.bucket,
    version: doc.version,
  });

  // Smoke tests through the override are not traffic of any arm.
  if (deps.metrics && decision.role !== "override") {
    deps.metrics.record(
      {
        service,
        version: doc.version,
        revision: revisionOf(doc),
        origin: decision.origin,
        role: decision.role,
        identified: identity !== null,
        failed: errorKind !== "",
        failover,
        originMs: firstAttemptMs,
        at: Date.now(),
      },
      waitUntil,
    );
  }

  if (shadow && deps.shadow) {
    const production = {
      copy: productionCopy,
      originMs,
      errorKind: outcome.ok ? ("" as const) : outcome.kind,
      served,
      role: failover ? "live" : decision.role,
      bucket: decision.bucket,
    };
    waitUntil(mirrorToShadow(shadow, production, headers, deps.shadow, waitUntil));
  }
  return response;
}
