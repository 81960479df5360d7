/**
 * The control object's compare-and-swap and version rule
 * (src/core/control/compare-and-swap.ts) over a table of cases; titles
 * come from the data.
 */
import { describe, expect, it } from "vitest";
import { compareAndSwap, reportedDocument } from "../../src/core/control/compare-and-swap.ts";
import type { KvState } from "../../src/core/control/state-rows.ts";

const V7 = '{"version":7}';
const BROKEN = '{"version":8,"live":';

interface Case {
  why: string;
  row: { document: string | null; kvSeen: string | null; kvState: KvState; highest: number };
  basis: string | null;
  version: number;
  /** null: the write lands. */
  conflict: string | null;
}

const ok = (document: string | null, highest: number) => ({
  document,
  kvSeen: document,
  kvState: "ok" as const,
  highest,
});

const CASES: Case[] = [
  { why: "on the document read, one above", row: ok(V7, 7), basis: V7, version: 8, conflict: null },
  { why: "a jump above the highest", row: ok(V7, 7), basis: V7, version: 20, conflict: null },
  { why: "the first document", row: ok(null, 0), basis: null, version: 1, conflict: null },
  {
    why: "on a stale read",
    row: ok(V7, 7),
    basis: '{"version":6}',
    version: 8,
    conflict: "the document changed since it was read",
  },
  {
    why: "a version equal to the highest",
    row: ok(V7, 9),
    basis: V7,
    version: 9,
    conflict: "version 9 is not above 9, the highest seen",
  },
  {
    why: "above the document, below the highest",
    row: ok(V7, 12),
    basis: V7,
    version: 8,
    conflict: "version 8 is not above 12, the highest seen",
  },
  {
    why: "a stale read and a low version: the read is named",
    row: ok(V7, 7),
    basis: null,
    version: 3,
    conflict: "the document changed since it was read",
  },
  {
    why: "KV's copy deleted: the pipeline read none",
    row: { document: V7, kvSeen: null, kvState: "deleted", highest: 7 },
    basis: null,
    version: 8,
    conflict: null,
  },
  {
    why: "KV's copy deleted: a write built on the fleet's document",
    row: { document: V7, kvSeen: null, kvState: "deleted", highest: 7 },
    basis: V7,
    version: 8,
    conflict: "the document changed since it was read",
  },
  {
    why: "KV's copy broken: the pipeline read the broken text",
    row: { document: V7, kvSeen: BROKEN, kvState: "invalid", highest: 8 },
    basis: BROKEN,
    version: 9,
    conflict: null,
  },
  {
    why: "KV's copy broken: a write built on the fleet's document",
    row: { document: V7, kvSeen: BROKEN, kvState: "invalid", highest: 8 },
    basis: V7,
    version: 9,
    conflict: "the document changed since it was read",
  },
];

describe("compareAndSwap", () => {
  for (const c of CASES) {
    const outcome = c.conflict === null ? "lands" : `refused (${c.conflict})`;
    it(`${c.why}: KV ${c.row.kvState}, highest ${c.row.highest}, version ${c.version} -> ${outcome}`, () => {
      const write = {
        basis: c.basis,
        document: `{"version":${c.version}}`,
        version: c.version,
        history: "[]",
      };
      const verdict = compareAndSwap(c.row, 7, write);
      if (c.conflict === null) {
        expect(verdict).toEqual({
          ok: true,
          row: {
            document: write.document,
            history: "[]",
            lastGood: write.document,
            kvState: "ok",
            highest: c.version,
          },
        });
      } else {
        expect(verdict).toEqual({ ok: false, conflict: { actual: 7, reason: c.conflict } });
      }
    });
  }
});

describe("reportedDocument", () => {
  const rows: [KvState, string | null][] = [
    ["ok", V7],
    ["deleted", null],
    ["invalid", BROKEN],
  ];
  for (const [kvState, expected] of rows) {
    it(`KV ${kvState} -> ${expected === null ? "no document" : expected}`, () => {
      expect(reportedDocument({ document: V7, kvSeen: BROKEN, kvState })).toBe(expected);
    });
  }
});
