/**
 * `rollout plan`'s evidence budget check: the plan's own alpha, beta and
 * bounds size it; an infeasible step is warned about, and with --fit
 * replaced by one the budget calls feasible.
 */
import { describe, expect, it } from "vitest";
import { parseSteps } from "../../scripts/cli/commands/rollout.ts";
import { checkBudget } from "../../scripts/cli/commands/rollout-budget.ts";

const steps = parseSteps("1%:10m,5%:30m,25%:10m,50%:10m,100%:10m");

describe("rollout plan's evidence budget", () => {
  it("at 10,000 requests/min the default plan decides in time: no warning", () => {
    const check = checkBudget(
      { steps },
      null,
      { requestsPerMinute: 10_000, errorRate: 0.01 },
      false,
    );
    expect(check.infeasible).toBe(0);
    expect(check.steps).toEqual(steps);
    expect(check.lines[0]).toBe(
      "evidence budget at 10,000 identified requests/min, live errors 1.0%:",
    );
    expect(check.lines[1]).toMatch(
      /^ {2}step 1 \(1%, 10m\): decides in about \d+m at current traffic/,
    );
  });

  it("at 1,000 requests/min the 1% and 5% steps cannot: warned, and --fit sizes them", () => {
    const traffic = { requestsPerMinute: 1000, errorRate: 0.01 };
    const warned = checkBudget({ steps }, null, traffic, false);
    expect(warned.infeasible).toBe(2);
    expect(warned.lines.join("\n")).toContain(
      "warning: step 1 cannot decide in time; a step that can: 11% for 39m (--fit applies it)",
    );
    expect(warned.lines.join("\n")).toContain(
      "warning: step 2 cannot decide in time; a step that can: 8% for 51m (--fit applies it)",
    );
    const fitted = checkBudget({ steps }, null, traffic, true);
    expect(fitted.infeasible).toBe(0);
    // Fitted, step 2 starts from step 1's 11 %: shares never go down through a plan.
    expect(fitted.steps.slice(0, 2)).toEqual([
      { shareBp: 1100, bakeSeconds: 39 * 60 },
      { shareBp: 1100, bakeSeconds: 39 * 60 },
    ]);
    expect(fitted.steps.slice(2)).toEqual(steps.slice(2));
  });

  it("a larger beta needs less traffic: a step infeasible at beta 0.01 fits at 0.2", () => {
    const traffic = { requestsPerMinute: 3500, errorRate: 0.01 };
    const one = parseSteps("5%:30m");
    expect(
      checkBudget({ steps: one, beta: 0.01, maxExtensionSeconds: 0 }, null, traffic, false)
        .infeasible,
    ).toBe(1);
    expect(
      checkBudget({ steps: one, beta: 0.2, maxExtensionSeconds: 0 }, null, traffic, false)
        .infeasible,
    ).toBe(0);
  });
});
