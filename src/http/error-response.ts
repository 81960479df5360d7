/**
 * The one rendering of a failed request as JSON: a RouterError as it says
 * (src/app/errors.ts), the control plane being unreachable as 503 with what
 * to do instead, anything else as a generic 500 (logged, never shown).
 *
 * Layer: HTTP edge. Used by the Hono app's error handler (admin API,
 * dashboard) and by the model request path, which runs without Hono
 * (src/http/app.ts).
 */
import { ControlUnavailableError } from "../adapters/durable-object/control-client.ts";
import { RouterError } from "../app/errors.ts";

export function errorResponse(err: unknown): Response {
  if (err instanceof RouterError) {
    return Response.json(err.toJSON(), { status: err.status, headers: err.headers });
  }
  if (err instanceof ControlUnavailableError) {
    console.error(JSON.stringify({ message: err.message, service: err.service }));
    return Response.json(
      {
        error: "control_plane_unavailable",
        message: `${err.message}. Requests keep being served by the document each isolate holds. A write may or may not have landed: check the service's status before retrying. To change routing now, write KV directly: npm run router -- <command> --direct --remote`,
        service: err.service,
      },
      { status: 503 },
    );
  }
  console.error(JSON.stringify({ message: "unhandled router error", error: String(err) }));
  return Response.json(
    { error: "internal_error", message: "the router failed to handle this request" },
    { status: 500 },
  );
}
