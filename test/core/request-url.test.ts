/**
 * splitRequestUrl against the WHATWG URL parser: for any URL the parser
 * accepts and serializes (which is what the runtime hands a Worker as
 * request.url), the split parts equal URL's protocol, host, pathname and
 * search. Runs in Node and in workerd (both have the same URL semantics).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isRouterPath, splitRequestUrl } from "../../src/core/routing/request-url.ts";

const same = (raw: string) => {
  const url = new URL(raw);
  const serialized = url.href;
  expect(splitRequestUrl(serialized)).toEqual({
    protocol: url.protocol,
    host: url.host,
    pathname: url.pathname,
    search: url.search,
  });
};

describe("splitRequestUrl", () => {
  it("splits the URLs the router sees", () => {
    for (const raw of [
      "http://127.0.0.1:8787/fraud/predict",
      "https://models.example.com/fraud/predict?debug=1&x=%20y",
      "http://localhost/",
      "http://localhost",
      "http://h/?",
      "http://h/a?b?c#d?e",
      "http://h/a#frag",
      "http://user:pass@h:81/p?q",
      "https://[::1]:8443/fraud/v1/score",
      "http://h/%2e%2e/..%2F/a;b,c",
      "http://h/_router/admin/services?x=/a/b",
    ]) {
      same(raw);
    }
  });

  it("agrees with URL on generated URLs", () => {
    const segment = fc.stringMatching(/^[a-zA-Z0-9._~%;,=@:!$&'()*+-]{0,12}$/);
    const query = fc.stringMatching(/^[a-zA-Z0-9._~%;,=@:!$&'()*+/?-]{0,16}$/);
    fc.assert(
      fc.property(
        fc.constantFrom("http", "https"),
        fc.domain(),
        fc.option(fc.integer({ min: 1, max: 65535 })),
        fc.array(segment, { maxLength: 5 }),
        fc.option(query),
        fc.option(query),
        (scheme, host, port, segments, search, hash) => {
          const raw = `${scheme}://${host}${port === null ? "" : `:${port}`}/${segments.join("/")}${search === null ? "" : `?${search}`}${hash === null ? "" : `#${hash}`}`;
          same(raw);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("isRouterPath", () => {
  it("is /_router and below, nothing else", () => {
    expect(isRouterPath("/_router")).toBe(true);
    expect(isRouterPath("/_router/")).toBe(true);
    expect(isRouterPath("/_router/admin/services")).toBe(true);
    expect(isRouterPath("/_routers")).toBe(false);
    expect(isRouterPath("/fraud/_router/x")).toBe(false);
    expect(isRouterPath("/")).toBe(false);
  });
});
