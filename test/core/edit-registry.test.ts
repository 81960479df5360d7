/**
 * The edit registry's argument schemas (src/document/edits/registry.ts): an
 * edit takes exactly what the CLI and the admin API send for it.
 */
import { describe, expect, it } from "vitest";
import { prepareEdit } from "../../src/document/edits/registry.ts";

describe("rollout.plan", () => {
  const steps = [{ shareBp: 100, bakeSeconds: 60 }];

  it("takes the plan's alpha, maxExtensionSeconds and analysisIntervalSeconds (the CLI sends them)", () => {
    const r = prepareEdit("rollout.plan", {
      steps,
      alpha: 0.02,
      maxExtensionSeconds: 600,
      analysisIntervalSeconds: 10,
    });
    expect(r.ok).toBe(true);
  });

  it("refuses them out of the schema's bounds, with the field", () => {
    const r = prepareEdit("rollout.plan", { steps, alpha: 0.5, analysisIntervalSeconds: 1 });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toMatch(/alpha/);
    expect(JSON.stringify(r)).toMatch(/analysisIntervalSeconds/);
  });
});
