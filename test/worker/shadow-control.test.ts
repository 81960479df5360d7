/**
 * The KV side of shadow mode against the real local KV binding: flushes are
 * throttled per isolate (no key written twice within a second), shards of
 * two isolates merge, and every key expires.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { KvShadowLog } from "../../src/adapters/kv/shadow-log.ts";
import { comparePair, readPrediction, type ShadowPair } from "../../src/core/shadow/compare.ts";
import { readRecords, readSummary } from "./shadow-support.ts";

const fields = { scoreField: "score", labelField: "label" };
const answer = (label: string, score: number) => ({
  status: 200,
  durationMs: 5,
  error: null,
  text: JSON.stringify({ label, score }),
});
function pair(service: string, i: number, shadowLabel: string): ShadowPair {
  return {
    at: Date.now(),
    service,
    production: "blue",
    role: "live",
    shadow: "green",
    bucket: i,
    sampleBucket: i,
    version: 1,
    inputId: `in-${i}`,
    bodyBytes: 10,
    comparison: comparePair(
      readPrediction(answer("a", 0.5), fields),
      readPrediction(answer(shadowLabel, 0.25), fields),
    ),
  };
}

/** The ROUTING binding, with the time of every put per key. */
function recordingKv() {
  const puts = new Map<string, number[]>();
  const kv = new Proxy(env.ROUTING, {
    get(target, prop) {
      if (prop === "put") {
        return (key: string, ...rest: unknown[]) => {
          puts.set(key, [...(puts.get(key) ?? []), Date.now()]);
          return (target.put as (...a: unknown[]) => Promise<void>)(key, ...rest);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv, puts };
}

describe("KvShadowLog", () => {
  it("writes no key more than once a second, and loses no pair across flushes", async () => {
    const service = "kvlog-throttle";
    const { kv, puts } = recordingKv();
    const log = new KvShadowLog(kv, { isolateId: "iso-a" });
    const pending: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => pending.push(p);
    for (let burst = 0; burst < 6; burst++) {
      for (let i = 0; i < 5; i++) log.recordPair(pair(service, burst * 5 + i, "b"), waitUntil);
      await new Promise((r) => setTimeout(r, 400));
    }
    await log.settled();
    await Promise.all(pending);

    for (const [key, times] of puts) {
      for (let i = 1; i < times.length; i++) {
        expect((times[i] ?? 0) - (times[i - 1] ?? 0), key).toBeGreaterThanOrEqual(1000);
      }
    }
    const summaryPuts = [...puts].filter(([k]) => k.startsWith("shadow-summary:"));
    expect(summaryPuts).toHaveLength(1);
    expect(summaryPuts[0]?.[1].length).toBeGreaterThanOrEqual(2); // several flushes, one key
    const s = await readSummary(service);
    expect(s).toMatchObject({ pairs: 30, compared: 30, agreementRate: 0, droppedRecords: 0 });
    expect((await readRecords(service)).map((r) => r.inputId).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `in-${i}`).sort(),
    );
  });

  it("two isolates write two shards that the reader merges", async () => {
    const service = "kvlog-shards";
    const waitUntil = () => {};
    const a = new KvShadowLog(env.ROUTING, { isolateId: "iso-a" });
    const b = new KvShadowLog(env.ROUTING, { isolateId: "iso-b" });
    for (let i = 0; i < 4; i++) a.recordPair(pair(service, i, "a"), waitUntil);
    for (let i = 0; i < 6; i++) b.recordPair(pair(service, i, i < 3 ? "a" : "b"), waitUntil);
    await Promise.all([a.settled(), b.settled()]);
    const keys = await env.ROUTING.list({ prefix: `shadow-summary:${service}:` });
    expect(keys.keys.map((k) => k.name).sort()).toEqual([
      `shadow-summary:${service}:green:iso-a`,
      `shadow-summary:${service}:green:iso-b`,
    ]);
    for (const k of keys.keys) expect(k.expiration).toBeGreaterThan(Date.now() / 1000 + 3600);
    expect(await readSummary(service)).toMatchObject({
      pairs: 10,
      compared: 10,
      agreementRate: 0.7,
    });
  });

  it("a failed KV write is logged, never thrown; the summary is written again next flush", async () => {
    const service = "kvlog-fail";
    let fail = true;
    const logged: string[] = [];
    const kv = new Proxy(env.ROUTING, {
      get(target, prop) {
        if (prop === "put" && fail) return async () => Promise.reject(new Error("429 too many"));
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const log = new KvShadowLog(kv, { isolateId: "iso-f", log: (m) => logged.push(m) });
    log.recordPair(pair(service, 1, "b"), () => {});
    await log.settled();
    expect(logged).toEqual(["shadow summary not written", "shadow records lost"]);
    fail = false;
    log.recordPair(pair(service, 2, "a"), () => {});
    await log.settled();
    expect(await readSummary(service)).toMatchObject({ pairs: 2, compared: 2 });
  });
});
