/**
 * A location aggregator's exactness (src/app/control/aggregate.ts), over an
 * in-memory AggregatorState and a stand-in service object that dedupes by
 * sender and sequence as the real one does (DeltaBuffer): what it
 * acknowledged to an isolate survives its eviction (a new instance on the
 * same state re-sends it), what it applied but had not sealed is sent
 * again by the isolate and counted once, and a lost answer from the
 * service object re-sends the same sealed batch, counted once.
 */
import { describe, expect, it } from "vitest";
import { Aggregator } from "../../src/app/control/aggregate.ts";
import type { CheckInReply } from "../../src/app/control/check-in.ts";
import type { DeltaBatch } from "../../src/core/control/batches.ts";
import { DeltaBuffer, type Ledger } from "../../src/core/control/delta-buffer.ts";
import { emptyVersionMetrics, observeRequest } from "../../src/core/rollout/request-metrics.ts";
import type { AggregatorState } from "../../src/ports/aggregator-state.ts";

class MemoryState implements AggregatorState {
  name: string | null = null;
  service = () => this.name;
  setService(s: string) {
    this.name = s;
  }
  sealed: DeltaBatch[] = [];
  stored = new Map<string, Ledger>();
  next = 1;
  ledger = () => new Map(this.stored);
  nextSeq = () => this.next;
  seal(batch: DeltaBatch, ledger: Map<string, Ledger>) {
    this.sealed.push(structuredClone(batch));
    this.stored = new Map(ledger);
    this.next = batch.seq + 1;
  }
  unacknowledged = () => structuredClone(this.sealed);
  acknowledged(upTo: number) {
    this.sealed = this.sealed.filter((b) => b.seq > upTo);
  }
}

const DOC = JSON.stringify({ service: "s", version: 3, updatedAt: "2026-12-07T00:00:00.000Z" });

/** The service object as far as exactness goes: applies each sender's batch once, flushes at once. */
function serviceObject() {
  const buffer = new DeltaBuffer(new Map(), 10_000);
  let requests = 0;
  let loseNextAnswer = false;
  return {
    requests: () => requests,
    loseNextAnswer: () => {
      loseNextAnswer = true;
    },
    async checkIn(_service: string, text: string): Promise<CheckInReply> {
      const c = JSON.parse(text) as { isolate: string; batches: DeltaBatch[] };
      buffer.apply(c.isolate, c.batches, 0);
      for (const m of buffer.take(0).totals)
        for (const arm of Object.values(m.arms)) requests += arm.requests;
      const reply = {
        version: 3,
        document: DOC,
        acked: buffer.acked(c.isolate),
        intervalMs: 1_000,
        route: "fan-in" as const,
      };
      if (loseNextAnswer) {
        loseNextAnswer = false;
        throw new Error("answer lost");
      }
      return reply;
    },
  };
}

function batch(seq: number, n: number): DeltaBatch {
  const m = emptyVersionMetrics("s", 3, "3@1", 0);
  for (let i = 0; i < n; i++) {
    observeRequest(m, {
      service: "s",
      version: 3,
      revision: "3@1",
      origin: "blue",
      role: "live",
      identified: false,
      userHash: null,
      status: 200,
      failed: false,
      failover: false,
      originMs: 5,
      at: 0,
    });
  }
  return { seq, metrics: [m], shadow: [], records: [] };
}

function aggregator(state: AggregatorState, upstream: ReturnType<typeof serviceObject>) {
  return new Aggregator(
    "aggregator:ams",
    { state, upstream: upstream.checkIn, waitUntil: () => {}, wakeAt: () => {}, log: () => {} },
    { checkInMs: 1_000, maxCheckInsPerSecond: 500 },
    10_000,
  );
}
const checkIn = (batches: DeltaBatch[]) => ({
  service: "s",
  isolate: "iso-1",
  revision: null,
  batches,
});

describe("a location aggregator", () => {
  it("acknowledges only what it sealed; an evicted one re-sends it, each request counted once", async () => {
    const state = new MemoryState();
    const up = serviceObject();
    const a = aggregator(state, up);
    // First check-in: no document yet, so it exchanges at once (sealing batch 1).
    const first = await a.checkIn(checkIn([batch(1, 5)]), 0);
    expect(first).toMatchObject({ acked: 1, document: DOC, route: "fan-in" });
    expect(up.requests()).toBe(5);
    // Batch 2 applied but not sealed (the next exchange is an interval away): not acknowledged.
    const second = await a.checkIn(checkIn([batch(2, 7)]), 10);
    expect(second.acked).toBe(1);
    // Evicted: a new instance on the same state knows its service (its alarm can send).
    const b = aggregator(state, up);
    expect(b.service).toBe("s");
    // The isolate re-sends batch 2.
    const third = await b.checkIn(checkIn([batch(2, 7)]), 20);
    expect(third.acked).toBe(2);
    expect(up.requests()).toBe(12);
    // Batch 1 again (an isolate that missed the answer): not counted again.
    await b.checkIn(checkIn([batch(1, 5), batch(2, 7)]), 2_000);
    await b.exchange(4_000);
    expect(up.requests()).toBe(12);
  });

  it("a lost answer from the service object re-sends the same sealed batch, counted once", async () => {
    const state = new MemoryState();
    const up = serviceObject();
    const a = aggregator(state, up);
    await a.checkIn(checkIn([]), 0);
    await a.checkIn(checkIn([batch(1, 4)]), 500);
    up.loseNextAnswer();
    await a.exchange(3_000);
    expect(state.sealed.length).toBe(1);
    await a.exchange(4_500);
    expect(state.sealed.length).toBe(0);
    expect(up.requests()).toBe(4);
  });

  it("without a document, a burst of isolates calls a silent service object once a second, not once each", async () => {
    let calls = 0;
    const silent = {
      ...serviceObject(),
      checkIn: async (): Promise<CheckInReply> => {
        calls += 1;
        throw new Error("unreachable");
      },
    };
    const a = aggregator(new MemoryState(), silent);
    const burst = Array.from({ length: 50 }, (_, i) =>
      a.checkIn({ ...checkIn([]), isolate: `iso-${i}` }, 0),
    );
    for (const reply of await Promise.all(burst))
      expect(reply).toMatchObject({ version: 0, document: null });
    expect(calls).toBe(1);
    await a.checkIn(checkIn([]), 500);
    expect(calls).toBe(1);
    await a.checkIn(checkIn([]), 1_000);
    expect(calls).toBe(2);
  });
});
