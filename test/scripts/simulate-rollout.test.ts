/**
 * `npm run simulate` end to end, in real time: the real router in Miniflare
 * with its control object, real local origins and webhook receiver. Nobody
 * calls evaluate: the object's alarm starts the rollout one analysis
 * interval (5 s) after it starts, advances it after the 5 s bake, and rolls
 * it back once the candidate fails 30% of step 2; the isolate routes by the
 * kill within about one check-in interval, and the webhook gets every verdict.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { ROOT } from "../../scripts/cli/wrangler.ts";

const run = promisify(execFile);

it("the control object's alarm rolls back a candidate whose error rate rises at step 2", {
  // The gates decide when enough requests arrived: on a loaded 2-core
  // machine the simulation's traffic (and so the rollback) comes later.
  timeout: 150_000,
}, async () => {
  const { stdout } = await run(
    process.execPath,
    [
      "scripts/bench/simulate-rollout.ts",
      ...["--scenario", "failing", "--bake", "5", "--clients", "4", "--max-seconds", "120"],
    ],
    { cwd: ROOT, maxBuffer: 10_000_000 },
  ).catch((err: Error & { stdout?: string; stderr?: string }) => {
    // The simulation's own account (its timeline, how far it got) says why.
    const tail = (text = "") => text.split("\n").slice(-15).join("\n");
    throw new Error(`${err.message}\nstdout:\n${tail(err.stdout)}\nstderr:\n${tail(err.stderr)}`);
  });
  const line = stdout.split("\n").find((l) => l.startsWith('{"scenario"'));
  const result = JSON.parse(line ?? "{}");
  expect(result).toMatchObject({
    scenario: "failing",
    outcome: "rolled-back",
    finished: true,
    lastVariant: "blue",
  });
  // A step may hold first while its gates are still undecided (sequential
  // gates wait for evidence on a loaded machine); the decisions are these.
  const decided = (events: string[]) => events.filter((e) => e !== "hold");
  expect(decided(result.webhook)).toEqual(["start", "advance", "rollback"]);
  // Progress as it happens, with the verdicts' reasons.
  expect(stdout).toMatch(/start\s+v2\s+rollout of green started at 10%/);
  expect(stdout).toMatch(/advance\s+v3\s+step 1\/4 \(10%\) passed; now 25%/);
  expect(stdout).toMatch(/\(sim\)\s+candidate error rate raised to 30%/);
  expect(stdout).toMatch(/rollback\s+v4\s+gate failed: error-rate/);

  // The alarm's cadence: the first evaluation one interval after the object
  // started (its first check-in), then one every interval.
  const notable = (result.timeline as string[]).filter((t) => !t.startsWith("hold"));
  const at = notable.map((t) => Number(/@([\d.]+)s$/.exec(t)?.[1]));
  expect(notable.map((t: string) => t.split(" ")[0])).toEqual(["start", "advance", "rollback"]);
  expect(at[0]).toBeGreaterThanOrEqual(4.5);
  expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(4.5);
  expect((at[2] ?? 0) - (at[1] ?? 0)).toBeGreaterThanOrEqual(4.5);

  // The failing candidate, counted at the client.
  expect(result.detectionSeconds).toBeGreaterThan(0);
  expect(result.detectionSeconds).toBeLessThanOrEqual(11);
  expect(result.candidateRequestsAfterFirstFailure).toBeGreaterThan(0);
  expect(result.candidateErrorsAfterFirstFailure).toBeGreaterThan(0);
  // Live never failed; every other error the client saw was the candidate's (or, on a loaded
  // machine, a request the client got no answer for at all: counted apart).
  expect(result.liveErrors).toBe(0);
  expect(result.userErrors).toBe(result.candidateErrors + result.noAnswer);
  expect(result.candidateErrors).toBeGreaterThanOrEqual(result.candidateErrorsAfterFirstFailure);
  expect(result.allOnLiveAfterVerdictSeconds).toBeLessThan(3);
  expect(stdout).toMatch(/failing: rolled-back; detection [\d.]+ s/);
});
