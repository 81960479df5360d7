/**
 * Which batches the control object applies (src/core/control/batches.ts),
 * and the buffer that holds them until a flush acknowledges them
 * (src/core/control/delta-buffer.ts): tables of cases, titles from the data.
 */
import { describe, expect, it } from "vitest";
import { batchesToApply, type DeltaBatch } from "../../src/core/control/batches.ts";
import { DeltaBuffer } from "../../src/core/control/delta-buffer.ts";
import { emptyHistogram } from "../../src/core/histogram.ts";

interface Case {
  why: string;
  /** Highest batch already applied for the isolate. */
  applied: number;
  sent: number[];
  apply: number[];
  last: number;
}

const CASES: Case[] = [
  { why: "a first check-in", applied: 0, sent: [1, 2], apply: [1, 2], last: 2 },
  { why: "nothing to send", applied: 4, sent: [], apply: [], last: 4 },
  { why: "a lost answer: the batch comes again", applied: 3, sent: [3], apply: [], last: 3 },
  { why: "re-sent with the next one", applied: 1, sent: [1, 2], apply: [2], last: 2 },
  { why: "all re-sent after a restart", applied: 5, sent: [3, 4, 5], apply: [], last: 5 },
  { why: "a gap (the isolate dropped some)", applied: 2, sent: [7, 8], apply: [7, 8], last: 8 },
  {
    why: "out of order: a lower one after a higher",
    applied: 0,
    sent: [3, 2],
    apply: [3],
    last: 3,
  },
  { why: "a duplicate within one check-in", applied: 0, sent: [1, 1, 2], apply: [1, 2], last: 2 },
  { why: "mixed", applied: 2, sent: [2, 5, 4, 6], apply: [5, 6], last: 6 },
];

describe("batchesToApply", () => {
  for (const c of CASES) {
    it(`${c.why}: applied ${c.applied}, sent [${c.sent}] -> applies [${c.apply}], holds ${c.last}`, () => {
      const result = batchesToApply(
        c.sent.map((seq) => ({ seq })),
        c.applied,
      );
      expect(result.apply.map((b) => b.seq)).toEqual(c.apply);
      expect(result.last).toBe(c.last);
    });
  }
});

function batch(seq: number, requests: number): DeltaBatch {
  return {
    seq,
    metrics: [
      {
        service: "s",
        version: 1,
        revision: "1@t",
        arms: { blue: { requests, errors: 0, failovers: 0, latencyMs: emptyHistogram() } },
        identified: {},
        firstAt: 1,
        lastAt: 2,
      },
    ],
    shadow: [],
    records: [],
  };
}

type Step = { send: [seq: number, requests: number][] } | "flush" | "restart";

interface BufferCase {
  why: string;
  /** Check-ins of one isolate, flushes, and restarts (a new buffer over the flushed ledger). */
  steps: Step[];
  /** What the isolate is told at the end. */
  acked: number;
  /** Requests written by the flushes. */
  counted: number;
}

const BUFFER: BufferCase[] = [
  {
    why: "held, not acknowledged before a flush",
    steps: [{ send: [[1, 10]] }],
    acked: 0,
    counted: 0,
  },
  {
    why: "acknowledged once flushed",
    steps: [{ send: [[1, 10]] }, "flush"],
    acked: 1,
    counted: 10,
  },
  {
    why: "a re-sent batch counts once",
    steps: [
      { send: [[1, 10]] },
      {
        send: [
          [1, 10],
          [2, 5],
        ],
      },
      "flush",
    ],
    acked: 2,
    counted: 15,
  },
  {
    why: "a restart loses the unflushed batch, the isolate re-sends it",
    steps: [
      { send: [[1, 10]] },
      "flush",
      { send: [[2, 5]] },
      "restart",
      {
        send: [
          [2, 5],
          [3, 1],
        ],
      },
      "flush",
    ],
    acked: 3,
    counted: 16,
  },
];

describe("DeltaBuffer", () => {
  for (const c of BUFFER) {
    it(`${c.why}: acked ${c.acked}, ${c.counted} requests counted`, () => {
      let buffer = new DeltaBuffer(new Map(), 10_000);
      let counted = 0;
      let now = 1_000;
      for (const step of c.steps) {
        now += 1;
        if (step === "restart") buffer = new DeltaBuffer(new Map(buffer.durable), 10_000);
        else if (step === "flush") {
          for (const m of buffer.take(now).totals) counted += m.arms.blue?.requests ?? 0;
        } else
          buffer.apply(
            "a",
            step.send.map(([seq, n]) => batch(seq, n)),
            now,
          );
      }
      expect(buffer.acked("a")).toBe(c.acked);
      expect(counted).toBe(c.counted);
    });
  }
});
