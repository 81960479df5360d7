/**
 * Header hygiene between client and origin.
 *
 * Layer: app, the request path. Requests: hop-by-hop headers (RFC 9110 §7.6.1, plus any
 * named in Connection) and the router's own override headers are dropped;
 * x-forwarded-for / -proto / -host and the router's hop mark are set. Responses: the origin's headers
 * pass through unchanged except that hop-by-hop headers and an origin's own
 * `x-router-assignment` (the receipt is the router's) are dropped,
 * `x-model-variant` and `Server-Timing` are added, and the URLs in
 * Location, Content-Location, Link and Refresh are rewritten to the router's
 * public path or dropped when they point at an origin (url-headers.ts), so
 * origin URLs never reach clients.
 */

import { RECEIPT_HEADER } from "../../core/outcomes/receipt.ts";
import {
  type OriginUrls,
  publicHeader,
  URL_HEADERS,
  type UrlScope,
  urlScope,
} from "../../core/routing/url-headers.ts";

export const OVERRIDE_HEADER = "x-router-override";
export const OVERRIDE_TOKEN_HEADER = "x-router-override-token";
export const VARIANT_HEADER = "x-model-variant";
/**
 * Set on everything the router forwards (origins and shadows): a request
 * that arrives with it already passed through a router, so a document whose
 * origin is the router itself is refused (508) instead of looping.
 */
export const HOP_HEADER = "x-router-hop";

/** Hop-by-hop headers (RFC 9110 §7.6.1): never forwarded either way. */
export const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

function dropHopByHop(headers: Headers): void {
  const listed = headers.get("connection");
  if (listed) {
    for (const token of listed.split(",")) {
      const name = token.trim().toLowerCase();
      if (name) headers.delete(name);
    }
  }
  for (const name of HOP_BY_HOP) headers.delete(name);
}

export interface ForwardedFor {
  clientIp: string | null;
  proto: string;
  host: string;
}

export function originRequestHeaders(incoming: Headers, forwarded: ForwardedFor): Headers {
  const headers = new Headers(incoming);
  dropHopByHop(headers);
  headers.delete(OVERRIDE_HEADER);
  headers.delete(OVERRIDE_TOKEN_HEADER);
  headers.delete("host");
  // At the edge the client's own x-forwarded-for is not trusted; Cloudflare's
  // cf-connecting-ip is. Locally there is none, so whatever came in is kept.
  if (forwarded.clientIp) headers.set("x-forwarded-for", forwarded.clientIp);
  headers.set("x-forwarded-proto", forwarded.proto);
  headers.set("x-forwarded-host", forwarded.host);
  headers.set(HOP_HEADER, "1");
  return headers;
}

export interface ClientResponseOptions {
  variant: string;
  routerMs: number;
  originMs: number;
  /** Origin base URL and the public prefix that replaces it in URL headers. */
  originBase: string;
  publicPrefix: string;
  /** The URL the router requested from the served origin; relative references resolve against it. */
  originRequestUrl: string;
  /** Every origin of the routing document; URLs on their hosts never reach clients. */
  origins: OriginUrls["origins"];
}

export function clientResponse(origin: Response, opts: ClientResponseOptions): Response {
  const response = new Response(origin.body, origin);
  const headers = response.headers;
  dropHopByHop(headers);
  // The receipt is the router's alone: an origin's would be a claim nobody signed.
  headers.delete(RECEIPT_HEADER);
  headers.set(VARIANT_HEADER, opts.variant);
  headers.append(
    "server-timing",
    `router;dur=${opts.routerMs.toFixed(1)}, origin;dur=${opts.originMs.toFixed(1)};desc="${opts.variant}"`,
  );
  rewriteUrlHeaders(headers, opts);
  return response;
}

/** Costs four header lookups when the origin sent none of these headers. */
function rewriteUrlHeaders(headers: Headers, opts: ClientResponseOptions): void {
  let scope: UrlScope | null | undefined;
  for (const name of URL_HEADERS) {
    const value = headers.get(name);
    if (value === null) continue;
    if (scope === undefined) {
      scope = urlScope({
        requested: opts.originRequestUrl,
        base: opts.originBase,
        publicPrefix: opts.publicPrefix,
        origins: opts.origins,
      });
    }
    // Without a readable origin URL nothing can be judged safe: drop.
    const out = scope ? publicHeader(name, value, scope) : null;
    if (out === null) headers.delete(name);
    else if (out !== value) headers.set(name, out);
  }
}
