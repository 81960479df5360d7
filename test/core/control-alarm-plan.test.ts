/**
 * The control object's alarm schedule (src/core/control/alarm-plan.ts):
 * tables of cases, titles from the data.
 */
import { describe, expect, it } from "vitest";
import {
  type AlarmCause,
  analysisDue,
  dutyDue,
  keepTicking,
  nextAlarm,
} from "../../src/core/control/alarm-plan.ts";

const NOW = 1_000_000;

const ARMS: { why: string; cause: AlarmCause; pending: number | null; at: number | null }[] = [
  { why: "none pending", cause: "call", pending: null, at: NOW + 5_000 },
  { why: "one pending", cause: "call", pending: NOW + 3_000, at: null },
  { why: "none pending", cause: "poll-now", pending: null, at: NOW },
  { why: "one pending within 100 ms", cause: "poll-now", pending: NOW + 100, at: null },
  { why: "one pending later", cause: "poll-now", pending: NOW + 4_000, at: NOW },
  { why: "one overdue", cause: "poll-now", pending: NOW - 50, at: null },
];

describe("nextAlarm", () => {
  for (const c of ARMS) {
    const pending =
      c.pending === null ? "none" : `now${c.pending >= NOW ? "+" : ""}${c.pending - NOW} ms`;
    const at = c.at === null ? "left as it is" : `set at now+${c.at - NOW} ms`;
    it(`${c.cause}, ${c.why} (${pending}) -> ${at}`, () => {
      expect(nextAlarm(c.pending, NOW, c.cause, 5_000)).toBe(c.at);
    });
  }
});

const DUTIES: { last: number; every: number; due: boolean }[] = [
  { last: 0, every: 10_000, due: true },
  { last: NOW - 9_999, every: 10_000, due: false },
  { last: NOW - 10_000, every: 10_000, due: true },
  { last: 0, every: 0, due: false },
  { last: NOW - 60_000, every: 60_000, due: true },
];

describe("dutyDue", () => {
  for (const c of DUTIES) {
    it(`last ran ${NOW - c.last} ms ago, every ${c.every} ms -> ${c.due ? "due" : "not due"}`, () => {
      expect(dutyDue(c.last, NOW, c.every)).toBe(c.due);
    });
  }
});

const ANALYSES: { ago: number; seconds: number; due: boolean }[] = [
  { ago: 15_000, seconds: 15, due: true },
  { ago: 14_750, seconds: 15, due: true },
  { ago: 14_749, seconds: 15, due: false },
  { ago: 1_000, seconds: 5, due: false },
  { ago: 0, seconds: 5, due: false },
];

describe("analysisDue", () => {
  for (const c of ANALYSES) {
    it(`last evaluated ${c.ago} ms ago, every ${c.seconds} s -> ${c.due ? "due" : "not due"}`, () => {
      expect(analysisDue(NOW - c.ago, NOW, c.seconds)).toBe(c.due);
    });
  }
});

const TICKS: { isolates: number; rollout: boolean; keeps: boolean }[] = [
  { isolates: 3, rollout: false, keeps: true },
  { isolates: 0, rollout: true, keeps: true },
  { isolates: 0, rollout: false, keeps: false },
];

describe("keepTicking", () => {
  for (const c of TICKS) {
    it(`${c.isolates} isolates in the last minute, rollout ${c.rollout ? "active" : "none"} -> ${c.keeps ? "re-armed" : "stops"}`, () => {
      expect(keepTicking(c.isolates, c.rollout)).toBe(c.keeps);
    });
  }
});
