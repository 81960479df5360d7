/**
 * Which batches the control object applies (src/core/control/batches.ts),
 * and the buffer that holds them until a flush acknowledges them
 * (src/core/control/delta-buffer.ts): tables of cases, titles from the data.
 */
import { describe, expect, it } from "vitest";
import { batchesToApply, checkUserParts, type DeltaBatch } from "../../src/core/control/batches.ts";
import { DeltaBuffer } from "../../src/core/control/delta-buffer.ts";
import { emptyHistogram } from "../../src/core/histogram.ts";
import {
  emptyVersionMetrics,
  observeRequest,
  type VersionMetrics,
} from "../../src/core/rollout/request-metrics.ts";
import {
  emptySeenUsers,
  emptyUserSums,
  seenBits,
  total,
  userHashOf,
} from "../../src/core/rollout/user-sums.ts";

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
        arms: {
          blue: {
            requests,
            errors: 0,
            failovers: 0,
            latencyMs: emptyHistogram(),
            users: emptyUserSums(),
            seen: emptySeenUsers(),
          },
        },
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

/** What an isolate records for requests of `users` (ids), `statuses` cycling, as the link would. */
function observed(users: readonly string[], statuses: readonly number[]): VersionMetrics {
  const m = emptyVersionMetrics("s", 1, "1@t", 1);
  users.forEach((user, i) => {
    const status = statuses[i % statuses.length] as number;
    // Sticky per user, as the assignment is.
    const canary = (userHashOf(user) >>> 12) % 3 === 0;
    observeRequest(m, {
      service: "s",
      version: 1,
      revision: "1@t",
      origin: canary ? "canary" : "blue",
      role: canary ? "canary" : "live",
      identified: true,
      userHash: userHashOf(user),
      status,
      failed: status >= 500 || status === 0,
      failover: false,
      originMs: 4,
      at: 1 + i,
    });
  });
  return m;
}

/** A batch as it arrives: the JSON text an isolate sends, parsed. */
const onTheWire = (seq: number, metrics: VersionMetrics[]): DeltaBatch =>
  JSON.parse(JSON.stringify({ seq, metrics, shadow: [], records: [] }));

const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe("checkUserParts: the arms' user parts as they come from the wire", () => {
  const sent = () => onTheWire(1, [observed(ids(40, "u"), [200, 302, 404, 500])]);
  const blue = (b: DeltaBatch) => b.metrics[0]?.arms.blue;

  it("a valid batch is kept as sent", () => {
    const batch = sent();
    const before = JSON.stringify(batch);
    checkUserParts([batch]);
    expect(JSON.stringify(batch)).toBe(before);
  });

  it("an isolate of an earlier release (no user parts): empty ones, the rest untouched", () => {
    const batch = sent();
    for (const arm of Object.values(batch.metrics[0]?.arms ?? {})) {
      delete (arm as Partial<typeof arm>).users;
      delete (arm as Partial<typeof arm>).seen;
    }
    checkUserParts([batch]);
    expect(blue(batch)?.users).toEqual(emptyUserSums());
    expect(seenBits(blue(batch)?.seen ?? {})).toBe(0);
    expect(blue(batch)?.requests).toBeGreaterThan(0);
  });

  it("malformed sums are dropped, and the bitmap with them (no user request to bound it)", () => {
    const batch = sent();
    const arm = blue(batch);
    if (!arm) throw new Error("no arm");
    arm.users.requests = [1, 2, 3];
    checkUserParts([batch]);
    expect(arm.users).toEqual(emptyUserSums());
    expect(seenBits(arm.seen)).toBe(0);
  });

  it("a bitmap with more bits than user requests is dropped; the sums stay", () => {
    const batch = sent();
    const arm = blue(batch);
    if (!arm) throw new Error("no arm");
    const sums = structuredClone(arm.users);
    arm.seen = { "0": 0xffffffff, "1": 0xffffffff };
    checkUserParts([batch]);
    expect(arm.users).toEqual(sums);
    expect(seenBits(arm.seen)).toBe(0);
  });

  it("more user requests than the arm's requests: dropped", () => {
    const batch = sent();
    const arm = blue(batch);
    if (!arm) throw new Error("no arm");
    arm.requests = total(arm.users.requests) - 1;
    checkUserParts([batch]);
    expect(arm.users).toEqual(emptyUserSums());
  });

  it("shapes it does not know are left alone, never thrown on", () => {
    const odd = [null, 3, { seq: 1 }, { seq: 2, metrics: [null, { arms: null }, { arms: [1] }] }];
    expect(() => checkUserParts(odd as unknown as DeltaBatch[])).not.toThrow();
    const arms = JSON.parse('{"seq":3,"metrics":[{"arms":{"blue":7,"__proto__":{"requests":1}}}]}');
    checkUserParts([arms]);
    expect(arms.metrics[0].arms.blue).toBe(7);
    expect(({} as Record<string, unknown>).users).toBeUndefined();
  });
});

describe("DeltaBuffer: user parts from many isolates", () => {
  it("adds in place into its own totals: a batch it was given is never changed nor aliased", () => {
    const batch = onTheWire(1, [observed(ids(50, "a"), [200, 404])]);
    checkUserParts([batch]);
    const sent = JSON.stringify(batch);
    const buffer = new DeltaBuffer(new Map(), 10_000);
    buffer.apply("iso-a", [batch], 1_000);
    buffer.apply("iso-b", [batch], 1_001);
    expect(JSON.stringify(batch)).toBe(sent);
    const [m] = buffer.take(2_000).totals;
    const arm = batch.metrics[0]?.arms.blue;
    expect(m?.arms.blue?.users.requests).toEqual(arm?.users.requests.map((n) => 2 * n));
    expect(JSON.parse(JSON.stringify(m?.arms.blue?.seen))).toEqual(
      JSON.parse(JSON.stringify(arm?.seen)),
    );
    expect(m?.arms.blue?.requests).toBe(2 * (arm?.requests ?? 0));
    expect(m?.identified).toEqual({
      live: 2 * (batch.metrics[0]?.identified.live ?? 0),
      canary: 2 * (batch.metrics[0]?.identified.canary ?? 0),
    });
  });

  it("merge exactly, whoever sent what in which order, old isolates counted as no users", () => {
    const all = ids(3_000, "user");
    const statuses = [200, 200, 301, 404, 500, 0];
    // Three isolates see overlapping users (sticky per user, several isolates per user).
    const parts = [all.slice(0, 1_200), all.slice(800, 2_100), all.slice(1_900)];
    const buffer = new DeltaBuffer(new Map(), 10_000);
    parts.forEach((users, i) => {
      const batch = onTheWire(1, [observed(users, statuses)]);
      checkUserParts([batch]);
      buffer.apply(`iso-${i}`, [batch], 1_000 + i);
    });
    // An isolate of an earlier release: counts, latency, no user parts.
    const old = onTheWire(1, [observed(ids(5, "old"), [200])]);
    const oldBlue = old.metrics[0]?.arms.blue?.requests ?? 0;
    for (const arm of Object.values(old.metrics[0]?.arms ?? {})) {
      delete (arm as Partial<typeof arm>).users;
      delete (arm as Partial<typeof arm>).seen;
    }
    checkUserParts([old]);
    buffer.apply("iso-old", [old], 1_010);
    const taken = buffer.take(2_000);
    const [merged] = taken.totals;
    // The same requests observed by one isolate (the old one's counted without users).
    const one = observed(
      parts.flat(),
      parts.flatMap((p) => p.map((_, i) => statuses[i % statuses.length] as number)),
    );
    for (const arm of ["blue", "canary"]) {
      const got = merged?.arms[arm];
      expect(got?.users).toEqual(one.arms[arm]?.users);
      expect(JSON.parse(JSON.stringify(got?.seen))).toEqual(
        JSON.parse(JSON.stringify(one.arms[arm]?.seen)),
      );
    }
    expect(merged?.arms.blue?.requests).toBe((one.arms.blue?.requests ?? 0) + oldBlue);
    // The series keeps counts only: the user parts live with the revision's totals.
    for (const { delta } of taken.series.values()) {
      expect(Object.keys(delta).sort()).toEqual(["errors", "failovers", "latencyMs", "requests"]);
    }
  });
});
