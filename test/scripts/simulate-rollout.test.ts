/**
 * `npm run simulate` end to end (the real router in Miniflare, real local
 * origins, the scheduled handler at simulated times): a candidate that starts
 * failing at step 2 is rolled back, and no user sees an error.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/wrangler.ts";

const run = promisify(execFile);

it("rolls back a candidate whose error rate rises at step 2", { timeout: 180_000 }, async () => {
  const { stdout } = await run(
    process.execPath,
    ["scripts/simulate-rollout.ts", "--scenario", "failing", "--speedup", "120"],
    { cwd: ROOT, maxBuffer: 10_000_000 },
  );
  const line = stdout.split("\n").find((l) => l.startsWith('{"scenario"'));
  const result = JSON.parse(line ?? "{}");
  expect(result).toMatchObject({ scenario: "failing", outcome: "rolled-back", userErrors: 0 });
  expect(result.lastVariant).toBe("blue");
  expect(stdout).toMatch(/advance\s+v3\s+step 1\/4 \(10%\) passed/);
  expect(stdout).toMatch(/rollback\s+v4\s+gate failed: error-rate/);
  expect(result.badCandidateShareOfAllRequests).toBeLessThan(10);
});
