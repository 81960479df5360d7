/**
 * The router's one error type and its JSON rendering.
 *
 * Layer: HTTP edge. Every error the router itself produces is JSON with a
 * stable `error` code, a human `message` and, where it helps, the service;
 * origin URLs never appear in them.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export class RouterError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly detail: Record<string, unknown>;

  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    detail: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.detail };
  }
}
