/**
 * The one rendering of a failed request as JSON: a RouterError as it says
 * (src/app/errors.ts; the control plane being unreachable is one, 503 with
 * what to do instead, and is logged), anything else as a generic 500
 * (logged, never shown).
 *
 * Layer: HTTP edge. Used by the Hono app's error handler (admin API), the
 * dashboard's in-process admin calls (dashboard/admin-calls.ts) and the
 * model request path, which runs without Hono (src/http/app.ts).
 */
import { ControlUnavailableError, RouterError } from "../app/errors.ts";

export function errorResponse(err: unknown): Response {
  if (err instanceof ControlUnavailableError) {
    console.error(JSON.stringify({ message: err.reason, service: err.service }));
  }
  if (err instanceof RouterError) {
    return Response.json(err.toJSON(), { status: err.status, headers: err.headers });
  }
  console.error(JSON.stringify({ message: "unhandled router error", error: String(err) }));
  return Response.json(
    { error: "internal_error", message: "the router failed to handle this request" },
    { status: 500 },
  );
}
