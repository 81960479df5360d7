/**
 * The shadow can never change, delay or fail the user's response.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { fromBase64url } from "../../src/core/outcomes/receipt.ts";
import {
  eventually,
  predictRouted,
  readSummary,
  shadowDoc,
  spyOnEvents,
} from "./shadow-support.ts";
import { putDoc } from "./support.ts";

afterEach(() => vi.restoreAllMocks());

/** Headers that differ on every answer: timing, and the receipt (its id is unique per answer). */
const PER_ANSWER = new Set(["server-timing", "date", "x-router-assignment"]);

/** A response as the user sees it, minus the per-answer headers (the receipt's claims are compared apart). */
function userView(r: { status: number; text: string; headers: Headers }) {
  const headers = [...r.headers].filter(([name]) => !PER_ANSWER.has(name));
  const receipt = r.headers.get("x-router-assignment");
  const claims = receipt ? JSON.parse(fromBase64url(receipt.split(".")[0] ?? "")) : null;
  // Same service, arm and bucket with the shadow on and off (the revision is another document's).
  const assignment = claims ? [claims.s, claims.a, claims.b] : null;
  return { status: r.status, headers, text: r.text, assignment };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

describe("the user's response is identical with shadow on and off", () => {
  for (const [shadow, live] of [
    ["twin", "blue"],
    ["all-positive", "blue"],
    ["failing", "blue"],
    ["hanging", "blue"],
    ["stalling", "blue"],
    ["garbage", "blue"],
    ["reset", "blue"],
    ["closed", "blue"],
    ["twin", "failing"],
    ["twin", "garbage"],
  ] as const) {
    it(`live ${live}, shadow ${shadow}`, async () => {
      const service = `iso-${shadow}-${live}`;
      const req = { user: "u-7", headers: { "x-custom": "1" } };
      await putDoc(shadowDoc(service, null, { live }));
      const off = await predictRouted(service, req);
      await putDoc(shadowDoc(service, { origin: shadow, timeoutMs: 300 }, { live }));
      const on = await predictRouted(service, req);
      expect(userView(on)).toEqual(userView(off));
      expect(on.headers.get("server-timing")).toMatch(/^router;dur=.*origin;dur=/);
    });
  }
});

describe("a bad shadow is recorded with the right error kind", () => {
  for (const [shadow, kind] of [
    ["failing", "http-status"],
    ["hanging", "timeout"],
    ["stalling", "timeout"],
    ["garbage", "invalid-json"],
    ["reset", "connection"],
    ["closed", "connection"],
  ] as const) {
    it(`${shadow} -> ${kind}`, async () => {
      const events = spyOnEvents();
      const service = `err-${shadow}`;
      await putDoc(shadowDoc(service, { origin: shadow, timeoutMs: 300 }));
      const res = await predictRouted(service, { user: "u-1", body: '{"id":"e-1","features":{}}' });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({ model_version: "v1-blue" });
      const [point] = events.points("shadow-pair");
      expect(point?.blobs?.slice(5, 8)).toEqual(["n/a", "", kind]);
      await eventually(async () => {
        const summary = await readSummary(service);
        expect(summary?.errors).toEqual({ [`shadow:${kind}`]: 1 });
      });
    });
  }

  it("a failing production arm is recorded as a production error, the shadow still answers", async () => {
    const events = spyOnEvents();
    await putDoc(shadowDoc("err-prod", { origin: "twin" }, { live: "failing" }));
    const res = await predictRouted("err-prod", { user: "u-1" });
    expect(res.status).toBe(500);
    const point = events.points("shadow-pair")[0];
    expect(point?.blobs?.slice(5, 8)).toEqual(["n/a", "http-status", ""]);
    expect(point?.doubles?.slice(11, 13)).toEqual([500, 200]);
  });
});

describe("latency: the user never waits for the shadow", () => {
  it("a hanging shadow (2 s timeout) and a 200 ms-slower shadow add no more than noise", async () => {
    const service = "latency";
    const timings: Record<string, number[]> = { off: [], hanging: [], slow: [] };
    const docs = {
      off: shadowDoc(service, null),
      hanging: shadowDoc(service, { origin: "hanging", timeoutMs: 2_000 }),
      slow: shadowDoc(service, { origin: "slow" }),
    };
    for (let round = 0; round < 5; round++) {
      for (const [name, doc] of Object.entries(docs)) {
        await putDoc(doc);
        const r = await predictRouted(service, { user: `u-${round}`, settle: false });
        expect(r.status).toBe(200);
        timings[name]?.push(r.ms);
      }
    }
    const off = median(timings.off ?? []);
    // The shadow's own 200 ms (or 2 s) would show up in full if the user waited for it.
    expect(median(timings.hanging ?? [])).toBeLessThan(off + 50);
    expect(median(timings.slow ?? [])).toBeLessThan(off + 50);
  });
});
