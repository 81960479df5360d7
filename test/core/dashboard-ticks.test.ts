/**
 * The dashboard charts' time ticks (src/http/dashboard/client/charts.ts):
 * whole seconds on a short window ("14:03:25"), minutes on a long one,
 * never a fraction of a second (the 30-second chart read ":27.000 :27.500").
 */
import { describe, expect, it } from "vitest";
import { clockTick, TIME_INCREMENTS } from "../../src/http/dashboard/client/time-ticks.ts";

describe("chart time ticks", () => {
  it("step in whole seconds or minutes", () => {
    for (const s of TIME_INCREMENTS) expect(Number.isInteger(s)).toBe(true);
    expect(Math.min(...TIME_INCREMENTS)).toBe(1);
  });

  it("read as clock times: seconds under a 10-minute span, minutes above", () => {
    const t = new Date(2026, 11, 7, 14, 3, 25).getTime() / 1000;
    expect(clockTick(t, 30)).toBe("14:03:25");
    expect(clockTick(t, 3600)).toBe("14:03");
    expect(clockTick(t + 0.5, 30)).toBe("14:03:25");
  });
});
