/**
 * The gates bench's simulator (scripts/bench/gates/users.ts) and its
 * helpers: facts about the simulated traffic, not the gates' targets (those
 * are read off `npm run gates:bench`). Users per arm follow the share; a
 * user's requests all land in one arm (sticky); the clustered model's
 * intra-user correlation comes out near its 0.05; the Wilson interval and
 * Wald's limit match known values; `--quick` prints every section.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { klBernoulli, quantile, waldRequests, wilson } from "../../scripts/bench/gates/bounds.ts";
import { runBoardDay } from "../../scripts/bench/gates/challengers.ts";
import { mulberry32, poisson } from "../../scripts/bench/gates/random.ts";
import {
  drawPopulation,
  iccAnova,
  simulateStep,
  topShare,
  type UserScenario,
  usersFor,
} from "../../scripts/bench/gates/users.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const AA: UserScenario = {
  label: "A/A",
  liveErrorRate: 0.01,
  canaryErrorRate: 0.01,
  canaryLatencyScale: 1,
  canary404Rate: 0,
  hostile: false,
};

describe("bounds", () => {
  it("Wilson 95 % intervals match published values", () => {
    // Newcombe, "Two-sided confidence intervals for the single proportion", Stat Med 1998, table I.
    const close = (got: [number, number], want: [number, number]) => {
      expect(got[0]).toBeCloseTo(want[0], 4);
      expect(got[1]).toBeCloseTo(want[1], 4);
    };
    close(wilson(81, 263), [0.2553, 0.3662]);
    close(wilson(15, 148), [0.0624, 0.1605]);
    close(wilson(0, 20), [0, 0.1611]);
    close(wilson(1, 29), [0.0061, 0.1718]);
    close(wilson(0, 100), [0, 0.037]);
  });

  it("Wald's limit: ln(1/alpha) / KL", () => {
    // 0.03 ln(0.03 / 0.01) + 0.97 ln(0.97 / 0.99)
    expect(klBernoulli(0.03, 0.01)).toBeCloseTo(0.0131618, 6);
    expect(waldRequests(0.005, 0.01, 0.03)).toBeCloseTo(402.55, 1);
    expect(klBernoulli(0.01, 0.01)).toBe(0);
  });

  it("quantiles count never-ended rollouts as Infinity", () => {
    expect(quantile([60, Infinity, 30, Infinity, Infinity], 0.5)).toBe(Infinity);
    expect(quantile([60, Infinity, 30], 0.5)).toBe(60);
  });
});

describe("the user model", () => {
  it("sizes the population from rpm and draws Poisson counts with the right mean", () => {
    expect(usersFor(1_000)).toBe(3_000);
    expect(usersFor(60_000)).toBe(180_000);
    const rand = mulberry32(3);
    let sum = 0;
    for (let i = 0; i < 2_000; i++) sum += poisson(rand, 250);
    expect(sum / 2_000).toBeGreaterThan(250 - 4 * Math.sqrt(250 / 2_000));
    expect(sum / 2_000).toBeLessThan(250 + 4 * Math.sqrt(250 / 2_000));
  });

  it("puts the share's fraction of users on the canary, nested as the share grows", () => {
    const pop = drawPopulation(mulberry32(1), {
      rpm: 10_000,
      clustered: false,
      scenario: AA,
      salt: "test-salt",
    });
    for (const bp of [500, 2500]) {
      const p = bp / 10_000;
      let k = 0;
      for (let i = 0; i < pop.n; i++) if ((pop.bucket[i] as number) < bp) k++;
      const sd = Math.sqrt((p * (1 - p)) / pop.n);
      expect(Math.abs(k / pop.n - p)).toBeLessThan(4 * sd);
    }
    // A few users have most of the activity (lognormal, sigma 1.5).
    expect(topShare(pop.activity, 0.01)).toBeGreaterThan(0.15);
    expect(topShare(pop.activity, 0.1)).toBeGreaterThan(0.5);
  });

  it("sends every request of a user, heavy users included, to one arm", () => {
    const { pop, tally, traffic } = simulateStep(mulberry32(2), {
      rpm: 1_000,
      clustered: true,
      scenario: AA,
      salt: "sticky",
      shareBp: 2500,
      seconds: 1_800,
      intervalSeconds: 15,
    });
    let heavy = 0;
    for (let i = 1; i < pop.n; i++)
      if ((pop.activity[i] as number) > (pop.activity[heavy] as number)) heavy = i;
    const onCanary = traffic.onCanary(heavy);
    const mine = (onCanary ? tally.canary : tally.live)[heavy] as number;
    const other = (onCanary ? tally.live : tally.canary)[heavy] as number;
    expect(mine).toBeGreaterThan(100);
    expect(other).toBe(0);
    for (let i = 0; i < pop.n; i++)
      expect((tally.canary[i] as number) > 0 && (tally.live[i] as number) > 0).toBe(false);
    // Its requests follow its activity: 30 minutes at 1,000 rpm is 30,000 requests.
    const share = (pop.activity[heavy] as number) / pop.n;
    expect(mine / 30_000).toBeGreaterThan(share * 0.8);
    expect(mine / 30_000).toBeLessThan(share * 1.2);
  }, 20_000);

  it("clusters errors by user with an intra-user correlation near 0.05 (iid: near 0)", () => {
    const run = (clustered: boolean, seconds: number) => {
      const { tally } = simulateStep(mulberry32(4), {
        rpm: 10_000,
        clustered,
        scenario: AA,
        salt: "icc",
        shareBp: 500,
        seconds,
        intervalSeconds: 15,
      });
      const trials = tally.live.map((x, i) => x + (tally.canary[i] as number));
      let errors = 0;
      let requests = 0;
      for (let i = 0; i < trials.length; i++) {
        errors += tally.errors[i] as number;
        requests += trials[i] as number;
      }
      expect(errors / requests).toBeCloseTo(0.01, 2);
      return iccAnova(trials, tally.errors);
    };
    const icc = run(true, 3_600);
    expect(icc).toBeGreaterThan(0.04);
    expect(icc).toBeLessThan(0.06);
    expect(Math.abs(run(false, 1_200))).toBeLessThan(0.01);
  }, 20_000);
});

describe("the champion-challenger day (section f)", () => {
  const day = (to: number, seed: number) =>
    runBoardDay(mulberry32(seed), {
      rpm: 1_000,
      challengerShareBp: 1000,
      championConversion: 0.1,
      challengerConversion: to,
      errorRate: 0.01,
      minutes: 90,
      salt: `t-${seed}`,
      stopWhenCalled: true,
    });

  it("puts about the challenger's share of requests on it, and calls a large difference its way", () => {
    const better = day(0.3, 1);
    expect(better.conversionVerdict).toBe("better");
    expect(better.conversionAt).toBeLessThan(90);
    // A 10 % challenger of 1,000 rpm: about 100 requests a minute (heavy users make it lumpy).
    const perMinute = better.challengerRequests / (better.conversionAt as number);
    expect(perMinute).toBeGreaterThan(40);
    expect(perMinute).toBeLessThan(250);
    expect(day(0.02, 2).conversionVerdict).toBe("worse");
    // Wald's limit with the clustered variance comes no sooner than with the independent one.
    expect(better.limitAt).toBeGreaterThanOrEqual(better.iidLimitAt as number);
  });
});

describe("npm run gates:bench", () => {
  it("--quick prints the model check and every section's table", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "scripts/bench/gates/bench.ts"), "--quick"], {
      encoding: "utf8",
      timeout: 55_000,
    });
    expect(r.status, r.stderr).toBe(0);
    for (const heading of ["## Model check", "## a.", "## b.", "## c.", "## d.", "## e.", "## f."])
      expect(r.stdout).toContain(heading);
    expect(r.stdout).toMatch(/\| 1,000 \| 3,000 \|/);
    expect(r.stderr).toContain("rollouts");
  }, 60_000);

  it("a bad --cells is a usage error", () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "scripts/bench/gates/bench.ts"), "--cells", "a,z"],
      { encoding: "utf8", timeout: 25_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Usage: npm run gates:bench");
  }, 30_000);
});
