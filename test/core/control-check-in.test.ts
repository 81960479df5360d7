/**
 * The check-in answer (src/core/control/check-in.ts) over a table of cases;
 * titles come from the data.
 */
import { describe, expect, it } from "vitest";
import {
  type CheckInFacts,
  checkInInterval,
  checkInVerdict,
} from "../../src/core/control/check-in.ts";

const CASES: (CheckInFacts & { why: string; send: boolean; poll: boolean })[] = [
  { why: "a cold isolate", held: null, current: "7@b", highest: 7, send: true, poll: false },
  {
    why: "routes by the current one",
    held: "7@b",
    current: "7@b",
    highest: 7,
    send: false,
    poll: false,
  },
  { why: "an older version", held: "5@a", current: "7@b", highest: 7, send: true, poll: false },
  {
    why: "same version, other stamp",
    held: "7@a",
    current: "7@b",
    highest: 7,
    send: true,
    poll: false,
  },
  {
    why: "a version above every one seen",
    held: "9@c",
    current: "7@b",
    highest: 7,
    send: false,
    poll: true,
  },
  {
    why: "above the document, not above the highest seen",
    held: "8@c",
    current: "7@b",
    highest: 9,
    send: true,
    poll: false,
  },
  {
    why: "at the highest seen, not the document",
    held: "9@c",
    current: "7@b",
    highest: 9,
    send: true,
    poll: false,
  },
  {
    why: "the object has no document, nor the isolate",
    held: null,
    current: null,
    highest: 0,
    send: false,
    poll: false,
  },
  {
    why: "the object has no document, the isolate one",
    held: "3@a",
    current: null,
    highest: 0,
    send: false,
    poll: true,
  },
  {
    why: "a revision that is not a number",
    held: "x@a",
    current: "7@b",
    highest: 7,
    send: true,
    poll: false,
  },
];

describe("checkInVerdict", () => {
  for (const c of CASES) {
    const answer = c.send ? "the document" : c.poll ? "nothing" : "current";
    it(`${c.why}: holds ${c.held}, object ${c.current} (highest ${c.highest}) -> ${answer}${c.poll ? ", polls KV now" : ""}`, () => {
      expect(checkInVerdict(c)).toEqual({ sendDocument: c.send, pollKvNow: c.poll });
    });
  }
});

const INTERVALS: { checkInMs: number; perSecond: number; isolates: number; ms: number }[] = [
  { checkInMs: 2_000, perSecond: 500, isolates: 0, ms: 2_000 },
  { checkInMs: 2_000, perSecond: 500, isolates: 10, ms: 2_000 },
  { checkInMs: 2_000, perSecond: 500, isolates: 1_000, ms: 2_000 },
  { checkInMs: 2_000, perSecond: 500, isolates: 1_001, ms: 2_002 },
  { checkInMs: 2_000, perSecond: 500, isolates: 10_000, ms: 20_000 },
  { checkInMs: 100, perSecond: 1, isolates: 3, ms: 3_000 },
];

describe("checkInInterval", () => {
  for (const c of INTERVALS) {
    it(`${c.isolates} isolates, every ${c.checkInMs} ms, at most ${c.perSecond}/s -> every ${c.ms} ms`, () => {
      const t = { checkInMs: c.checkInMs, maxCheckInsPerSecond: c.perSecond };
      expect(checkInInterval(t, c.isolates)).toBe(c.ms);
    });
  }
});
