/**
 * The router's one error type and its JSON rendering.
 *
 * Layer: app. Use cases refuse with a RouterError: a stable `error` code, a
 * human `message`, the HTTP status it maps to, and, where it helps, the
 * service; origin URLs never appear in them. src/http/error-response.ts
 * renders it, for the admin API, the dashboard and the model request path.
 */

/** The statuses the router itself answers with. */
export type RouterStatus =
  | 400
  | 401
  | 403
  | 404
  | 405
  | 408
  | 409
  | 412
  | 413
  | 500
  | 502
  | 503
  | 504
  | 508;

export class RouterError extends Error {
  readonly status: RouterStatus;
  readonly code: string;
  readonly detail: Record<string, unknown>;
  /** Response headers the status calls for (Allow on a 405). */
  readonly headers: Record<string, string>;

  constructor(
    status: RouterStatus,
    code: string,
    message: string,
    detail: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.headers = headers;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.detail };
  }
}

/**
 * The service's control object could not be reached (overloaded, its
 * location unreachable, an exception inside it): 503, naming the break-glass
 * path. The adapter that calls the object throws it (src/index.ts hands the
 * class to src/adapters/durable-object/control-client.ts, which cannot
 * import this floor).
 */
export class ControlUnavailableError extends RouterError {
  readonly service: string;
  /** What failed, without the advice: the line logged. */
  readonly reason: string;

  constructor(service: string, cause: unknown) {
    const reason = `the control object of "${service}" cannot be reached: ${String(cause)}`;
    super(
      503,
      "control_plane_unavailable",
      `${reason}. Requests keep being served by the document each isolate holds. A write may or may not have landed: check the service's status before retrying. To change routing now, write KV directly: router <command> --direct --remote`,
      { service },
    );
    this.name = "ControlUnavailableError";
    this.service = service;
    this.reason = reason;
  }
}

/**
 * The dashboard's sessions object could not be reached: the dashboard
 * fails closed with 503 (src/http/dashboard/guard.ts), never trusting a
 * cookie it cannot check. Thrown by the sessions adapter, which src/index.ts
 * hands this class.
 */
export class SessionsUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the dashboard's sessions object cannot be reached: ${String(cause)}`);
    this.name = "SessionsUnavailableError";
  }
}
