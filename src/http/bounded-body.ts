/**
 * The bodies the router reads for itself (the admin API's writes, the
 * dashboard's sign-in form, its CSRF form and its actions), read through
 * one bounded reader: at most a bound per route, chunked or declared.
 * A declared Content-Length over the bound is refused unread; a chunked
 * body is read until its running total passes the bound, then refused
 * (413 body_too_large) with the rest never pulled. The router holds at
 * most the bound plus one chunk, whatever the framing. An isolate has
 * 128 MB: an unbounded read of one 48 MB form grew workerd by ~315 MB.
 * A body is read once per request; a second reader (the CSRF check, then
 * the route) gets the same bytes. JSON is refused past BODY_DEPTH levels of
 * nesting before it is parsed (400 body_too_deep): what runs on it after
 * JSON.parse (merge patch, schema, diff) recurses.
 *
 * Layer: HTTP edge. Refusals are RouterErrors, rendered by the one error
 * renderer (src/http/error-response.ts). Model traffic's bodies are not
 * read here: the request path has its own limits (src/app/route/request-body.ts,
 * the same reader underneath).
 */
import type { Context } from "hono";
import { RouterError } from "../app/errors.ts";
import { RequestBody } from "../app/route/request-body.ts";
import { jsonDepth } from "../core/json-depth.ts";
import { decodeUtf8 } from "../core/utf8.ts";
import { LIMITS } from "../document/routing-document.ts";
import { DOCUMENT_LIMIT_RULE } from "../document/validate.ts";

/** The most each of the router's own bodies may have, in bytes, and what it is (for the 413). */
export const BODY_BOUNDS = {
  /** The dashboard's sign-in form (token, name, next) and its sign-out form (csrf). */
  dashboardForm: { bytes: 4096, what: "a dashboard form" },
  /** A dashboard action: {args, expectedVersion?, dryRun?} with a few small arguments. */
  dashboardAction: { bytes: 16_384, what: "a dashboard action" },
  /** An admin write's JSON: a routing document, a merge patch, flip, kill or rollback. */
  adminDocument: {
    bytes: LIMITS.documentBytes,
    what: "a routing document",
    rule: DOCUMENT_LIMIT_RULE,
  },
  /** A named edit: its arguments may hold a whole document (apply) plus a small envelope. */
  adminEdit: {
    bytes: LIMITS.documentBytes + 1024,
    what: "a routing document and its edit",
    rule: `${DOCUMENT_LIMIT_RULE}, and an edit's body (the document and its arguments) at most ${LIMITS.documentBytes + 1024}`,
  },
} as const;

/**
 * Nesting of objects and arrays a JSON body may have: a routing document
 * may nest 16 levels (LIMITS.depth), an edit wraps it in two more; 64 is
 * far above any real body and far below what overflows the stack.
 */
export const BODY_DEPTH = 64;

export interface BodyBound {
  bytes: number;
  what: string;
  /** The documented rule the 413 quotes, when the bound is one. */
  rule?: string;
}

/** Bodies already read, by request (the stream can be read only once). */
const read = new WeakMap<Request, Uint8Array>();

/** The whole body, if it is at most `bound.bytes` bytes; else 413 body_too_large. */
export async function readBoundedBytes(c: Context, bound: BodyBound): Promise<Uint8Array> {
  const request = c.req.raw;
  let bytes = read.get(request) ?? null;
  if (bytes === null) {
    bytes = await new RequestBody(request).upTo(bound.bytes);
    if (bytes !== null) read.set(request, bytes);
  }
  if (bytes === null || bytes.byteLength > bound.bytes) {
    throw new RouterError(
      413,
      "body_too_large",
      bound.rule
        ? `the body is over ${bound.bytes} bytes; ${bound.rule}`
        : `the body is over ${bound.bytes} bytes, the most ${bound.what} may have`,
    );
  }
  return bytes;
}

/**
 * The body as JSON (bounded as readBoundedBytes, and at most BODY_DEPTH
 * deep, else 400 body_too_deep); an empty body is {} unless one is required.
 */
export async function readBoundedJson(
  c: Context,
  bound: BodyBound,
  required: boolean,
): Promise<unknown> {
  const text = decodeUtf8(await readBoundedBytes(c, bound));
  if (text.trim() === "" && !required) return {};
  if (jsonDepth(text, BODY_DEPTH) > BODY_DEPTH) {
    throw new RouterError(
      400,
      "body_too_deep",
      `the body nests objects and arrays more than ${BODY_DEPTH} levels deep, the most a body may`,
      { maxDepth: BODY_DEPTH },
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RouterError(400, "invalid_json", `the body is not JSON: ${(err as Error).message}`);
  }
}

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * The body as a form (bounded as readBoundedBytes), urlencoded or
 * multipart; a body of another type is not read and is an empty form.
 */
export async function readBoundedForm(c: Context, bound: BodyBound): Promise<FormData> {
  const type = c.req.header("content-type") ?? "";
  const media = type.split(";")[0]?.trim().toLowerCase() ?? "";
  if (!FORM_TYPES.includes(media)) return new FormData();
  const bytes = await readBoundedBytes(c, bound);
  try {
    return await new Response(bytes, { headers: { "content-type": type } }).formData();
  } catch (err) {
    throw new RouterError(400, "invalid_form", `the body is not a form: ${(err as Error).message}`);
  }
}

/** A form field's text, or undefined (absent, or a file). */
export function formText(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === "string" ? value : undefined;
}
