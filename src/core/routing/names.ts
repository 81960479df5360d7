/**
 * Naming rules: services and origins, and the HTTP header and cookie names a
 * routing document may configure.
 *
 * Layer: pure core. Service and origin names are lowercase DNS-label style:
 * they appear in URL paths, KV keys and response headers, so they need no
 * escaping; the rule has no special cases (`constructor` is a valid origin
 * name, so every per-name map in the worker is prototype-free). Header and
 * cookie names are checked as the runtime will use them, so a document that
 * validates never makes `Headers` or `Set-Cookie` throw.
 */
export const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** RFC 9110 §5.6.2 token: a header field name. */
export const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** RFC 6265 §4.1.1 cookie-name: an RFC 2616 token (the same characters). */
export const COOKIE_NAME_PATTERN = HEADER_NAME_PATTERN;

/** Cookie names whose prefix makes browsers require Secure (RFC 6265bis §4.1.3). */
export function cookieNeedsSecure(name: string): boolean {
  return /^__(host|secure)-/i.test(name);
}
