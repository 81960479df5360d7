/**
 * The bodies the router reads for itself (the admin API's writes), read
 * through one bounded reader: at most `limit` bytes, chunked or declared.
 * A declared Content-Length over the bound is refused unread; a chunked
 * body is read until its running total passes the bound, then refused
 * (413 body_too_large) with the rest never pulled. The router holds at
 * most the bound plus one chunk, whatever the framing.
 *
 * Layer: HTTP edge. Refusals are RouterErrors, rendered by the one error
 * renderer (src/http/error-response.ts). Model traffic's bodies are not
 * read here: the request path has its own limits (src/app/route/request-body.ts,
 * the same reader underneath).
 */
import type { Context } from "hono";
import { RouterError } from "../app/errors.ts";
import { RequestBody } from "../app/route/request-body.ts";
import { decodeUtf8 } from "../core/utf8.ts";
import { LIMITS } from "../document/routing-document.ts";

/** The most each of the router's own bodies may have, in bytes, and what it is (for the 413). */
export const BODY_BOUNDS = {
  /** An admin write's JSON: a routing document, a merge patch, flip, kill or rollback. */
  adminDocument: { bytes: LIMITS.documentBytes, what: "a routing document" },
  /** A named edit: its arguments may hold a whole document (apply) plus a small envelope. */
  adminEdit: { bytes: LIMITS.documentBytes + 1024, what: "a routing document and its edit" },
} as const;

export interface BodyBound {
  bytes: number;
  what: string;
}

/** The whole body, if it is at most `bound.bytes` bytes; else 413 body_too_large. */
export async function readBoundedBytes(c: Context, bound: BodyBound): Promise<Uint8Array> {
  const bytes = await new RequestBody(c.req.raw).upTo(bound.bytes);
  if (bytes === null) {
    throw new RouterError(
      413,
      "body_too_large",
      `the body is over ${bound.bytes} bytes, the most ${bound.what} may have`,
    );
  }
  return bytes;
}

/** The body as JSON (bounded as readBoundedBytes); an empty body is {} unless one is required. */
export async function readBoundedJson(
  c: Context,
  bound: BodyBound,
  required: boolean,
): Promise<unknown> {
  const text = decodeUtf8(await readBoundedBytes(c, bound));
  if (text.trim() === "" && !required) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RouterError(400, "invalid_json", `the body is not JSON: ${(err as Error).message}`);
  }
}
