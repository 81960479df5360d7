/**
 * The shared rollout operations (src/operations/) and history format
 * (src/history/) as pure functions: exact share parsing, bucket-range
 * placement, the ramp ladder, flips, promotion, rollback and the bounded
 * history. The CLI and admin tests cover the same code end to end.
 */
import { describe, expect, it } from "vitest";
import { HISTORY_LIMIT, type HistoryEntry, recordWrite } from "../../src/history/history.ts";
import { canaryRamp, canarySet, nextRampStep } from "../../src/operations/canary.ts";
import { challengerAdd, firstFreeStart } from "../../src/operations/challenger.ts";
import { diffDocuments, formatDiff } from "../../src/operations/diff.ts";
import { flip } from "../../src/operations/flip.ts";
import { mergePatch } from "../../src/operations/replace.ts";
import { rollback } from "../../src/operations/rollback.ts";
import { schemaHasShadow, shadowOn } from "../../src/operations/shadow.ts";
import { formatBp, parsePercent } from "../../src/operations/shares.ts";
import { summarizeDocument } from "../../src/operations/summary.ts";
import type { RoutingDocument } from "../../src/schema/routing-document.ts";
import { validateRoutingDocument } from "../../src/schema/validate.ts";
import { demoDoc } from "./cli-support.ts";

const meta = { author: "t", now: "2026-11-27T10:00:00.000Z" };
const fraud = (): RoutingDocument => {
  const parsed = validateRoutingDocument(demoDoc("fraud"));
  if (!parsed.ok) throw new Error("demo document invalid");
  return parsed.doc;
};
const ok = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
};

describe("shares: percentages to basis points, exactly", () => {
  it.each([
    ["5%", 500],
    ["0.5%", 50],
    ["0.07%", 7],
    ["0.10%", 10],
    ["12.34%", 1234],
    ["100%", 10_000],
    ["0%", 0],
  ])("%s = %i bp", (text, bp) => {
    expect(parsePercent(text)).toEqual({ ok: true, bp });
    expect(parsePercent(formatBp(bp))).toEqual({ ok: true, bp });
  });

  it.each(["0.005%", "0.125%", "101%", "5", "-1%", "5 %x", ""])("refuses %j", (text) => {
    expect(parsePercent(text).ok).toBe(false);
  });
});

describe("challenger ranges", () => {
  it.each([
    ["empty", [], 500, 0],
    ["after one", [{ startBp: 0, shareBp: 500 }], 500, 500],
    [
      "first gap that fits",
      [
        { startBp: 0, shareBp: 100 },
        { startBp: 300, shareBp: 100 },
      ],
      200,
      100,
    ],
    [
      "skips a gap too small",
      [
        { startBp: 0, shareBp: 100 },
        { startBp: 300, shareBp: 100 },
      ],
      201,
      400,
    ],
    ["ignores empty ranges", [{ startBp: 0, shareBp: 0 }], 10_000, 0],
    ["full", [{ startBp: 0, shareBp: 9_990 }], 11, null],
  ])("%s", (_title, taken, share, start) => {
    expect(firstFreeStart(taken, share)).toBe(start);
  });

  it("add takes the first free range and keeps the existing challenger's users", () => {
    const r = ok(challengerAdd(fraud(), { origin: "green", shareBp: 300 }, meta));
    expect(r.doc.challengers).toEqual([
      { origin: "challenger-a", startBp: 0, shareBp: 500 },
      { origin: "green", startBp: 500, shareBp: 300 },
    ]);
    expect(r.doc).toMatchObject({ version: 2, updatedAt: meta.now, updatedBy: "t" });
  });
});

describe("canary", () => {
  it.each([
    [0, 100],
    [100, 500],
    [700, 1000],
    [1000, 2500],
    [5000, 10_000],
    [10_000, null],
  ])("ladder: %i bp -> %s", (from, to) => {
    expect(nextRampStep(from)).toBe(to);
  });

  it("ramp keeps the salt; a killed canary is not ramped; a new origin gets a new salt", () => {
    const ramped = ok(canaryRamp(fraud(), {}, meta)).doc;
    expect(ramped.canary).toMatchObject({ shareBp: 2500, salt: "fraud-canary-2026-11-26" });
    const killed = fraud();
    if (killed.canary) killed.canary.killed = true;
    expect(canaryRamp(killed, {}, meta)).toMatchObject({
      ok: false,
      errors: [{ path: "canary.killed" }],
    });
    const moved = ok(canarySet(fraud(), { origin: "green", shareBp: 100 }, meta)).doc;
    expect(moved.canary?.salt).not.toBe("fraud-canary-2026-11-26");
  });
});

describe("flip", () => {
  it("goes to the one idle origin, and names the candidates when there are several", () => {
    expect(ok(flip(fraud(), {}, meta)).doc.live).toBe("green");
    const two = fraud();
    two.origins.spare = { url: "http://127.0.0.1:9/spare", timeoutMs: 1000 };
    expect(flip(two, {}, meta)).toMatchObject({
      ok: false,
      errors: [{ path: "live", message: expect.stringContaining("green, spare") }],
    });
  });

  it.runIf(schemaHasShadow())("drops a shadow of the origin that becomes live", () => {
    const shadowed = ok(shadowOn(fraud(), { origin: "green", shareBp: 1000 }, meta)).doc;
    const flipped = ok(flip(shadowed, { to: "green" }, meta));
    expect(flipped.change).toBe("flip live blue -> green (shadow of green removed)");
    expect((flipped.doc as { shadow?: unknown }).shadow).toBeUndefined();
  });
});

describe("rollback and history", () => {
  const doc = (version: number, live: string) => ({ ...demoDoc("fraud"), version, live });
  const entry = (version: number, previous: ReturnType<typeof doc>): HistoryEntry => ({
    version,
    updatedAt: meta.now,
    updatedBy: "t",
    change: "x",
    source: "cli",
    document: previous,
  });

  it("restores the previous document as a new, higher version", () => {
    const history = [entry(2, doc(1, "blue")), entry(3, doc(2, "green"))];
    const r = ok(rollback("fraud", { current: doc(3, "blue"), history }, {}, meta));
    expect(r.doc).toMatchObject({ version: 4, live: "green" });
    expect(r.change).toBe("rollback to version 2 (live green)");
    const to1 = ok(rollback("fraud", { current: doc(3, "blue"), history }, { toVersion: 1 }, meta));
    expect(to1.doc.version).toBe(4);
  });

  it("prefers the worker's last-good copy when it is newer than the history (a raw write replaced it)", () => {
    const history = [entry(2, doc(1, "blue"))];
    const r = ok(
      rollback("fraud", { current: "garbage", history, lastGood: doc(5, "green") }, {}, meta),
    );
    expect(r.doc).toMatchObject({ version: 6, live: "green" });
  });

  it("with no history (only raw writes), says how to put a good document back", () => {
    const r = rollback("fraud", { current: doc(2, "green"), history: [] }, {}, meta);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors[0]?.message).toContain(
        "history has no earlier version to restore (restorable: none)",
      );
      expect(r.errors[0]?.message).toContain("raw `wrangler kv key put` writes leave no history");
    }
  });

  it(`keeps the newest ${HISTORY_LIMIT} entries`, () => {
    let history: HistoryEntry[] = [];
    for (let v = 2; v <= 60; v++) {
      const next = { ...fraud(), version: v, updatedAt: meta.now, updatedBy: "t" };
      history = recordWrite(history, {
        previous: doc(v - 1, "blue"),
        next,
        change: `v${v}`,
        source: "cli",
      });
    }
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(history[0]?.version).toBe(11);
    expect(history.at(-1)?.version).toBe(60);
  });
});

describe("documents", () => {
  it("merge patch (RFC 7386): objects merge, null deletes, arrays replace", () => {
    expect(
      mergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { b: { c: null, x: 1 }, e: [2], a: null }),
    ).toEqual({ b: { d: 3, x: 1 }, e: [2] });
  });

  it("diff lists changed leaves by path, without the version stamps", () => {
    const after = ok(flip(fraud(), {}, meta)).doc;
    const lines = diffDocuments(fraud(), after);
    expect(lines).toEqual([{ path: "live", kind: "changed", before: "blue", after: "green" }]);
    expect(formatDiff(lines)).toBe('  ~ live: "blue" -> "green"');
  });

  it("summary: the canary takes its share, challengers split the rest, live keeps the remainder", () => {
    const arms = summarizeDocument(fraud()).arms.map((a) => [a.role, a.origin, a.expectedBp]);
    expect(arms).toEqual([
      ["live", "blue", 8550],
      ["canary", "canary", 1000],
      ["challenger", "challenger-a", 450],
    ]);
  });
});
