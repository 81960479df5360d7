/**
 * Origins that are the router itself: a document that names one would send
 * every request back into the router (each hop refused with 508 by the
 * request path, but still a broken service), so writes refuse it.
 *
 * Layer: document. The router's own hosts are what it answers on: the
 * admin request's host and every host of HOST_SERVICES, passed in by the
 * caller (the document cannot know them). Hosts compare with their port,
 * case-insensitively: a model on another port of the same machine (local
 * development) is not the router.
 */
import type { RoutingDocument } from "./routing-document.ts";
import type { FieldError } from "./validate.ts";

export function selfOriginErrors(
  doc: RoutingDocument,
  routerHosts: readonly string[],
): FieldError[] {
  const own = new Set(routerHosts.map((h) => h.toLowerCase()));
  const errors: FieldError[] = [];
  for (const [name, origin] of Object.entries(doc.origins)) {
    let host: string;
    try {
      host = new URL(origin.url).host.toLowerCase();
    } catch {
      continue; // the schema already refuses a URL that does not parse
    }
    if (own.has(host)) {
      errors.push({
        path: `origins.${name}.url`,
        message: `is the router's own host (${host}): requests would loop back into the router`,
      });
    }
  }
  return errors;
}
