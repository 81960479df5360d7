import { env, SELF } from "cloudflare:test";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { makeDoc, originUrl, putDoc } from "./support.ts";

afterEach(() => vi.restoreAllMocks());

interface Echo {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body_length: number;
}

describe("header hygiene and forwarding", () => {
  it("forwards method, path, query, headers and body; strips hop-by-hop and override headers", async () => {
    await putDoc(makeDoc("fwd"));
    const res = await SELF.fetch("https://router.test/fwd/echo/a/b?q=1&r=%20x", {
      method: "PUT",
      headers: {
        "x-user-id": "u1",
        "x-custom": "kept",
        connection: "keep-alive, x-drop-me",
        "keep-alive": "timeout=5",
        "x-drop-me": "listed in Connection",
        "proxy-authorization": "secret",
        te: "trailers",
        "x-router-override-token": "should-never-reach-origin",
        "cf-connecting-ip": "203.0.113.7",
      },
      body: "raw body bytes",
    });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as Echo;
    expect(echo).toMatchObject({
      method: "PUT",
      path: "/echo/a/b",
      query: "?q=1&r=%20x",
      body_length: 14,
    });
    expect(echo.headers["x-custom"]).toBe("kept");
    expect(echo.headers["x-user-id"]).toBe("u1");
    for (const h of [
      "keep-alive",
      "x-drop-me",
      "proxy-authorization",
      "te",
      "x-router-override-token",
    ]) {
      expect(echo.headers[h], h).toBeUndefined();
    }
    expect(echo.headers["x-forwarded-for"]).toBe("203.0.113.7");
    expect(echo.headers["x-forwarded-proto"]).toBe("https");
    expect(echo.headers["x-forwarded-host"]).toBe("router.test");
  });

  it("adds x-model-variant and Server-Timing with the router's and the origin's durations", async () => {
    await putDoc(makeDoc("fwd"));
    const res = await SELF.fetch("http://router.test/fwd/health");
    await res.arrayBuffer();
    expect(res.headers.get("x-model-variant")).toBe("blue");
    expect(res.headers.get("server-timing")).toMatch(
      /^router;dur=\d+\.\d, origin;dur=\d+\.\d;desc="blue"$/,
    );
    expect(res.headers.get("content-type")).toBe("application/json");
  });

  it("rewrites a redirect to the origin's own URL to the router's path", async () => {
    await putDoc(makeDoc("fwd"));
    const res = await SELF.fetch("http://router.test/fwd/redirect", { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/fwd/health");
  });

  it("writes one Analytics Engine data point per routed request", async () => {
    const spy = vi.spyOn(env.ROUTER_EVENTS, "writeDataPoint");
    await putDoc(makeDoc("fwd"));
    const res = await SELF.fetch("http://router.test/fwd/health", {
      headers: { "x-user-id": "u9" },
    });
    await res.arrayBuffer();
    expect(spy).toHaveBeenCalledTimes(1);
    const point = spy.mock.calls[0]?.[0];
    expect(point?.indexes).toEqual(["fwd"]);
    expect(point?.blobs).toEqual([
      "request",
      "fwd",
      "blue",
      "live",
      "live",
      "header",
      "",
      "2xx",
      "",
    ]);
    expect(point?.doubles?.[0]).toBe(200);
  });

  it("counts requests without an identity", async () => {
    const spy = vi.spyOn(env.ROUTER_EVENTS, "writeDataPoint");
    await putDoc(makeDoc("fwd"));
    await (await SELF.fetch("http://router.test/fwd/health")).arrayBuffer();
    expect(spy.mock.calls[0]?.[0]?.blobs?.slice(3, 6)).toEqual(["live", "no-identity", "none"]);
  });
});

describe("authenticated override of the origin", () => {
  const get = (headers: Record<string, string>) =>
    SELF.fetch("http://router.test/ovr/echo", { headers: { "x-user-id": "u1", ...headers } });

  it("reaches the idle origin with the right token, and strips both headers", async () => {
    await putDoc(makeDoc("ovr"));
    const res = await get({
      "x-router-override": "green",
      "x-router-override-token": "test-override-token",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-model-variant")).toBe("green");
    const echo = (await res.json()) as Echo;
    expect(echo.headers["x-router-override"]).toBeUndefined();
    expect(echo.headers["x-router-override-token"]).toBeUndefined();
  });

  it("refuses an override without a token (401) or with a wrong one (403)", async () => {
    await putDoc(makeDoc("ovr"));
    const missing = await get({ "x-router-override": "green" });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      error: "override_unauthenticated",
      service: "ovr",
    });
    const wrong = await get({ "x-router-override": "green", "x-router-override-token": "guess" });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ error: "override_forbidden" });
  });

  it("refuses an override to an origin the service does not have (400)", async () => {
    await putDoc(makeDoc("ovr"));
    const res = await get({
      "x-router-override": "purple",
      "x-router-override-token": "test-override-token",
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: "override_unknown_origin" });
    expect(text).not.toContain("127.0.0.1");
  });

  it("a token alone changes nothing", async () => {
    await putDoc(makeDoc("ovr"));
    const res = await get({ "x-router-override-token": "test-override-token" });
    expect(res.headers.get("x-model-variant")).toBe("blue");
  });
});

describe("URLs in response headers never point clients at an origin", () => {
  // Requests go to /urlh/links/a/b; the router asks blue for <blue>/links/a/b.
  const base = () => inject("originBase");
  const blue = () => originUrl("blue");
  const elsewhere = "http://models.internal.example:8080/fraud";
  const doc = (service = "urlh", over: Parameters<typeof makeDoc>[1] = {}) =>
    makeDoc(service, {
      ...over,
      origins: { ...makeDoc(service).origins, elsewhere: { url: elsewhere } },
    });

  /** The router's answer to an origin that sends `headers` (repeat a name with an array). */
  async function through(
    headers: Record<string, string | string[]>,
    target = "http://router.test/urlh/links/a/b",
    init: RequestInit = {},
  ): Promise<Headers> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(headers)) {
      for (const one of [value].flat()) query.append(name, one);
    }
    const res = await SELF.fetch(`${target}?${query}`, { redirect: "manual", ...init });
    expect(res.status).toBe(Number(headers.status ?? 200));
    await res.arrayBuffer();
    return res.headers;
  }

  // [what the origin sends, what the client sees (null: no header)]
  const locations: [string, () => string, string | null][] = [
    ["an absolute URL inside the base", () => `${blue()}/jobs/1?x=1#f`, "/urlh/jobs/1?x=1#f"],
    ["the base itself", () => blue(), "/urlh"],
    [
      "the base's host over https",
      () => `${blue().replace("http:", "https:")}/jobs/1`,
      "/urlh/jobs/1",
    ],
    ["an absolute-path reference inside the base", () => "/blue/jobs/1", "/urlh/jobs/1"],
    ["a path-relative reference", () => "jobs/1", "/urlh/links/a/jobs/1"],
    ["a dot-segment reference inside the base", () => "../../health", "/urlh/health"],
    ["a relative reference that leaves the base", () => "../../../green/jobs/1", null],
    ["an absolute-path reference outside the base", () => "/fraud-v2/jobs/1", null],
    ["the origin's host outside the base", () => `${base()}/green/jobs/1`, null],
    ["a sibling path sharing the base's prefix", () => `${base()}/blue-v2/jobs/1`, null],
    ["dot segments escaping the base", () => `${blue()}/../green/jobs/1`, null],
    ["another origin of the document", () => "http://127.0.0.1:9/closed/jobs/1", null],
    ["another origin's host inside its own base", () => `${elsewhere}/jobs/1`, null],
    ["another origin's host on another port", () => "https://models.internal.example/", null],
    ["an unrelated host", () => "https://cdn.example.com/a.js", "https://cdn.example.com/a.js"],
    ["a scheme-relative unrelated host", () => "//cdn.example.com/a.js", "//cdn.example.com/a.js"],
    ["the router's own host", () => "https://router.test/urlh/x", "https://router.test/urlh/x"],
    ["a non-http URL", () => "mailto:ops@example.com", "mailto:ops@example.com"],
  ];
  for (const [what, sent, expected] of locations) {
    it(`Location: ${what} -> ${expected ?? "dropped"}`, async () => {
      await putDoc(doc());
      const headers = await through({ status: "302", location: sent() });
      expect(headers.get("location")).toBe(expected);
    });
  }

  it("Content-Location: rewritten inside the base, dropped outside it, kept elsewhere", async () => {
    await putDoc(doc());
    const inside = await through({ "content-location": `${blue()}/jobs/1` });
    expect(inside.get("content-location")).toBe("/urlh/jobs/1");
    const relative = await through({ "content-location": "/blue/jobs/1.json" });
    expect(relative.get("content-location")).toBe("/urlh/jobs/1.json");
    const outside = await through({ "content-location": `${base()}/green/jobs/1` });
    expect(outside.get("content-location")).toBeNull();
    const cdn = await through({ "content-location": "https://cdn.example.com/jobs/1" });
    expect(cdn.get("content-location")).toBe("https://cdn.example.com/jobs/1");
  });

  it("Link: rewrites link-values inside the base, drops those at an origin outside it, keeps the rest", async () => {
    await putDoc(doc());
    const headers = await through({
      link: [
        `<${blue()}/jobs?page=2>; rel="next", <${base()}/green/jobs>; rel="alternate"`,
        '<https://cdn.example.com/s.css>; rel=preload; as=style, </blue/docs>; rel=help; title="a, <b>"',
        `<jobs/3>; rel=item, <https://cdn.example.com/x>; rel=related; anchor="${base()}/green/"`,
        `<${elsewhere}/x>; rel=alternate, <top>; rel=start; anchor="${blue()}/page"`,
      ],
    });
    expect(headers.get("link")).toBe(
      [
        '</urlh/jobs?page=2>; rel="next"',
        "<https://cdn.example.com/s.css>; rel=preload; as=style",
        '</urlh/docs>; rel=help; title="a, <b>"',
        "</urlh/links/a/jobs/3>; rel=item",
        '</urlh/links/a/top>; rel=start; anchor="/urlh/page"',
      ].join(", "),
    );
  });

  it("Link: the header is dropped when every link-value points at an origin outside the base", async () => {
    await putDoc(doc());
    const headers = await through({ link: `<${base()}/green/>; rel=alternate, </x>; rel=up` });
    expect(headers.get("link")).toBeNull();
  });

  it("Refresh: the URL is rewritten inside the base, the header dropped outside it", async () => {
    await putDoc(doc());
    const cases: [string, string | null][] = [
      [`5; url=${blue()}/done`, "5; url=/urlh/done"],
      ["0;URL='/blue/jobs/1'", "0;URL='/urlh/jobs/1'"],
      [`3, ${blue()}/x`, "3, /urlh/x"],
      [`0; url="${base()}/green/x"`, null],
      [`1; url=${elsewhere}`, null],
      ["30", "30"],
      ["2; url=https://cdn.example.com/", "2; url=https://cdn.example.com/"],
    ];
    for (const [sent, expected] of cases) {
      const headers = await through({ refresh: sent });
      expect(headers.get("refresh"), sent).toBe(expected);
    }
  });

  it("a service matched by host rewrites to the root, not to a path prefix", async () => {
    await putDoc(doc("hosted"));
    const at = "http://scoring.test/links/a";
    expect((await through({ location: blue() }, at)).get("location")).toBe("/");
    expect((await through({ location: `${blue()}?x=1` }, at)).get("location")).toBe("/?x=1");
    expect((await through({ location: "/blue/jobs/1" }, at)).get("location")).toBe("/jobs/1");
    expect((await through({ location: "/green/jobs/1" }, at)).get("location")).toBeNull();
  });

  it("after a failover, relative references resolve against the origin that answered", async () => {
    // Everyone is in the failing canary; the request is replayed on blue.
    await putDoc(
      doc("urlfo", {
        canary: { origin: "failing", shareBp: 10_000, salt: "s" },
        retry: { safe: true },
      }),
    );
    const headers = await through(
      { location: "/blue/jobs/1", link: "</failing/x>; rel=a, <jobs/2>; rel=b" },
      "http://router.test/urlfo/links/a",
      { headers: { "x-user-id": "u1" } },
    );
    expect(headers.get("x-model-variant")).toBe("blue");
    expect(headers.get("location")).toBe("/urlfo/jobs/1");
    expect(headers.get("link")).toBe("</urlfo/links/jobs/2>; rel=b");
  });
});
