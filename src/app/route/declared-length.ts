/**
 * What a request's headers say about its body: whether it carries one, and
 * the length it declares (a Content-Length of up to 15 digits; anything
 * else, or none, is no declared length: a chunked body).
 *
 * Layer: app, the request path.
 */

/** Does `request` carry bytes? (A declared Content-Length of 0 is no body.) */
export function hasBody(request: Request): boolean {
  return request.body !== null && declaredLength(request.headers) !== 0;
}

/** The declared Content-Length, or null (absent or not a plain number). */
export function declaredLength(headers: Headers): number | null {
  const header = headers.get("content-length");
  if (header === null || !/^\d{1,15}$/.test(header.trim())) return null;
  return Number(header.trim());
}
