import { describe, expect, it } from "vitest";
import { fieldAt } from "../../src/core/json-path.ts";
import {
  type ArmAnswer,
  comparePair,
  isNotable,
  readPrediction,
} from "../../src/core/shadow/compare.ts";

const fields = { scoreField: "score", labelField: "label" };
const ok = (body: unknown, status = 200): ArmAnswer => ({
  status,
  durationMs: 12,
  error: null,
  text: typeof body === "string" ? body : JSON.stringify(body),
});

describe("fieldAt", () => {
  const doc = { score: 0.4, result: { label: "fraud", top: [{ p: 0.9 }] }, "a.b": 1 };
  it.each([
    ["score", 0.4],
    ["result.label", "fraud"],
    ["result.top.0.p", 0.9],
    ["result.missing", undefined],
    ["score.deeper", undefined],
    ["toString", undefined],
    ["a.b", undefined],
  ])("%s -> %j", (path, expected) => {
    expect(fieldAt(doc, path)).toEqual(expected);
  });
});

describe("readPrediction: error kinds, in order of precedence", () => {
  it.each<[string, ArmAnswer, string | null]>([
    [
      "transport timeout wins",
      { status: 0, durationMs: 300, error: "timeout", text: null },
      "timeout",
    ],
    [
      "connection failure",
      { status: 0, durationMs: 1, error: "connection", text: null },
      "connection",
    ],
    ["too large", { status: 200, durationMs: 1, error: "too-large", text: null }, "too-large"],
    [
      "a 500 is an http-status error even with a valid body",
      ok({ score: 1, label: "x" }, 500),
      "http-status",
    ],
    ["a 404", ok({ error: "no" }, 404), "http-status"],
    ["html is invalid-json", ok("<html>definitely not json"), "invalid-json"],
    ["empty body is invalid-json", ok(""), "invalid-json"],
    ["neither field", ok({ probability: 0.3 }), "missing-fields"],
    ["wrong types count as missing", ok({ score: "high", label: { x: 1 } }), "missing-fields"],
    ["score only is fine", ok({ score: 0.2 }), null],
    ["label only is fine", ok({ label: "negative" }), null],
  ])("%s", (_title, answer, kind) => {
    expect(readPrediction(answer, fields).error).toBe(kind);
  });

  it("reads nested fields, numeric strings and non-string labels", () => {
    const r = readPrediction(ok({ out: { p: "0.25", cls: 1 } }), {
      scoreField: "out.p",
      labelField: "out.cls",
    });
    expect(r).toMatchObject({ error: null, score: 0.25, label: "1", status: 200 });
  });
});

describe("comparePair on known pairs", () => {
  const cases: [unknown, unknown, string, number | null][] = [
    [{ score: 0.7, label: "positive" }, { score: 0.7, label: "positive" }, "agree", 0],
    [{ score: 0.52, label: "positive" }, { score: 0.47, label: "negative" }, "disagree", -0.05],
    [{ score: 0.1, label: "negative" }, { score: 0.35, label: "negative" }, "agree", 0.25],
    [{ score: 0.9, label: true }, { score: 0.9, label: "true" }, "agree", 0],
    [{ label: "a" }, { score: 0.3, label: "b" }, "disagree", null],
    [{ score: 0.3 }, { score: 0.5 }, "n/a", 0.2],
  ];
  it.each(cases)("%j vs %j -> %s, delta %s", (prod, shadow, agreement, delta) => {
    const c = comparePair(readPrediction(ok(prod), fields), readPrediction(ok(shadow), fields));
    expect(c.agreement).toBe(agreement);
    if (delta === null) {
      expect(c.delta).toBeNull();
      expect(c.absDelta).toBeNull();
    } else {
      expect(c.delta).toBeCloseTo(delta, 12);
      expect(c.absDelta).toBeCloseTo(Math.abs(delta), 12);
    }
  });

  it("an errored arm makes the pair n/a and notable", () => {
    const c = comparePair(
      readPrediction(ok({ score: 0.5, label: "x" }), fields),
      readPrediction({ status: 0, durationMs: 300, error: "timeout", text: null }, fields),
    );
    expect(c).toMatchObject({ agreement: "n/a", delta: null });
    expect(isNotable(c)).toBe(true);
  });

  it("agreement without errors is not notable; a disagreement is", () => {
    const read = (b: unknown) => readPrediction(ok(b), fields);
    expect(isNotable(comparePair(read({ label: "a" }), read({ label: "a" })))).toBe(false);
    expect(isNotable(comparePair(read({ label: "a" }), read({ label: "b" })))).toBe(true);
  });
});
