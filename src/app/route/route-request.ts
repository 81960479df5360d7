/**
 * The request path, as a sequence of steps: resolve the service, load its
 * routing document, choose the arm, plan what the body is kept for, forward
 * with failover, answer the client, report.
 *
 * Layer: app (the request path use case); it wires the pure core
 * (matchService, decide) to the ports (routing documents, origin client,
 * router events: src/ports/). Everything it needs arrives in `RouterDeps`,
 * built once per isolate from the adapters by the composition root
 * (src/index.ts). The steps before the
 * origin is called live here; forward.ts calls the origins and builds the
 * answer, report.ts records it. A step refuses a request by throwing a
 * RouterError (rendered by src/http/app.ts).
 */

import { RECEIPT_HEADER } from "../../core/outcomes/receipt.ts";
import { pathRefusal } from "../../core/routing/confine-path.ts";
import { decide } from "../../core/routing/decide.ts";
import { type RequestUrl, splitRequestUrl } from "../../core/routing/request-url.ts";
import { type HostMap, matchService, type ServiceMatch } from "../../core/routing/service-match.ts";
import type { RoutingDocument } from "../../document/routing-document.ts";
import type { LoadResult } from "../../ports/routing-documents.ts";
import { RouterError } from "../errors.ts";
import { planShadow } from "../shadow/shadow-dispatch.ts";
import { hasBody } from "./declared-length.ts";
import { forwardWithFailover, respond } from "./forward.ts";
import { HOP_HEADER, OVERRIDE_HEADER } from "./forward-headers.ts";
import { authenticatedOverride } from "./override-auth.ts";
import { issueReceipt } from "./receipt-issue.ts";
import { report } from "./report.ts";
import { resolveIdentity } from "./resolve-identity.ts";
import { RouteContext, type RouterDeps, type WaitUntil } from "./route-context.ts";

export type { RouterDeps } from "./route-context.ts";

/** Routes one request to an arm of its service and answers with that arm's response. */
export async function routeRequest(
  request: Request,
  deps: RouterDeps,
  waitUntil: WaitUntil,
  url: RequestUrl = splitRequestUrl(request.url),
): Promise<Response> {
  const started = performance.now();
  const match = resolveService(request, url, deps.hosts);
  const doc = await loadDocument(deps.store, match.service, waitUntil);
  const route = new RouteContext(request, url, match, doc, deps, waitUntil, started);
  await chooseArm(route);
  await planReplays(route);
  const outcome = await forwardWithFailover(route);
  const response = respond(route, outcome);
  if (route.receipt) response.headers.set(RECEIPT_HEADER, await route.receipt);
  report(route, outcome, response);
  return response;
}

/** Methods never forwarded: TRACE/TRACK echo credentials back (XST), CONNECT opens a tunnel. */
const REFUSED_METHODS = new Set(["TRACE", "TRACK", "CONNECT"]);
const ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

/**
 * The service the request is for; refuses a request that already passed
 * through a router (508), a refused method (405), an unknown service (404),
 * a path that could leave the origin's base path (400), a GET/HEAD with a
 * body (400).
 */
function resolveService(request: Request, url: RequestUrl, hosts: HostMap): ServiceMatch {
  if (request.headers.has(HOP_HEADER)) {
    throw new RouterError(
      508,
      "loop_detected",
      "this request was forwarded by a router already: an origin of the routing document is the router itself",
    );
  }
  if (REFUSED_METHODS.has(request.method.toUpperCase())) {
    throw new RouterError(
      405,
      "method_not_allowed",
      `${request.method} is not forwarded to model origins`,
      {},
      { allow: ALLOWED_METHODS },
    );
  }
  const match = matchService(url.host, url.pathname, hosts);
  if (!match) {
    throw new RouterError(404, "unknown_service", "no model service matches this host or path");
  }
  if (pathRefusal(match.originPath) !== null) {
    throw new RouterError(
      400,
      "path_not_confined",
      "the path has a dot-segment (`.` or `..`, in some encoding); send the normalized path",
      { service: match.service },
    );
  }
  // fetch() refuses to send these; answering for the client keeps it from
  // being recorded as a failure of the arm it was routed to.
  if ((request.method === "GET" || request.method === "HEAD") && hasBody(request)) {
    throw new RouterError(
      400,
      "body_not_allowed",
      `a ${request.method} request cannot carry a body`,
      { service: match.service },
    );
  }
  return match;
}

/** The service's routing document; refuses (503) one that cannot be read, is missing or invalid. */
async function loadDocument(
  store: RouterDeps["store"],
  service: string,
  waitUntil: WaitUntil,
): Promise<RoutingDocument> {
  let loaded: LoadResult;
  try {
    loaded = await store.load(service, waitUntil);
  } catch {
    // KV unreachable and nothing memoized for this service (logged by the store).
    throw new RouterError(
      503,
      "routing_unavailable",
      `routing state for "${service}" cannot be read`,
      { service },
    );
  }
  if (loaded.status === "missing") {
    throw new RouterError(
      503,
      "no_routing_document",
      `no routing document for service "${service}"`,
      { service },
    );
  }
  if (loaded.status === "invalid") {
    // The field errors are the operator's (logged by the store, shown by the
    // admin API and `router status`), not the client's.
    throw new RouterError(
      503,
      "invalid_routing_document",
      `routing for "${service}" is not available`,
      { service },
    );
  }
  return loaded.doc;
}

/** Who the request is for (an authenticated override, else the user) and the arm that serves it. */
async function chooseArm(route: RouteContext): Promise<void> {
  const { request, doc, deps } = route;
  // Without the header there is no override, and nothing to await.
  route.override = request.headers.has(OVERRIDE_HEADER)
    ? await authenticatedOverride(
        request.headers,
        route.match.service,
        doc.origins,
        deps.overrideToken,
      )
    : null;
  route.identity = route.override
    ? null
    : await resolveIdentity(doc.identity.sources, {
        headers: request.headers,
        body: route.body,
        jwtSecret: deps.jwtSecret,
        anonymousCookie: doc.identity.anonymousCookie?.name,
      });
  route.decision = decide(doc, {
    userId: route.identity?.userId ?? null,
    override: route.override,
  });
  // Signed while the origin answers (an identified user's decided arm; never an override).
  if (deps.receipts && route.identity && route.decision.role !== "override") {
    route.receipt = issueReceipt(
      deps.receipts,
      doc,
      route.decision.origin,
      route.identity.userId,
      Date.now(),
    );
  }
}

/**
 * What the body is kept for, decided before production is called: failover
 * (replayed on live) and the shadow's copy (buffered once for both origins).
 * A small declared body is read whole first, whoever needs it.
 */
async function planReplays(route: RouteContext): Promise<void> {
  const { doc, decision, deps } = route;
  const reading = route.body.readIfSmall();
  if (reading) await reading;
  // Only a non-live arm of a service whose requests are safe to replay fails
  // over, and only with a body buffered within retry.maxBodyBytes; a larger
  // one streams to its arm without failover (counted in the AE data point).
  route.wantsFailover =
    doc.retry.safe && (decision.role === "canary" || decision.role === "challenger");
  route.mayFailOver =
    route.wantsFailover && (await route.body.upTo(doc.retry.maxBodyBytes)) !== null;
  // planShadow says no without these as well; asking first spares the common path an await.
  if (doc.shadow && deps.shadow) {
    route.shadow = await planShadow(
      doc,
      {
        service: route.match.service,
        method: route.request.method,
        originPath: route.match.originPath,
        search: route.url.search,
        arm: decision.origin,
        role: decision.role,
        bucket: decision.bucket,
        userId: route.identity?.userId ?? null,
        headers: route.request.headers,
        body: route.body,
      },
      deps.shadow,
      route.waitUntil,
    );
  }
}
