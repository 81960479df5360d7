/**
 * pathRefusal against the WHATWG URL parser (the one fetch() uses, in Node
 * and in workerd): every path it lets through stays under the origin's base
 * path when joined as the router joins it, also after an origin decodes it
 * up to three more times; and every known spelling of `..` is refused.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pathRefusal } from "../../src/core/routing/confine-path.ts";
import { joinOriginUrl } from "../../src/core/routing/service-match.ts";

const BASE = "http://origin.test/models/canary";

/** The path fetch() would request for this forwarded path. */
function resolvedPath(originPath: string): string {
  return new URL(joinOriginUrl(BASE, originPath, "")).pathname;
}

function decodeOnce(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

function underBase(pathname: string): boolean {
  return pathname === "/models/canary" || pathname.startsWith("/models/canary/");
}

describe("pathRefusal", () => {
  it.each([
    "/%2e%2e/x",
    "/%2E%2E/x",
    "/.%2e/x",
    "/%2e./x",
    "/%2E%2e/x",
    "/../x",
    "/./x",
    "/a/../../x",
    "/..\\x",
    "/a\\..\\..\\x",
    "/%5c..%5cx",
    "/..%2fx",
    "/..%2Fx",
    "/%252e%252e/x",
    "/%25252e%25252e/x",
    "/..;/x",
    "/%2e%2e;jsessionid=1/x",
    "/.\t./x",
    "/.%09./x",
    "/a/%2e",
    // fast-check's find: decoded once, `%\t2e` is `%2e` to the URL parser (it drops the tab).
    "/.%25\t2e",
    "/%25\n2e%25\r2e/x",
    "/%\t2e%\t2e/x",
  ])("refuses %s", (path) => {
    expect(pathRefusal(path)).not.toBeNull();
  });

  it.each([
    "/",
    "/predict",
    "/v1/chat/completions",
    "/models/a%2Fb/predict",
    "/file.json",
    "/.well-known/x",
    "/a/...",
    "/a/..b/c",
    "/%20space",
    "/a;b",
  ])("forwards %s", (path) => {
    expect(pathRefusal(path)).toBeNull();
  });

  it("refuses an encoding that keeps changing past the decoding bound", () => {
    expect(pathRefusal(`/%${"25".repeat(8)}41`)).toBe("encoding_too_deep");
  });

  it("every path it forwards stays under the base path, also after up to three decodings", () => {
    const piece = fc.constantFrom(
      "a",
      "b1",
      ".",
      "..",
      "...",
      "%2e",
      "%2E",
      "%252e",
      "%25",
      "2e",
      "%2f",
      "%2F",
      "%5c",
      "%5C",
      "\\",
      "/",
      ";",
      "%3b",
      "\t",
      "%09",
      "x.y",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const path = `/${pieces.join("")}`;
        if (pathRefusal(path) !== null) return;
        let text = path;
        for (let i = 0; i <= 3; i++) {
          expect(underBase(resolvedPath(text)), `${JSON.stringify(path)} decoded ${i}x`).toBe(true);
          text = decodeOnce(text);
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it("refuses every path whose join the URL parser resolves outside the base", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(".", "/", "\\", "%", "2", "e", "E", "a") }),
        (s) => {
          const path = `/${s}`;
          if (!underBase(resolvedPath(path))) expect(pathRefusal(path), path).not.toBeNull();
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
