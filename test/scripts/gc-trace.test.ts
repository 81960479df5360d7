/**
 * The benchmarks' reading of V8's --trace-gc lines (scripts/bench/gc-trace.ts):
 * lines as workerd's V8 prints them, the busiest isolate picked, what each
 * scavenge left behind summed, full collections counted apart.
 */
import { describe, expect, it } from "vitest";
import { busiestWindow, parseGcLines } from "../../scripts/bench/gc-trace.ts";

// From a `npm run bench:shadow` trace: the router under load is 0x53ac3fca0000; an
// idle isolate (0x53ac3fb08000) collects more often but frees little.
const TRACE = `{"timestamp":"1796190235867","level":"warn","message":"a structured log, not a GC line"}
[3599:0x53ac3fca0000]     5089 ms: Scavenge 30.4 (37.5) -> 25.8 (38.2) MB, pooled: 0.0 MB, 7.44 / 0.00 ms (average mu = 1.000, current mu = 1.000) allocation failure;
[3599:0x53ac3fb08000]     5100 ms: Scavenge 2.1 (3.5) -> 1.8 (3.2) MB, pooled: 1.0 MB, 1.61 / 0.00 ms (average mu = 1.000, current mu = 1.000) allocation failure;
[3599:0x53ac3fb08000]     5200 ms: Mark-Compact 2.0 (3.5) -> 1.7 (3.2) MB, pooled: 1.0 MB, 2.10 / 0.00 ms (average mu = 1.000, current mu = 1.000) global allocation limit;
[3599:0x53ac3fb08000]     5300 ms: Mark-Compact 2.0 (3.5) -> 1.7 (3.2) MB, pooled: 1.0 MB, 2.10 / 0.00 ms (average mu = 1.000, current mu = 1.000) global allocation limit;
[3599:0x53ac3fb08000]     5400 ms: Mark-Compact 2.0 (3.5) -> 1.7 (3.2) MB, pooled: 1.0 MB, 2.10 / 0.00 ms (average mu = 1.000, current mu = 1.000) global allocation limit;
[3599:0x53ac3fb08000]     5500 ms: Mark-Compact 2.0 (3.5) -> 1.7 (3.2) MB, pooled: 1.0 MB, 2.10 / 0.00 ms (average mu = 1.000, current mu = 1.000) global allocation limit;
[3599:0x53ac3fb08000]     5600 ms: Mark-Compact 2.0 (3.5) -> 1.7 (3.2) MB, pooled: 1.0 MB, 2.10 / 0.00 ms (average mu = 1.000, current mu = 1.000) global allocation limit;
[3599:0x53ac3fca0000]     5853 ms: Scavenge 40.8 (48.0) -> 30.4 (48.7) MB, pooled: 0.0 MB, 13.78 / 0.00 ms (average mu = 1.000, current mu = 1.000) allocation failure;
[3599:0x53ac3fca0000]    10041 ms: Scavenge 44.2 (58.0) -> 34.0 (59.5) MB, pooled: 0.0 MB, 15.40 / 0.00 ms (average mu = 1.000, current mu = 1.000) allocation failure;
[3599:0x53ac3fca0000]    10584 ms: Mark-Compact 34.6 (59.5) -> 6.5 (52.7) MB, pooled: 6.8 MB, 136.08 / 0.00 ms (average mu = 0.987, current mu = 0.987) allocation limit; GC in old space requested
[3599:0x53ac3fca0000]    20266 ms: Scavenge 22.3 (52.7) -> 10.8 (52.7) MB, pooled: 0.0 MB, 12.68 / 0.00 ms (average mu = 0.987, current mu = 0.987) allocation failure;
`;

describe("the GC trace", () => {
  it("parses each collection line and ignores everything else", () => {
    const events = parseGcLines(TRACE);
    expect(events).toHaveLength(11);
    expect(events.find((e) => e.kind === "Mark-Compact" && e.pauseMs > 100)).toEqual({
      isolate: "0x53ac3fca0000",
      kind: "Mark-Compact",
      beforeMb: 34.6,
      afterMb: 6.5,
      pauseMs: 136.08,
    });
  });

  it("reports the isolate that freed most (not the one collecting most often): pauses, full collections apart, the growth each scavenge left", () => {
    const w = busiestWindow(parseGcLines(TRACE));
    expect(w).toMatchObject({
      isolate: "0x53ac3fca0000",
      scavenges: 4,
      scavengeMaxMs: 15.4,
      markCompacts: 1,
      markCompactMaxMs: 136.08,
    });
    // 25.8 -> 30.4 -> 34.0 (+8.2), then the mark-compact resets the baseline: 6.5 -> 10.8 (+4.3).
    expect(w?.promotedMb).toBeCloseTo(12.5, 5);
    expect(w?.pauseMs).toBeCloseTo(7.44 + 13.78 + 15.4 + 136.08 + 12.68, 5);
  });

  it("cannot tell what one lone scavenge promoted (too short a load)", () => {
    const one = TRACE.split("\n")
      .filter((l) => l.includes("5089 ms"))
      .join("\n");
    expect(busiestWindow(parseGcLines(one))).toMatchObject({ scavenges: 1, promotedMb: null });
  });

  it("has nothing to report for a window without collections", () => {
    expect(busiestWindow(parseGcLines('{"level":"log"}\n'))).toBeNull();
  });
});
