/**
 * The refusal of a request whose body the client failed to deliver: cut
 * short or malformed (400 request_body_incomplete), or trickled slower
 * than the request's time allows (408 request_body_timeout). Never counted
 * as the arm's error; logged, since it is an attack or a broken client.
 *
 * Layer: app, the request path (RequestBody raises it on a buffered read,
 * forward.ts when an origin call failed because of the client's body).
 */
import { RouterError } from "../errors.ts";

/** Why an origin call failed because of the client's body, not the origin. */
export type ClientFault = "incomplete" | "slow";

/** The refusal of a request whose body the client failed to deliver (never an arm's error). */
export function clientBodyError(fault: ClientFault, service?: string): RouterError {
  const detail = service === undefined ? {} : { service };
  // An attack or a broken client, worth seeing in `wrangler tail`; never an arm's error.
  console.warn(JSON.stringify({ message: "client's request body failed", fault, ...detail }));
  return fault === "slow"
    ? new RouterError(
        408,
        "request_body_timeout",
        "the request body did not arrive in the time the router gives a request",
        detail,
      )
    : new RouterError(
        400,
        "request_body_incomplete",
        "the request body ended early or was malformed (aborted, shorter than declared, bad chunk framing)",
        detail,
      );
}
