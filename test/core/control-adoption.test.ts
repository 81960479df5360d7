/**
 * What the control object does with KV's copy of its document, and what it
 * imports on its first call (src/core/control/adoption.ts): tables of
 * cases, titles from the data. Documents here are `svc@version` strings,
 * parsed by a stub (the schema is the document floor's).
 */
import { describe, expect, it } from "vitest";
import {
  type Adoption,
  adoptedHistory,
  adoptionOf,
  importOf,
  type Parse,
  type ServiceTexts,
} from "../../src/core/control/adoption.ts";

interface Doc {
  service: string;
  version: number;
  /** What the document says besides its stamps. */
  body: string;
}

let parses = 0;
/** "fraud@7:blue" is version 7 of fraud saying "blue" (the body defaults to ""); anything else fails the schema. */
const parse: Parse<Doc> = (text) => {
  parses += 1;
  const m = /^([a-z]+)@(\d+)(?::([a-z]+))?$/.exec(text);
  return m?.[1] && m[2]
    ? { ok: true, doc: { service: m[1], version: Number(m[2]), body: m[3] ?? "" } }
    : { ok: false, errors: [{ path: "", message: "not a document" }] };
};

const NOW = 1_000_000_000;

interface AdoptCase {
  why: string;
  /** The object's row: what it saw in KV (and whether KV was behind), its document, the highest version seen. */
  seen: string | null;
  behind?: boolean;
  document: string | null;
  highest: number;
  /** Bodies of documents the object wrote and replaced, and how long ago (ms). */
  replaced?: Record<string, number>;
  /** KV's text now (null: deleted). */
  kv: string | null;
  kind: Adoption<Doc>["kind"];
  /** The version an adopted document is stored as. */
  storedAs?: number;
}

const ADOPT: AdoptCase[] = [
  {
    why: "nothing changed",
    seen: "fraud@7",
    document: "fraud@7",
    highest: 7,
    kv: "fraud@7",
    kind: "unchanged",
  },
  {
    why: "still deleted",
    seen: null,
    document: "fraud@7",
    highest: 7,
    kv: null,
    kind: "unchanged",
  },
  {
    why: "still the same broken text",
    seen: "{",
    document: "fraud@7",
    highest: 7,
    kv: "{",
    kind: "unchanged",
  },
  {
    why: "deleted in KV",
    seen: "fraud@7",
    document: "fraud@7",
    highest: 7,
    kv: null,
    kind: "deleted",
  },
  {
    why: "broken in KV",
    seen: "fraud@7",
    document: "fraud@7",
    highest: 7,
    kv: "{",
    kind: "invalid",
  },
  {
    why: "another service's document",
    seen: "fraud@7",
    document: "fraud@7",
    highest: 7,
    kv: "spam@9",
    kind: "invalid",
  },
  {
    why: "the object's own document again",
    seen: null,
    document: "fraud@7",
    highest: 7,
    kv: "fraud@7",
    kind: "current",
  },
  {
    why: "the same document under an older version (a re-stamped put as it was put)",
    seen: "fraud@7:blue",
    document: "fraud@9:blue",
    highest: 9,
    kv: "fraud@3:blue",
    kind: "current",
  },
  {
    why: "a document the object replaced a minute ago: a stale read",
    seen: "fraud@16:green",
    document: "fraud@16:green",
    highest: 16,
    replaced: { blue: 20_000 },
    kv: "fraud@15:blue",
    kind: "behind",
  },
  {
    why: "still behind: looked at again, still within the window",
    seen: "fraud@15:blue",
    behind: true,
    document: "fraud@16:green",
    highest: 16,
    replaced: { blue: 50_000 },
    kv: "fraud@15:blue",
    kind: "behind",
  },
  {
    why: "the same old text past the window: somebody put it back (a rollback by wrangler)",
    seen: "fraud@15:blue",
    behind: true,
    document: "fraud@16:green",
    highest: 16,
    replaced: { blue: 600_000 },
    kv: "fraud@15:blue",
    kind: "adopt",
    storedAs: 17,
  },
  {
    why: "a re-put of an old document long replaced: adopted, re-stamped above the highest",
    seen: "fraud@16:green",
    document: "fraud@16:green",
    highest: 16,
    replaced: { blue: 3_600_000 },
    kv: "fraud@15:blue",
    kind: "adopt",
    storedAs: 17,
  },
  {
    why: "a document never written here with an old version: adopted, re-stamped",
    seen: "fraud@7",
    document: "fraud@7",
    highest: 9,
    kv: "fraud@3:red",
    kind: "adopt",
    storedAs: 10,
  },
  {
    why: "a version equal to the highest, new content: re-stamped",
    seen: "fraud@7",
    document: "fraud@7",
    highest: 9,
    kv: "fraud@9:red",
    kind: "adopt",
    storedAs: 10,
  },
  {
    why: "the object's own content with a higher version: adopted as it is (versions go up)",
    seen: "fraud@16:green",
    document: "fraud@16:green",
    highest: 16,
    kv: "fraud@18:green",
    kind: "adopt",
    storedAs: 18,
  },
  {
    why: "a higher version",
    seen: "fraud@7",
    document: "fraud@7",
    highest: 7,
    kv: "fraud@8:red",
    kind: "adopt",
    storedAs: 8,
  },
  {
    why: "a higher version after a delete",
    seen: null,
    document: "fraud@7",
    highest: 7,
    kv: "fraud@12:red",
    kind: "adopt",
    storedAs: 12,
  },
  {
    why: "a first document",
    seen: null,
    document: null,
    highest: 0,
    kv: "fraud@1",
    kind: "adopt",
    storedAs: 1,
  },
];

describe("adoptionOf", () => {
  for (const c of ADOPT) {
    it(`${c.why}: saw ${c.seen ?? "none"}, highest ${c.highest}, KV ${c.kv ?? "deleted"} -> ${c.kind}`, () => {
      parses = 0;
      const current = c.document ? parse(c.document) : null;
      parses = 0;
      const a = adoptionOf(
        "fraud",
        {
          kvSeen: c.seen,
          kvState: c.behind ? "behind" : "ok",
          document: c.document,
          highest: c.highest,
        },
        c.kv,
        {
          parse,
          content: (d) => d.body,
          currentContent: current?.ok ? current.doc.body : null,
          replacedAt: (body) =>
            c.replaced?.[body] === undefined ? null : NOW - (c.replaced[body] as number),
          now: NOW,
        },
      );
      expect(a.kind).toBe(c.kind);
      const kvVersion = Number(c.kv?.split("@")[1]?.split(":")[0]);
      switch (a.kind) {
        case "unchanged":
          return expect(parses).toBe(0); // parsed only when KV changed
        case "deleted":
          return expect(a.row).toEqual({ kvSeen: null, kvState: "deleted" });
        case "invalid":
          expect(a.errors.length).toBeGreaterThan(0);
          return expect(a.row).toEqual({ kvSeen: c.kv, kvState: "invalid" });
        case "current":
          return expect(a.row).toEqual({ kvSeen: c.kv, kvState: "ok" });
        case "behind":
          expect(a.version).toBe(kvVersion);
          return expect(a.row).toEqual({ kvSeen: c.kv, kvState: "behind" });
        case "adopt":
          expect(a.row).toEqual({ kvSeen: c.kv });
          expect(a.doc.version).toBe(kvVersion);
          expect(a.version).toBe(c.storedAs);
          return expect(a.adopted).toEqual({
            kvState: "ok",
            highest: c.storedAs,
            kvVersion: c.storedAs,
          });
      }
    });
  }
});

const HISTORY: { why: string; kv: number[]; version: number; keeps: "kv" | "record" }[] = [
  {
    why: "a raw put: KV's history has no entry for it",
    kv: [5, 6, 7],
    version: 8,
    keeps: "record",
  },
  { why: "the CLI's --direct mode wrote its entry", kv: [6, 7, 8], version: 8, keeps: "kv" },
  { why: "no history in KV", kv: [], version: 8, keeps: "record" },
];

describe("adoptedHistory", () => {
  for (const c of HISTORY) {
    it(`${c.why}: KV's entries [${c.kv}], adopting ${c.version} -> ${c.keeps}`, () => {
      expect(
        adoptedHistory(
          c.kv.map((version) => ({ version })),
          c.version,
        ),
      ).toBe(c.keeps);
    });
  }
});

interface ImportCase {
  why: string;
  texts: ServiceTexts;
  document: string | null;
  lastGood: string | null;
  kvState: "ok" | "deleted" | "invalid";
  kvVersion: number;
  mirrorLastGood: boolean;
}

const IMPORT: ImportCase[] = [
  {
    why: "a valid document, its last-good copy behind",
    texts: { document: "fraud@7", history: "[]", lastGood: "fraud@6" },
    document: "fraud@7",
    lastGood: "fraud@7",
    kvState: "ok",
    kvVersion: 7,
    mirrorLastGood: true,
  },
  {
    why: "a valid document, its last-good copy the same",
    texts: { document: "fraud@7", history: null, lastGood: "fraud@7" },
    document: "fraud@7",
    lastGood: "fraud@7",
    kvState: "ok",
    kvVersion: 7,
    mirrorLastGood: false,
  },
  {
    why: "deleted, a valid last-good copy",
    texts: { document: null, history: "[]", lastGood: "fraud@6" },
    document: "fraud@6",
    lastGood: "fraud@6",
    kvState: "deleted",
    kvVersion: 0,
    mirrorLastGood: false,
  },
  {
    why: "broken, a valid last-good copy",
    texts: { document: "{", history: null, lastGood: "fraud@6" },
    document: "fraud@6",
    lastGood: "fraud@6",
    kvState: "invalid",
    kvVersion: 0,
    mirrorLastGood: false,
  },
  {
    why: "another service's document",
    texts: { document: "spam@3", history: null, lastGood: null },
    document: null,
    lastGood: null,
    kvState: "invalid",
    kvVersion: 0,
    mirrorLastGood: false,
  },
  {
    why: "deleted, a broken last-good copy (kept as it is)",
    texts: { document: null, history: null, lastGood: "{" },
    document: null,
    lastGood: "{",
    kvState: "deleted",
    kvVersion: 0,
    mirrorLastGood: false,
  },
  {
    why: "nothing in KV",
    texts: { document: null, history: null, lastGood: null },
    document: null,
    lastGood: null,
    kvState: "deleted",
    kvVersion: 0,
    mirrorLastGood: false,
  },
];

describe("importOf", () => {
  for (const c of IMPORT) {
    const t = c.texts;
    it(`${c.why}: KV ${t.document ?? "none"}, last-good ${t.lastGood ?? "none"} -> serves ${c.document ?? "none"}, KV ${c.kvState}${c.mirrorLastGood ? ", mirrors last-good" : ""}`, () => {
      const { row, mirrorLastGood } = importOf("fraud", t, 11, parse);
      expect(row).toEqual({
        document: c.document,
        lastGood: c.lastGood,
        ...(t.history !== null ? { history: t.history } : {}),
        kvSeen: t.document,
        kvState: c.kvState,
        highest: 11,
        kvVersion: c.kvVersion,
        imported: true,
      });
      expect(mirrorLastGood).toBe(c.mirrorLastGood);
    });
  }
});
