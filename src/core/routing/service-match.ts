/**
 * Which model service a request is for, and the path its origin sees.
 *
 * Layer: pure core. Two rules, in order:
 *   1. the request's host is listed in the host map -> that service; the
 *      whole path goes to the origin;
 *   2. otherwise the first path segment names the service, and the rest of
 *      the path goes to the origin (`/fraud/predict` -> service "fraud",
 *      origin path `/predict`).
 * Names follow the routing document's pattern, so `/_router/...` (reserved
 * for the router itself) can never be a service.
 */
import { own } from "../dict.ts";
import { NAME_PATTERN } from "./names.ts";

export interface ServiceMatch {
  service: string;
  /** Path forwarded to the origin, always starting with "/". */
  originPath: string;
  /** The prefix the client used ("" for host matches), to rewrite redirects. */
  publicPrefix: string;
}

export type HostMap = Readonly<Record<string, string>>;

export function matchService(host: string, pathname: string, hosts: HostMap): ServiceMatch | null {
  const byHost = own(hosts, host.toLowerCase()); // the Host header is the client's
  if (byHost !== undefined) return { service: byHost, originPath: pathname, publicPrefix: "" };

  const slash = pathname.indexOf("/", 1);
  const segment = slash === -1 ? pathname.slice(1) : pathname.slice(1, slash);
  if (!NAME_PATTERN.test(segment)) return null;
  return {
    service: segment,
    originPath: slash === -1 ? "/" : pathname.slice(slash),
    publicPrefix: `/${segment}`,
  };
}

/** Joins an origin base URL (which may carry a path) with the forwarded path and query. */
export function joinOriginUrl(base: string, originPath: string, search: string): string {
  const trimmed = base.endsWith("/") ? base.slice(0, -1) : base;
  return `${trimmed}${originPath}${search}`;
}
