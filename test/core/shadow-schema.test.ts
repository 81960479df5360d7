import { describe, expect, it } from "vitest";
import fraud from "../../scripts/demo/fraud.json" with { type: "json" };
import { validateRoutingDocument } from "../../src/document/validate.ts";

// biome-ignore lint/suspicious/noExplicitAny: the cases below mutate arbitrary document fields
type Doc = Record<string, any>;
const withShadow = (shadow: Doc): Doc => {
  const doc = structuredClone(fraud) as Doc;
  doc.origins.shadow = { url: "http://127.0.0.1:9100/fraud-shadow" };
  doc.shadow = shadow;
  return doc;
};

describe("shadow block of the routing document", () => {
  it("needs only origin and shareBp; everything else has a default", () => {
    const r = validateRoutingDocument(withShadow({ origin: "shadow", shareBp: 500 }));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.doc.shadow).toEqual({
      origin: "shadow",
      shareBp: 500,
      sampling: "request",
      enabled: true,
      timeoutMs: 5000,
      maxBodyBytes: 65_536,
      methods: ["POST"],
      paths: ["/predict"],
      scoreField: "score",
      labelField: "label",
      compare: { kind: "exact" },
      maxAnswerBytes: 262_144,
      inputIdField: "id",
    });
  });

  it("takes a comparator by kind, its settings defaulted, and refuses an unknown kind", () => {
    const read = (compare: unknown) => {
      const r = validateRoutingDocument(withShadow({ origin: "shadow", shareBp: 500, compare }));
      return r.ok ? r.doc.shadow?.compare : r.errors.map((e) => e.path).join(",");
    };
    expect(read({ kind: "tokens" })).toEqual({ kind: "tokens", threshold: 0.8 });
    expect(read({ kind: "number", tolerance: 0.01 })).toEqual({ kind: "number", tolerance: 0.01 });
    expect(read({ kind: "json" })).toEqual({ kind: "json" });
    expect(read({ kind: "fuzzy" })).toMatch(/shadow\.compare/);
    expect(read({ kind: "tokens", threshold: 2 })).toMatch(/shadow\.compare\.threshold/);
  });

  it("is optional", () => {
    const { shadow: _omitted, ...doc } = structuredClone(fraud) as Doc;
    const r = validateRoutingDocument(doc);
    expect(r.ok && r.doc.shadow).toBeUndefined();
  });

  it("the demo document mirrors every prediction to its shadow origin", () => {
    const r = validateRoutingDocument(fraud);
    expect(r.ok && r.doc.shadow).toMatchObject({ origin: "shadow", shareBp: 10_000 });
  });

  it.each<[string, Doc, string]>([
    ["unknown origin", { origin: "nope", shareBp: 1 }, "shadow.origin"],
    ["the live origin", { origin: "blue", shareBp: 1 }, "shadow.origin"],
    ["share above 100%", { origin: "shadow", shareBp: 10_001 }, "shadow.shareBp"],
    ["fractional share", { origin: "shadow", shareBp: 0.5 }, "shadow.shareBp"],
    [
      "user sampling without salt",
      { origin: "shadow", shareBp: 1, sampling: "user" },
      "shadow.salt",
    ],
    ["unknown sampling", { origin: "shadow", shareBp: 1, sampling: "session" }, "shadow.sampling"],
    ["lower-case method", { origin: "shadow", shareBp: 1, methods: ["post"] }, "shadow.methods.0"],
    ["no methods", { origin: "shadow", shareBp: 1, methods: [] }, "shadow.methods"],
    ["relative path", { origin: "shadow", shareBp: 1, paths: ["predict"] }, "shadow.paths.0"],
    [
      "timeout beyond waitUntil's budget",
      { origin: "shadow", shareBp: 1, timeoutMs: 60_000 },
      "shadow.timeoutMs",
    ],
    [
      "empty field path segment",
      { origin: "shadow", shareBp: 1, scoreField: "a..b" },
      "shadow.scoreField",
    ],
    [
      "score and label the same field",
      { origin: "shadow", shareBp: 1, labelField: "score" },
      "shadow.labelField",
    ],
    ["unknown key", { origin: "shadow", shareBp: 1, mirror: true }, "shadow"],
  ])("rejects %s at %s", (_title, shadow, path) => {
    const r = validateRoutingDocument(withShadow(shadow));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path)).toContain(path);
  });

  it("accepts user sampling with a salt, extra methods and wildcard paths", () => {
    const r = validateRoutingDocument(
      withShadow({
        origin: "shadow",
        shareBp: 10_000,
        sampling: "user",
        salt: "s1",
        methods: ["POST", "PUT"],
        paths: ["/predict", "/v2/*"],
        scoreField: "result.p",
        labelField: "result.class",
      }),
    );
    expect(r.ok).toBe(true);
  });
});
