import { describe, expect, it } from "vitest";
import {
  publicHeader,
  publicUrl,
  type UrlHeader,
  type UrlScope,
  urlScope,
} from "../../src/core/routing/url-headers.ts";

// The router asked the served origin for https://m.internal/fraud/v1/score?x=1.
const scope = urlScope({
  requested: "https://m.internal/fraud/v1/score?x=1",
  base: "https://m.internal/fraud/",
  publicPrefix: "/fraud",
  origins: {
    blue: { url: "https://m.internal/fraud/" },
    green: { url: "http://gpu-7.internal:8080/" },
  },
}) as UrlScope;

describe("publicUrl", () => {
  // [what the origin wrote, what the client sees (null: dropped)]
  const cases: [string, string | null][] = [
    ["https://m.internal/fraud/jobs/1?a=1#f", "/fraud/jobs/1?a=1#f"],
    ["https://m.internal/fraud", "/fraud"],
    ["https://m.internal/fraud/", "/fraud/"],
    ["http://m.internal/fraud/jobs/1", "/fraud/jobs/1"],
    ["HTTPS://M.INTERNAL/fraud/jobs/1", "/fraud/jobs/1"],
    ["https://user:pw@m.internal/fraud/jobs/1", "/fraud/jobs/1"],
    ["/fraud/jobs/1", "/fraud/jobs/1"],
    ["jobs/1", "/fraud/v1/jobs/1"],
    ["../jobs/1", "/fraud/jobs/1"],
    ["?page=2", "/fraud/v1/score?page=2"],
    ["#part", "/fraud/v1/score?x=1#part"],
    ["", "/fraud/v1/score?x=1"],
    ["/fraud-v2/jobs/1", null],
    ["../../jobs/1", null],
    ["https://m.internal/fraud/../admin", null],
    ["https://m.internal/Fraud/jobs/1", null],
    ["https://m.internal:8443/fraud/jobs/1", null],
    ["http://gpu-7.internal:8080/jobs/1", null],
    ["http://gpu-7.internal/jobs/1", null],
    ["//gpu-7.internal:8080/", null],
    ["http://[bad", null],
    ["https://cdn.example.com/a.js", "https://cdn.example.com/a.js"],
    ["//cdn.example.com/a.js", "//cdn.example.com/a.js"],
    ["https://m.internal.example.com/x", "https://m.internal.example.com/x"],
    ["mailto:ops@example.com", "mailto:ops@example.com"],
    ["urn:isbn:0451450523", "urn:isbn:0451450523"],
  ];
  for (const [sent, expected] of cases) {
    it(`${JSON.stringify(sent)} -> ${expected ?? "dropped"}`, () => {
      expect(publicUrl(sent, scope)).toBe(expected);
    });
  }

  it("an origin at the root maps its whole host; a host-matched service maps to /", () => {
    const root = urlScope({
      requested: "http://m.internal/score",
      base: "http://m.internal",
      publicPrefix: "",
      origins: {},
    }) as UrlScope;
    expect(publicUrl("http://m.internal", root)).toBe("/");
    expect(publicUrl("http://m.internal?x=1", root)).toBe("/?x=1");
    expect(publicUrl("/a/b", root)).toBe("/a/b");
  });

  it("no scope when the served origin's URLs do not parse", () => {
    expect(urlScope({ requested: "", base: "", publicPrefix: "", origins: {} })).toBeNull();
  });
});

describe("publicHeader", () => {
  const cases: [UrlHeader, string, string | null][] = [
    ["location", "https://m.internal/fraud/jobs/1", "/fraud/jobs/1"],
    ["content-location", "https://m.internal/other", null],
    // Link: target and anchor follow the rule; commas and <> inside quotes are not separators.
    ["link", '<https://cdn.example.com/a>; rel="x"', '<https://cdn.example.com/a>; rel="x"'],
    ["link", "</fraud/jobs?p=2>; rel=next,</admin>; rel=up", "</fraud/jobs?p=2>; rel=next"],
    ["link", "</admin>; rel=up, <http://gpu-7.internal:8080/>; rel=x", null],
    [
      "link",
      '<a>; title="x, </admin>; y", <b>; rel=c',
      '</fraud/v1/a>; title="x, </admin>; y", </fraud/v1/b>; rel=c',
    ],
    [
      "link",
      '<#s>; anchor="https://m.internal/fraud/doc"',
      '</fraud/v1/score?x=1#s>; anchor="/fraud/doc"',
    ],
    ["link", "<https://cdn.example.com/a>; Anchor=/admin", null],
    ["link", '<https://cdn.example.com/a>; anchor="/fraud/x" junk', null],
    [
      "link",
      '<https://cdn.example.com/a>; title="anchor=/admin"',
      '<https://cdn.example.com/a>; title="anchor=/admin"',
    ],
    ["link", "not a link, <https://cdn.example.com/a>", "<https://cdn.example.com/a>"],
    // Refresh: delay [;|,] [url=] URL, as HTML parses it.
    ["refresh", "5", "5"],
    ["refresh", "5;", "5;"],
    ["refresh", "5; url=https://m.internal/fraud/done", "5; url=/fraud/done"],
    ["refresh", "0;URL = 'jobs/1' ", "0;URL = '/fraud/v1/jobs/1' "],
    ["refresh", '1.5, "/fraud/x"', '1.5, "/fraud/x"'],
    ["refresh", "2 https://m.internal/fraud/x", "2 /fraud/x"],
    ["refresh", "2; url=/admin", null],
    ["refresh", "2; url=https://cdn.example.com/", "2; url=https://cdn.example.com/"],
    ["refresh", "soon; url=https://m.internal/fraud/x", null],
  ];
  for (const [name, sent, expected] of cases) {
    it(`${name}: ${sent} -> ${expected ?? "dropped"}`, () => {
      expect(publicHeader(name, sent, scope)).toBe(expected);
    });
  }
});
