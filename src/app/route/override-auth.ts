/**
 * The authenticated origin override, for smoke-testing the idle origin.
 *
 * Layer: app, the request path. A request may name an origin in `x-router-override` only
 * together with `x-router-override-token` equal to the OVERRIDE_TOKEN Worker
 * secret. Without the override header nothing happens; with it and a missing
 * or wrong token the request is refused (401/403) rather than silently
 * routed, so a smoke test can never believe it tested the idle origin when
 * it did not. Ordinary clients can never choose their origin.
 */
import { RouterError } from "../errors.ts";
import { OVERRIDE_HEADER, OVERRIDE_TOKEN_HEADER } from "./forward-headers.ts";
import { secretMatches } from "./secret-compare.ts";

export async function authenticatedOverride(
  headers: Headers,
  service: string,
  origins: Readonly<Record<string, unknown>>,
  secret: string | undefined,
): Promise<string | null> {
  const requested = headers.get(OVERRIDE_HEADER);
  if (requested === null) return null;
  const token = headers.get(OVERRIDE_TOKEN_HEADER);
  if (!token) {
    throw new RouterError(
      401,
      "override_unauthenticated",
      `${OVERRIDE_HEADER} needs ${OVERRIDE_TOKEN_HEADER}`,
      {
        service,
      },
    );
  }
  if (!(await secretMatches(token, secret))) {
    throw new RouterError(403, "override_forbidden", "override token is not valid", { service });
  }
  const origin = requested.trim();
  if (!Object.hasOwn(origins, origin)) {
    throw new RouterError(400, "override_unknown_origin", `service has no origin "${origin}"`, {
      service,
      origins: Object.keys(origins),
    });
  }
  return origin;
}
