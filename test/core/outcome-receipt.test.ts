/**
 * Receipts and outcome batches, the pure parts: the payload round trip,
 * what a receipt may claim, its age window, a batch's per-item checks and
 * limits, and the sums per arm over user buckets.
 */
import { describe, expect, it } from "vitest";
import { checkBatch, OUTCOME_LIMITS, tally } from "../../src/core/outcomes/outcome-batch.ts";
import { totalsOf } from "../../src/core/outcomes/outcome-sums.ts";
import {
  base64url,
  fromBase64url,
  parsePayload,
  type Receipt,
  receiptAgeProblem,
  receiptId,
  receiptPayload,
  splitReceipt,
} from "../../src/core/outcomes/receipt.ts";

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const DAY = 86_400_000;
const receipt: Receipt = {
  service: "fraud",
  arm: "canary",
  revision: "12@1796040000000",
  bucket: 63,
  issuedAt: NOW / 1000,
  id: "00ff00ff00ff00ff00ff00ff00ff00ff",
};
const payloadOf = (o: Record<string, unknown>) =>
  base64url(
    JSON.stringify({ s: "fraud", a: "blue", r: "1@0", b: 0, t: 1, i: "a".repeat(16), ...o }),
  );

describe("receipt payload", () => {
  it("round-trips, in base64url without padding", () => {
    const p = receiptPayload(receipt);
    expect(p).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(parsePayload(p)).toEqual({ ok: true, receipt });
    expect(JSON.parse(fromBase64url(p))).toEqual({
      s: "fraud",
      a: "canary",
      r: "12@1796040000000",
      b: 63,
      t: NOW / 1000,
      i: receipt.id,
    });
    expect(receiptId(new Uint8Array([0, 255, 16]))).toBe("00ff10");
  });

  it.each([
    ["a bucket past the last", { b: 64 }],
    ["a negative bucket", { b: -1 }],
    ["a fractional time", { t: 1.5 }],
    ["a short id", { i: "abc" }],
    ["an id that is not hex", { i: "g".repeat(16) }],
    ["a revision that is not version@ms", { r: "latest" }],
    ["an arm that is not a name", { a: "__proto__" }],
    ["a service that is not a name", { s: "Fraud" }],
    ["a missing field", { s: undefined }],
  ])("refuses %s", (_what, change) => {
    expect(parsePayload(payloadOf(change)).ok).toBe(false);
  });

  it("refuses payloads that are not JSON objects", () => {
    for (const text of ["[]", "null", "7", "{", '"x"'])
      expect(parsePayload(base64url(text)).ok).toBe(false);
    expect(parsePayload("%%%").ok).toBe(false);
  });

  it("splits <payload>.<mac> and refuses anything else before any MAC is computed", () => {
    expect(splitReceipt("abc.def")).toEqual({ ok: true, payload: "abc", mac: "def" });
    for (const bad of ["", "abc", "a.b.c", "a+b.c", ".c", "a.", 7, null, "x".repeat(513)])
      expect(splitReceipt(bad).ok).toBe(false);
  });

  it("counts for the window after it was issued, not before it", () => {
    const at = (ms: number) => receiptAgeProblem({ ...receipt, issuedAt: ms / 1000 }, NOW, 7 * DAY);
    expect(at(NOW - 7 * DAY)).toBeNull();
    expect(at(NOW - 7 * DAY - 1000)?.reason).toBe("expired");
    expect(at(NOW - 7 * DAY - 1000)?.message).toContain("more than 7 days ago");
    expect(at(NOW + 300_000)).toBeNull();
    expect(at(NOW + 301_000)?.reason).toBe("future");
  });
});

describe("a batch of outcomes", () => {
  const item = (o: Record<string, unknown> = {}) => ({
    receipt: "abc.def",
    metric: "converted",
    value: 1,
    ...o,
  });

  it("keeps the well-formed items and refuses the others with a reason", () => {
    const check = checkBatch({
      outcomes: [
        item(),
        item({ value: true }),
        item({ value: false }),
        item({ value: -2.5 }),
        item({ metric: "9lives" }),
        item({ metric: "a".repeat(65) }),
        item({ value: OUTCOME_LIMITS.maxAbsValue * 10 }),
        item({ value: "1" }),
        item({ receipt: 5 }),
        [],
      ],
    });
    if (!check.ok) throw new Error(check.message);
    expect(check.items.map((x) => [x.index, x.value])).toEqual([
      [0, 1],
      [1, 1],
      [2, 0],
      [3, -2.5],
    ]);
    expect(check.results.map((r) => (r && r.status === "refused" ? r.reason : null))).toEqual([
      null,
      null,
      null,
      null,
      "bad_metric",
      "bad_metric",
      "bad_value",
      "bad_value",
      "malformed",
      "malformed",
    ]);
  });

  it("refuses a body that is not a batch, or one over the item limit", () => {
    for (const body of [null, [], "x", {}, { outcomes: {} }, { outcomes: [] }])
      expect(checkBatch(body).ok).toBe(false);
    expect(checkBatch({ outcomes: Array.from({ length: 1000 }, () => item()) }).ok).toBe(true);
    const over = checkBatch({ outcomes: Array.from({ length: 1001 }, () => item()) });
    expect(over.ok ? "" : over.message).toBe("1001 outcomes in one batch; at most 1000");
  });

  it("tallies results", () => {
    expect(
      tally([
        { status: "accepted" },
        { status: "duplicate" },
        { status: "refused", reason: "forged", message: "" },
        { status: "accepted" },
      ]),
    ).toEqual({ accepted: 2, duplicate: 1, refused: 1 });
  });
});

describe("outcome sums", () => {
  it("add up per revision, arm and metric, with the user buckets kept apart", () => {
    const t = totalsOf([
      { revision: "1@0", arm: "blue", metric: "converted", bucket: 0, n: 4, sum: 1, sumSq: 1 },
      { revision: "1@0", arm: "blue", metric: "converted", bucket: 5, n: 6, sum: 2, sumSq: 2 },
      {
        revision: "1@0",
        arm: "constructor",
        metric: "score",
        bucket: 5,
        n: 2,
        sum: 1.5,
        sumSq: 1.25,
      },
    ]);
    const blue = t["1@0"]?.blue?.converted;
    expect(blue).toMatchObject({ n: 10, sum: 3, sumSq: 3, mean: 0.3 });
    expect(blue?.buckets.n[0]).toBe(4);
    expect(blue?.buckets.n[5]).toBe(6);
    expect(blue?.buckets.sum[5]).toBe(2);
    expect(t["1@0"]?.["constructor"]?.score).toMatchObject({ n: 2, mean: 0.75 });
    expect(Object.getPrototypeOf(t)).toBeNull();
  });
});
