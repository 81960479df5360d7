import { describe, expect, it } from "vitest";
import { joinOriginUrl, matchService } from "../../src/core/routing/service-match.ts";

describe("matchService", () => {
  const hosts = { "fraud.models.example.com": "fraud" };
  const cases: [string, string, ReturnType<typeof matchService>][] = [
    [
      "router.example.com",
      "/fraud/predict",
      { service: "fraud", originPath: "/predict", publicPrefix: "/fraud" },
    ],
    ["router.example.com", "/fraud", { service: "fraud", originPath: "/", publicPrefix: "/fraud" }],
    [
      "router.example.com",
      "/churn/v1/score/",
      { service: "churn", originPath: "/v1/score/", publicPrefix: "/churn" },
    ],
    [
      "FRAUD.models.example.com",
      "/predict",
      { service: "fraud", originPath: "/predict", publicPrefix: "" },
    ],
    ["router.example.com", "/_router/health", null],
    ["router.example.com", "/", null],
    ["router.example.com", "/Fraud/predict", null],
    ["router.example.com", "/-x/predict", null],
    // A client's Host header never reaches Object.prototype through the map.
    [
      "constructor",
      "/fraud/predict",
      { service: "fraud", originPath: "/predict", publicPrefix: "/fraud" },
    ],
    [
      "__proto__",
      "/fraud/predict",
      { service: "fraud", originPath: "/predict", publicPrefix: "/fraud" },
    ],
    ["toString", "/x", { service: "x", originPath: "/", publicPrefix: "/x" }],
  ];
  for (const [host, path, expected] of cases) {
    it(`${host}${path} -> ${expected ? `${expected.service} ${expected.originPath}` : "no service"}`, () => {
      expect(matchService(host, path, hosts)).toEqual(expected);
    });
  }
});

describe("joinOriginUrl", () => {
  it("appends the path and query to a base URL that may carry a path", () => {
    expect(joinOriginUrl("http://o:1/fraud-blue", "/predict", "?a=1")).toBe(
      "http://o:1/fraud-blue/predict?a=1",
    );
    expect(joinOriginUrl("http://o:1/", "/predict", "")).toBe("http://o:1/predict");
  });
});
