/**
 * The shared rollout operations (src/document/edits/) and history format
 * (src/document/edits/) as pure functions: exact share parsing, bucket-range
 * placement, the ramp ladder, flips, promotion, the version rule
 * (nextVersion), rollback (also over histories a raw put confused, and
 * after a delete) and the bounded history. The CLI and admin tests cover
 * the same code end to end.
 */
import { describe, expect, it } from "vitest";
import { canaryRamp, canarySet, nextRampStep } from "../../src/document/edits/canary.ts";
import { challengerAdd, firstFreeStart } from "../../src/document/edits/challenger.ts";
import { diffDocuments, formatDiff } from "../../src/document/edits/diff.ts";
import { flip } from "../../src/document/edits/flip.ts";
import { HISTORY_LIMIT, type HistoryEntry, recordWrite } from "../../src/document/edits/history.ts";
import { mergePatch } from "../../src/document/edits/replace.ts";
import { restorableVersions, rollback } from "../../src/document/edits/rollback.ts";
import { shadowOff, shadowOn, shadowRemove, shadowSet } from "../../src/document/edits/shadow.ts";
import { formatBp, parsePercent } from "../../src/document/edits/shares.ts";
import {
  nextVersion,
  parseStoredService,
  type StoredService,
  versionRegression,
} from "../../src/document/edits/stored-service.ts";
import { summarizeDocument } from "../../src/document/edits/summary.ts";
import type { RoutingDocument } from "../../src/document/routing-document.ts";
import { validateRoutingDocument } from "../../src/document/validate.ts";
import { demoDoc } from "./cli-support.ts";

/** The stamps of a write on the demo document (version 1): the next version is 2. */
const meta = { author: "t", now: "2026-11-27T10:00:00.000Z", version: 2 };
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
      { origin: "challenger-a", startBp: 0, shareBp: 1500 },
      { origin: "challenger-b", startBp: 1500, shareBp: 1500 },
      { origin: "green", startBp: 3000, shareBp: 300 },
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

  it("drops a shadow of the origin that becomes live", () => {
    const shadowed = ok(shadowOn(fraud(), { origin: "green", shareBp: 1000 }, meta)).doc;
    const flipped = ok(flip(shadowed, { to: "green" }, meta));
    expect(flipped.change).toBe("flip live blue -> green (shadow of green removed)");
    expect(flipped.doc.shadow).toBeUndefined();
  });
});

describe("shadow mode", () => {
  /** The demo document without its shadow block. */
  const unshadowed = (): RoutingDocument => {
    const { shadow: _dropped, ...doc } = fraud();
    return doc;
  };
  const refused = (path: string, message: string) => ({ ok: false, errors: [{ path, message }] });

  it("on, from no shadow: mirrors 100% unless told, and the schema fills in the rest", () => {
    const on = ok(shadowOn(unshadowed(), { origin: "shadow" }, meta));
    expect(on.change).toBe("shadow on: 100% mirrored to shadow");
    expect(on.doc.shadow).toEqual({
      origin: "shadow",
      shareBp: 10_000,
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
    expect(shadowOn(unshadowed(), {}, meta)).toEqual(
      refused("shadow.origin", "there is no shadow yet: name its origin"),
    );
    expect(shadowOn(fraud(), {}, meta)).toEqual(
      refused("shadow.enabled", "shadow mode is already on"),
    );
  });

  it("off pauses and keeps every setting; on resumes them", () => {
    const off = ok(shadowOff(fraud(), meta));
    expect(off.change).toBe("shadow off (was 100% mirrored to shadow)");
    expect(off.doc.shadow).toEqual({ ...fraud().shadow, enabled: false });
    expect(shadowOff(off.doc, meta)).toEqual(
      refused("shadow.enabled", "shadow mode is already off"),
    );
    const on = ok(shadowOn(off.doc, {}, meta));
    expect(on.change).toBe(
      "shadow on: 100% mirrored to shadow (was 100% mirrored to shadow, paused)",
    );
    expect(on.doc.shadow).toEqual(fraud().shadow);
  });

  it("set changes only what it is given (the demo's 2 s timeout stays)", () => {
    const set = ok(shadowSet(fraud(), { shareBp: 2500 }, meta));
    expect(set.change).toBe("shadow set: 25% mirrored to shadow (was 100% mirrored to shadow)");
    expect(set.doc.shadow).toEqual({ ...fraud().shadow, shareBp: 2500 });
    expect(set.doc.shadow?.timeoutMs).toBe(2000);
    expect(shadowSet(fraud(), {}, meta)).toEqual(
      refused("shadow", "nothing to set: give an origin and/or a share"),
    );
    expect(shadowSet(unshadowed(), { shareBp: 1 }, meta)).toEqual(
      refused("shadow", "there is no shadow; turn it on first"),
    );
  });

  it("remove drops the block; removing nothing is refused", () => {
    const removed = ok(shadowRemove(fraud(), meta));
    expect(removed.change).toBe("shadow removed (was 100% mirrored to shadow)");
    expect(Object.hasOwn(removed.doc, "shadow")).toBe(false);
    expect(shadowRemove(removed.doc, meta)).toEqual(
      refused("shadow", "there is no shadow to remove"),
    );
  });
});

describe("the version rule: one above every version ever seen", () => {
  const at = (minute: number) => `2026-11-27T10:${String(minute).padStart(2, "0")}:00.000Z`;
  const doc = (version: number, live = "blue", minute = version) => ({
    ...demoDoc("fraud"),
    version,
    live,
    updatedAt: at(minute),
  });
  const entry = (version: number, previous: unknown): HistoryEntry => ({
    version,
    updatedAt: at(version),
    updatedBy: "t",
    change: `v${version}`,
    source: "cli",
    ...(previous ? { document: previous as Record<string, unknown> } : {}),
  });
  const stored = (current: unknown, history: HistoryEntry[] = [], lastGood?: unknown) =>
    parseStoredService("fraud", {
      document: current === null ? null : JSON.stringify(current),
      history: JSON.stringify(history),
      lastGood: lastGood === undefined ? null : JSON.stringify(lastGood),
    });

  it.each([
    ["nothing stored", stored(null), 1],
    ["the stored document's version + 1", stored(doc(5)), 6],
    [
      "a raw put of v2 over a history up to v12",
      stored(doc(2), [entry(11, doc(10)), entry(12, doc(11))]),
      13,
    ],
    [
      "a replaced document above its entry (an old confused write)",
      stored(doc(4), [entry(4, doc(12))]),
      13,
    ],
    ["the last-good copy", stored(doc(2), [], doc(20)), 21],
    ["an invalid stored document's version", stored({ version: 30, live: 1 }), 31],
    ["a deleted document: history and last-good", stored(null, [entry(7, doc(6))], doc(7)), 8],
  ])("%s", (_title, s, next) => {
    expect(nextVersion(s)).toBe(next);
  });

  it("operations stamp the write's version, never the document's version + 1", () => {
    const s = stored(doc(2), [entry(12, doc(11))]);
    expect(versionRegression(s)).toEqual({ version: 2, highest: 12, next: 13 });
    const flipped = ok(flip(fraud(), {}, { ...meta, version: nextVersion(s) }));
    expect(flipped.doc.version).toBe(13);
  });

  describe("rollback over a history a raw put confused (the README walkthrough, twice)", () => {
    // Pass 1: raw puts of v2 and v3, then CLI writes v4..v12 (each replacing the one before).
    const pass1 = [3, 4, 5, 6, 7, 8, 9, 10, 11].map((v) =>
      entry(v + 1, doc(v, v % 2 ? "blue" : "green")),
    );
    // Pass 2 puts "version": 2 (green) again, with a fresh updatedAt.
    const raw2 = doc(2, "green", 50);
    const write = (s: StoredService, args = {}) =>
      rollback(s, args, { ...meta, version: nextVersion(s) });

    it("plain rollback restores the newest known document as v13, not 'no earlier version'", () => {
      // The worker's last-good copy followed the raw put (newest updatedAt): v12 is not known.
      const r = ok(write(stored(raw2, pass1, raw2)));
      expect(r.doc).toMatchObject({ version: 13, live: "blue" });
      expect(r.change).toBe(
        "rollback to version 11 (live blue), the newest in the history (version 2 was written around the tools)",
      );
      // Before the worker saw the raw put, its last-good copy still is v12.
      const v12 = doc(12, "green");
      const fromLastGood = ok(write(stored(raw2, pass1, v12)));
      expect(fromLastGood.doc).toMatchObject({ version: 13, live: "green" });
      expect(fromLastGood.change).toBe(
        "rollback to version 12 (live green), the worker's last-good copy",
      );
    });

    it("--to 3 while a raw v3 is stored restores the history's v3, not 'already the current document'", () => {
      const raw3 = doc(3, "green", 51);
      const r = ok(write(stored(raw3, pass1), { toVersion: 3 }));
      expect(r.doc).toMatchObject({ version: 13, live: "blue" });
      expect(r.change).toBe(`rollback to version 3 (live blue; the one of ${at(3)})`);
    });

    it("a history the old tools extended (a second v3) lists in write order and rolls back by it", () => {
      // The old CLI wrote doc.version + 1 = 3 over the raw v2: a second version 3.
      const second3 = { ...doc(3, "blue", 52) };
      const history = [...pass1, { ...entry(3, raw2), updatedAt: at(52) }];
      const s = stored(second3, history);
      expect(restorableVersions(s)).toEqual([2, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
      // The current write replaced the raw v2: that is what a plain rollback restores.
      const back = ok(write(s));
      expect(back.doc).toMatchObject({ version: 13, live: "green", updatedAt: meta.now });
      expect(back.change).toBe("rollback to version 2 (live green)");
      // --to 3 is the first pass's v3 (the current v3 is a different document).
      const to3 = ok(write(s, { toVersion: 3 }));
      expect(to3.doc).toMatchObject({ version: 13, live: "blue" });
      expect(to3.change).toBe(`rollback to version 3 (live blue; the one of ${at(3)})`);
    });

    it("refuses a version that only the current document has, and says which are restorable", () => {
      const r = write(stored(doc(13, "green"), [...pass1, entry(13, doc(12))]), {
        toVersion: 13,
      });
      expect(r).toMatchObject({
        ok: false,
        errors: [
          {
            message:
              "version 13 is already the current document (restorable: 12, 11, 10, 9, 8, 7, 6, 5, 4, 3)",
          },
        ],
      });
    });
  });

  describe("rollback of a deleted document", () => {
    const write = (s: StoredService, args = {}) =>
      rollback(s, args, { ...meta, version: nextVersion(s) });

    it("restores the last-good copy as a new version", () => {
      const r = ok(write(stored(null, [entry(12, doc(11))], doc(12, "green"))));
      expect(r.doc).toMatchObject({ version: 13, live: "green" });
      expect(r.change).toBe(
        "restore deleted document: version 12 (live green), the worker's last-good copy",
      );
    });

    it("without a last-good copy, the newest VALID document in the history", () => {
      const broken = { ...doc(11), live: "nowhere" };
      const r = ok(write(stored(null, [entry(11, doc(10, "green")), entry(12, broken)])));
      expect(r.doc).toMatchObject({ version: 13, live: "green" });
      expect(r.change).toBe("restore deleted document: version 10 (live green)");
    });

    it("with nothing known, says so", () => {
      expect(write(stored(null))).toMatchObject({
        ok: false,
        errors: [
          {
            message: expect.stringContaining(
              'no routing document for "fraud" and nothing to restore',
            ),
          },
        ],
      });
    });
  });
});

describe("rollback and history", () => {
  const doc = (version: number, live: string) => ({
    ...demoDoc("fraud"),
    version,
    live,
    updatedAt: meta.now,
  });
  const entry = (version: number, previous: ReturnType<typeof doc>): HistoryEntry => ({
    version,
    updatedAt: meta.now,
    updatedBy: "t",
    change: "x",
    source: "cli",
    document: previous,
  });
  const sources = (current: unknown, history: HistoryEntry[], lastGood: unknown = null) => ({
    service: "fraud",
    raw: JSON.stringify(current),
    json: typeof current === "object" ? (current as Record<string, unknown>) : null,
    history,
    lastGood: lastGood as Record<string, unknown> | null,
  });
  const write = (s: ReturnType<typeof sources>, args = {}) =>
    rollback(s, args, { ...meta, version: nextVersion(s) });

  it("restores the previous document as a new, higher version", () => {
    const history = [entry(2, doc(1, "blue")), entry(3, doc(2, "green"))];
    const r = ok(write(sources(doc(3, "blue"), history)));
    expect(r.doc).toMatchObject({ version: 4, live: "green" });
    expect(r.change).toBe("rollback to version 2 (live green)");
    const to1 = ok(write(sources(doc(3, "blue"), history), { toVersion: 1 }));
    expect(to1.doc.version).toBe(4);
  });

  it("prefers the worker's last-good copy when it is newer than the history (a raw write replaced it)", () => {
    const history = [entry(2, doc(1, "blue"))];
    const newer = { ...doc(5, "green"), updatedAt: "2026-11-28T00:00:00.000Z" };
    const r = ok(write(sources("garbage", history, newer)));
    expect(r.doc).toMatchObject({ version: 6, live: "green" });
  });

  it("with no history (only raw writes), says how to put a good document back", () => {
    const r = write(sources(doc(2, "green"), []));
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
      ["live", "blue", 6300],
      ["canary", "canary", 1000],
      ["challenger", "challenger-a", 1350],
      ["challenger", "challenger-b", 1350],
    ]);
  });
});
