/**
 * The leaderboard's statistics where an interval can lie: a small
 * challenger whose users have no errors yet (its own rate 0, its jackknife
 * 0) against a 1 % champion, samples below the minimum, the direction of
 * "better" for a lower-is-better metric, and clustering counted through the
 * larger arm's design effect. gates:bench section f measures the false
 * verdicts over a day of looks.
 */
import { describe, expect, it } from "vitest";
import {
  type ArmSample,
  differenceVariance,
  estimate,
  leaderboard,
  type MetricSpec,
  REQUEST_METRICS,
} from "../../src/core/outcomes/leaderboard.ts";

/** n observations over the 64 buckets, with `events` 1s spread evenly over the first `buckets` of them. */
function arm(n: number, events: number, buckets = 64): ArmSample {
  const ns = new Array(64).fill(n / 64);
  const sums = new Array(64).fill(0);
  for (let b = 0; b < buckets; b++) sums[b] = events / buckets;
  return { n: ns, sum: sums, sumSq: events };
}

const errors = REQUEST_METRICS[0] as MetricSpec;

function board(champion: ArmSample, challenger: ArmSample, spec: MetricSpec = errors) {
  const [standing] = leaderboard({
    champion: "blue",
    challengers: [{ origin: "green", shareBp: 1000 }],
    metrics: [spec],
    samples: (a) => (a === "blue" ? champion : challenger),
    perMinute: () => null,
  });
  return standing?.metrics[0];
}

describe("leaderboard statistics", () => {
  it("a small challenger with no errors yet is not called better than a 1 % champion", () => {
    for (const n of [30, 100, 200, 400]) {
      const m = board(arm(20_000, 200), arm(n, 0));
      expect(m?.verdict, `${n} requests`).toBe("undecided");
    }
  });

  it("gives no verdict below 30 observations an arm, however far apart", () => {
    expect(board(arm(20_000, 200), arm(29, 29))?.verdict).toBe("undecided");
    expect(board(arm(20_000, 200), arm(64, 64))?.verdict).toBe("worse");
  });

  it("calls a lower-is-better metric's higher challenger worse, a lower one better", () => {
    expect(board(arm(50_000, 500), arm(20_000, 600))?.verdict).toBe("worse");
    expect(board(arm(50_000, 1500), arm(20_000, 200))?.verdict).toBe("better");
  });

  it("counts clustering: the larger arm's design effect raises the floor of both", () => {
    const even = estimate(arm(10_000, 1000)) as NonNullable<ReturnType<typeof estimate>>;
    // The same events piled into 8 buckets' users: the champion's jackknife is far above binomial.
    const piled = estimate(arm(10_000, 1000, 8)) as NonNullable<ReturnType<typeof estimate>>;
    const small = estimate(arm(500, 50)) as NonNullable<ReturnType<typeof estimate>>;
    expect(differenceVariance(piled, small, true)).toBeGreaterThan(
      2 * differenceVariance(even, small, true),
    );
  });
});
