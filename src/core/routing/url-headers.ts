/**
 * What the client sees of the URLs an origin puts in its response headers.
 *
 * Layer: pure core (strings in, strings out; no Hono, no I/O), so
 * it is tested in Node and workerd alike. The rule, for every URL in
 * Location, Content-Location, Link (each link-value's target and anchor)
 * and Refresh, after resolving it against the URL the router requested
 * from the served origin:
 *   - http(s), same host (and port) as the served origin's base, path at or
 *     under the base path: rewritten to the router's public prefix (scheme
 *     and host removed, so the client stays on the router);
 *   - any other http(s) URL whose hostname is the hostname of any origin in
 *     the routing document: dropped (the header; for Link, the link-value);
 *   - anything else (a CDN, another site, the router itself, mailto:): kept
 *     exactly as the origin wrote it.
 * What cannot be parsed is dropped: no client can follow it, and it may
 * still spell out an origin's URL.
 */

export type UrlHeader = "location" | "content-location" | "link" | "refresh";

/** Every response header this module rewrites; nothing else is looked at. */
export const URL_HEADERS: readonly UrlHeader[] = [
  "location",
  "content-location",
  "link",
  "refresh",
];

export interface OriginUrls {
  /** The URL the router requested from the served origin; relative references resolve against it. */
  requested: string;
  /** The served origin's base URL; what lies under it maps to `publicPrefix`. */
  base: string;
  /** The path prefix the client used ("" for a service matched by host). */
  publicPrefix: string;
  /** Every origin of the routing document: no other URL on their hostnames reaches a client. */
  origins: Readonly<Record<string, { url: string }>>;
}

export interface UrlScope {
  requested: URL;
  baseHost: string;
  /** The base path without a trailing slash ("" for an origin at the root). */
  basePath: string;
  publicPrefix: string;
  originHostnames: ReadonlySet<string>;
}

/** Parses what the rules need once per response; null when the served origin's URLs do not parse. */
export function urlScope(urls: OriginUrls): UrlScope | null {
  const requested = parse(urls.requested);
  const base = parse(urls.base);
  if (!requested || !base) return null;
  const originHostnames = new Set([base.hostname]);
  for (const origin of Object.values(urls.origins)) {
    const parsed = parse(origin.url);
    if (parsed) originHostnames.add(parsed.hostname);
  }
  return {
    requested,
    baseHost: base.host,
    basePath: base.pathname.replace(/\/$/, ""),
    publicPrefix: urls.publicPrefix,
    originHostnames,
  };
}

/** The header value the client gets; null drops the header. */
export function publicHeader(name: UrlHeader, value: string, scope: UrlScope): string | null {
  if (name === "link") return publicLink(value, scope);
  if (name === "refresh") return publicRefresh(value, scope);
  return publicUrl(value, scope);
}

/** One URI reference: rewritten, kept as written, or null (dropped). */
export function publicUrl(ref: string, scope: UrlScope): string | null {
  const url = parse(ref, scope.requested);
  if (!url) return null;
  if (url.protocol !== "http:" && url.protocol !== "https:") return ref;
  const { basePath } = scope;
  if (
    url.host === scope.baseHost &&
    (basePath === "" || url.pathname === basePath || url.pathname.startsWith(`${basePath}/`))
  ) {
    const path = `${scope.publicPrefix}${url.pathname.slice(basePath.length)}` || "/";
    return `${path}${url.search}${url.hash}`;
  }
  return scope.originHostnames.has(url.hostname) ? null : ref;
}

/**
 * A Link header (RFC 8288): each link-value whose target or anchor is dropped
 * goes; the others stay, rewritten where needed. Null when none is left.
 */
export function publicLink(value: string, scope: UrlScope): string | null {
  const kept: string[] = [];
  let changed = false;
  for (const linkValue of splitOutside(value, ",")) {
    const out = publicLinkValue(linkValue, scope);
    if (out !== linkValue) changed = true;
    if (out !== null) kept.push(out);
  }
  if (kept.length === 0) return null;
  return changed ? kept.join(", ") : value;
}

function publicLinkValue(linkValue: string, scope: UrlScope): string | null {
  const match = /^<([^>]*)>(.*)$/s.exec(linkValue);
  if (!match) return null;
  const [, target = "", rest = ""] = match;
  const newTarget = publicUrl(target, scope);
  if (newTarget === null) return null;
  const params = splitOutside(rest, ";", false);
  for (let i = 1; i < params.length; i++) {
    const text = params[i] ?? "";
    if (!/^\s*anchor\s*=/i.test(text)) continue;
    const param = /^(\s*anchor\s*=\s*)(?:"((?:[^"\\]|\\.)*)"|([^"]*?))(\s*)$/is.exec(text);
    if (!param) return null; // an anchor we cannot read may name an origin
    const [, name = "", quoted, token, trailing = ""] = param;
    const anchor = quoted === undefined ? (token ?? "") : quoted.replace(/\\(.)/g, "$1");
    const newAnchor = publicUrl(anchor, scope);
    if (newAnchor === null) return null;
    if (newAnchor !== anchor) {
      params[i] =
        quoted === undefined
          ? `${name}${newAnchor}${trailing}`
          : `${name}"${newAnchor}"${trailing}`;
    }
  }
  const out = `<${newTarget}>${params.join(";")}`;
  return out === linkValue ? linkValue : out;
}

/**
 * A Refresh header (`<delay>[;|,] [url=]<URL>`, parsed as HTML's declarative
 * refresh does): a delay alone is kept; the URL follows the rule, and a
 * dropped URL drops the whole header, since a Refresh without one reloads.
 */
export function publicRefresh(value: string, scope: UrlScope): string | null {
  const match = /^\s*[\d.]+(?:$|(?=[;,\s])\s*(?:[;,]\s*)?)/.exec(value);
  if (!match) return null;
  let start = match[0].length;
  if (start === value.length) return value;
  const urlEquals = /^url\s*=\s*/i.exec(value.slice(start));
  if (urlEquals) start += urlEquals[0].length;
  let end = value.length;
  const quote = value[start];
  if ((urlEquals || !/^u/i.test(value.slice(start))) && (quote === '"' || quote === "'")) {
    start += 1;
    const closing = value.indexOf(quote, start);
    if (closing !== -1) end = closing;
  }
  const ref = value.slice(start, end);
  const out = publicUrl(ref, scope);
  if (out === null) return null;
  return out === ref ? value : `${value.slice(0, start)}${out}${value.slice(end)}`;
}

/** Splits at `separator` outside <...> and "..." (with backslash escapes); trims unless told not to. */
function splitOutside(value: string, separator: string, trim = true): string[] {
  const parts: string[] = [];
  let start = 0;
  let inUri = false;
  let inQuote = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === "\\") i++;
      else if (c === '"') inQuote = false;
    } else if (inUri) {
      if (c === ">") inUri = false;
    } else if (c === "<") inUri = true;
    else if (c === '"') inQuote = true;
    else if (c === separator) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return trim ? parts.map((p) => p.trim()).filter((p) => p !== "") : parts;
}

function parse(ref: string, base?: URL): URL | null {
  try {
    return new URL(ref, base);
  } catch {
    return null;
  }
}
