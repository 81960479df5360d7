/**
 * The parts of a request's URL the request path reads, split from the URL
 * string without building a URL object (a URL per request was ~8 µs of
 * workerd CPU, measured by `npm run bench`).
 *
 * Layer: pure core. The runtime hands a Worker `request.url` already parsed
 * and serialized by the WHATWG URL parser (absolute, scheme and host in
 * lower case, path percent-encoded, no credentials for HTTP requests), so
 * splitting at the first "/" after "//", the first "?" and the first "#"
 * gives what `new URL(url)` would: test/core/request-url.test.ts checks that
 * on generated URLs.
 */

export interface RequestUrl {
  /** "http:" or "https:", as URL.protocol. */
  protocol: string;
  /** host[:port], as URL.host. */
  host: string;
  /** Always starts with "/", as URL.pathname. */
  pathname: string;
  /** "" or "?..." (a lone "?" is ""), as URL.search. */
  search: string;
}

export function splitRequestUrl(url: string): RequestUrl {
  const colon = url.indexOf(":");
  const authority = url.startsWith("//", colon + 1) ? colon + 3 : colon + 1;
  const hashAt = url.indexOf("#", authority);
  const end = hashAt === -1 ? url.length : hashAt;
  const queryAt = url.indexOf("?", authority);
  const query = queryAt === -1 || queryAt > end ? end : queryAt;
  const slash = url.indexOf("/", authority);
  const path = slash === -1 || slash > query ? query : slash;
  const hostPart = url.slice(authority, path);
  const at = hostPart.lastIndexOf("@");
  return {
    protocol: url.slice(0, colon + 1),
    host: at === -1 ? hostPart : hostPart.slice(at + 1),
    pathname: path === query ? "/" : url.slice(path, query),
    search: end - query > 1 ? url.slice(query, end) : "",
  };
}

/** True for the router's own endpoints (`/_router` and below), on any host. */
export function isRouterPath(pathname: string): boolean {
  return pathname === "/_router" || pathname.startsWith("/_router/");
}
