/**
 * The router's one error type and its JSON rendering.
 *
 * Layer: app. Use cases refuse with a RouterError: a stable `error` code, a
 * human `message`, the HTTP status it maps to, and, where it helps, the
 * service; origin URLs never appear in them. src/http/app.ts renders it.
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
