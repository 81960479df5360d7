/**
 * The KV mirror of a control object's document and its retry
 * (src/core/control/mirror-plan.ts): tables of cases, titles from the data.
 */
import { describe, expect, it } from "vitest";
import {
  type MirrorCause,
  mirrored,
  mirrorPlan,
  retryFirst,
} from "../../src/core/control/mirror-plan.ts";

const PLANS: {
  cause: MirrorCause;
  document: string | null;
  /** KV's text as last seen. */
  kv: string | null;
  writeDocument: boolean | null;
}[] = [
  { cause: "write", document: "v8", kv: "v7", writeDocument: true },
  { cause: "retry", document: "v8", kv: "v7", writeDocument: true },
  { cause: "adoption", document: "v8", kv: "v8", writeDocument: false },
  { cause: "adoption", document: "v17 (re-stamped)", kv: "v15", writeDocument: false },
  { cause: "import", document: "v8", kv: "v8", writeDocument: false },
  { cause: "write", document: null, kv: null, writeDocument: null },
  { cause: "retry", document: null, kv: "v7", writeDocument: null },
];

describe("mirrorPlan", () => {
  for (const c of PLANS) {
    const what =
      c.writeDocument === null
        ? "nothing"
        : c.writeDocument
          ? "document, history, last-good"
          : "history and last-good only";
    it(`after a ${c.cause}, ${c.document ?? "no document"}, KV ${c.kv ?? "empty"} -> writes ${what}`, () => {
      const plan = mirrorPlan(c.document, c.cause);
      expect(plan).toEqual(c.writeDocument === null ? null : { writeDocument: c.writeDocument });
    });
  }
});

const RETRIES: { why: string; kvVersion: number; serving: number; retry: boolean }[] = [
  { why: "the last mirror failed", kvVersion: 7, serving: 8, retry: true },
  { why: "an import that found KV deleted", kvVersion: 0, serving: 6, retry: true },
  { why: "KV holds the document", kvVersion: 8, serving: 8, retry: false },
  { why: "KV ahead (a raw put seen, not adopted)", kvVersion: 9, serving: 8, retry: false },
  { why: "no document anywhere", kvVersion: 0, serving: 0, retry: false },
];

describe("retryFirst", () => {
  for (const c of RETRIES) {
    it(`${c.why}: KV at ${c.kvVersion}, serving ${c.serving} -> ${c.retry ? "retry the mirror first" : "look at KV"}`, () => {
      expect(retryFirst({ kvVersion: c.kvVersion }, c.serving)).toBe(c.retry);
    });
  }
});

const AFTER: { kvVersion: number; serving: number; expected: number }[] = [
  { kvVersion: 7, serving: 8, expected: 8 },
  { kvVersion: 0, serving: 6, expected: 6 },
  { kvVersion: 9, serving: 8, expected: 9 },
];

describe("mirrored", () => {
  for (const c of AFTER) {
    it(`KV at ${c.kvVersion}, mirrored ${c.serving} -> KV at ${c.expected}, seen the document`, () => {
      expect(mirrored({ kvVersion: c.kvVersion }, c.serving, "doc")).toEqual({
        kvVersion: c.expected,
        kvSeen: "doc",
      });
    });
  }
});
