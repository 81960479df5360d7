/**
 * Every write as an annotation on the dashboard's charts
 * (src/http/dashboard/chart-data.ts writeMarkers): what happened and who
 * did it, at its time, toned by what it does; the rollout analyzer's
 * writes left to the rollout's own verdict markers.
 */
import { describe, expect, it } from "vitest";
import { writeMarkers } from "../../src/http/dashboard/chart-data.ts";

const at = "2026-12-07T14:03:25.000Z";
const entry = (change: string, source = "cli", updatedBy = "alice") => ({
  updatedAt: at,
  updatedBy,
  change,
  source,
});

describe("write markers", () => {
  it("one per write, with its author, toned by what it does", () => {
    const markers = writeMarkers([
      entry("flip live blue -> green"),
      entry("canary canary killed (was 10%)", "admin", "bob (dashboard)"),
      entry("rollback to version 12 (live blue)"),
      entry("adopted a raw KV put", "kv", "oncall"),
      entry("step 2/3 (50%) passed; now 50%", "rollout", "rollout-analyzer"),
    ]);
    expect(markers.map((m) => [m.label, m.tone])).toEqual([
      ["flip live blue -> green · alice", "info"],
      ["canary canary killed (was 10%) · bob (dashboard)", "bad"],
      ["rollback to version 12 (live blue) · alice", "warn"],
      ["adopted a raw KV put · oncall", "info"],
    ]);
    expect(markers[0]?.x).toBe(Date.parse(at) / 1000);
  });

  it("drops an entry without a readable time", () => {
    expect(writeMarkers([{ ...entry("flip"), updatedAt: "yesterday" }])).toEqual([]);
  });
});
