/**
 * Keeps a forwarded path under its origin's base path, whatever its encoding.
 *
 * Layer: pure core. The router appends the client's path, still encoded, to
 * an origin's base URL (`http://gw/canary` + `/predict`). Whoever parses that
 * URL next resolves dot-segments: fetch()'s WHATWG parser takes `..`, `.%2e`,
 * `%2E%2e` and a backslash as a separator; an origin that decodes once more
 * turns `%252e%252e` or `..%2f` into `..`; Java servers drop `;params` from a
 * segment (`..;`). Any of them would send `POST /svc/%2e%2e/x` to `/x` on the
 * origin's host, outside the model's base path.
 *
 * The rule is simple and strict: a path is refused when any segment, after
 * any number of percent-decodings, with `\` taken as `/`, tab and newlines
 * removed (as the URL parser does) and `;params` cut, is `.` or `..`. Real
 * clients never send dot-segments (they normalize before sending), so the
 * rule costs nothing legitimate; an encoded slash inside a name (`a%2Fb`)
 * is kept. test/core/confine-path.test.ts checks it against the URL parser
 * under up to three extra decodings.
 */

/** Why a path cannot be forwarded under a base path, or null when it can. */
export type PathRefusal = "dot_segment" | "encoding_too_deep" | null;

/** Decoding rounds before a still-changing segment is refused (`%25252e`...). */
const MAX_DECODINGS = 6;

export function pathRefusal(path: string): PathRefusal {
  // The common path has none of what a dot-segment needs: one scan, no allocation.
  if (!path.includes("/.") && !path.includes("%") && !path.includes("\\") && !hasStripped(path)) {
    return null;
  }
  let text = path;
  for (let round = 0; ; round++) {
    // As the URL parser does before anything else: `%\t2e` is `%2e`, a dot, once parsed.
    const stripped = text.replace(/[\t\n\r]/g, "");
    if (hasDotSegment(stripped)) return "dot_segment";
    const decoded = percentDecode(stripped);
    if (decoded === stripped) return null;
    if (round === MAX_DECODINGS) return "encoding_too_deep";
    text = decoded;
  }
}

/**
 * True when a segment of `text` (split at `/` and `\`) is `.` or `..` as
 * parsers see it; the encoded forms (`%2e`) are caught by the next decoding.
 */
function hasDotSegment(text: string): boolean {
  for (const raw of text.split(/[/\\]/)) {
    const semicolon = raw.indexOf(";");
    const segment = semicolon === -1 ? raw : raw.slice(0, semicolon);
    if (segment === "." || segment === "..") return true;
  }
  return false;
}

/** Tab, LF and CR, which the URL parser removes wherever they are. */
function hasStripped(text: string): boolean {
  return text.includes("\t") || text.includes("\n") || text.includes("\r");
}

/** One round of %XX decoding, byte for byte; malformed escapes stay as they are. */
function percentDecode(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
