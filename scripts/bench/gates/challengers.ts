/**
 * gates:bench section f: the champion-challenger leaderboard over a day of
 * continuous looks (src/core/outcomes/leaderboard.ts, with the specs the
 * admin API judges by). A service's users (the section's model: lognormal
 * activity, sticky arms by the router's own challenger bucketing, a daily
 * cycle) send requests every minute; each request has an error, a latency
 * and a conversion outcome, all three clustered by user (each user's own
 * error and conversion probabilities drawn from Beta distributions with
 * intra-user correlation INTRA_USER_CORRELATION, a latency multiplier per
 * user); the board is looked at once a minute, as a dashboard would.
 * Outcomes are sent back at once (a label pipeline's delay shifts every
 * time by its length).
 *
 * Layer: build-time script.
 */
import {
  type ArmSample,
  leaderboard,
  type MetricSpec,
  outcomeMetricSpec,
  REQUEST_METRICS,
} from "../../../src/core/outcomes/leaderboard.ts";
import { USER_BUCKETS, userBucketOf } from "../../../src/core/rollout/user-sums.ts";
import { bucketOf, inRange } from "../../../src/core/routing/bucket.ts";
import { beta, binomial, normalPairs, poisson } from "./random.ts";
import { LATENCY_SIGMA, LIVE_MEDIAN_MS } from "./simulate.ts";
import {
  ACTIVITY_SIGMA,
  DAILY_AMPLITUDE,
  INTRA_USER_CORRELATION,
  REQUESTS_PER_USER_HOUR,
  USER_LATENCY_SIGMA,
  userIds,
  usersFor,
} from "./users.ts";

export const BOARD_ALPHA = 0.01;
export const CONVERSION = "converted";
/** The board's metrics: the request metrics and one conversion outcome. */
export const BOARD_METRICS: readonly MetricSpec[] = [
  ...REQUEST_METRICS,
  outcomeMetricSpec(CONVERSION, "higher", true, 0),
];
/** Each end's alpha of one metric: the challenger's alpha over its metrics and both sides. */
export const ALPHA_END = BOARD_ALPHA / (2 * BOARD_METRICS.length);

export interface BoardDay {
  rpm: number;
  challengerShareBp: number;
  /** Conversion probability of the champion's and the challenger's users (their means). */
  championConversion: number;
  challengerConversion: number;
  errorRate: number;
  minutes: number;
  salt: string;
  /** Stop once the conversion is called (better or worse) and the limit is reached. */
  stopWhenCalled?: boolean | undefined;
}

export interface BoardRun {
  /** Minute of the first look with any verdict other than undecided (null: none all day). */
  firstVerdictAt: number | null;
  /** Which metric and verdict that was. */
  firstVerdict: string | null;
  /** Minute the conversion was first called better or worse (null: never), and which. */
  conversionAt: number | null;
  conversionVerdict: string | null;
  /**
   * Minutes until an SPRT that knew the difference and the variance would
   * stop (Wald: delta^2 / (2 V) >= ln(1 / ALPHA_END)), V as the board
   * measures it (cluster-robust), and V as independent outcomes would have it.
   */
  limitAt: number | null;
  iidLimitAt: number | null;
  /** Requests of the challenger at the end. */
  challengerRequests: number;
}

class Arm {
  readonly requests = new Float64Array(USER_BUCKETS);
  readonly errors = new Float64Array(USER_BUCKETS);
  readonly timed = new Float64Array(USER_BUCKETS);
  readonly logMs = new Float64Array(USER_BUCKETS);
  logMsSq = 0;
  readonly converted = new Float64Array(USER_BUCKETS);

  sample(metric: string): ArmSample {
    if (metric === "error-rate")
      return { n: [...this.requests], sum: [...this.errors], sumSq: sum(this.errors) };
    if (metric === "latency")
      return { n: [...this.timed], sum: [...this.logMs], sumSq: this.logMsSq };
    return { n: [...this.requests], sum: [...this.converted], sumSq: sum(this.converted) };
  }
}

const sum = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s;
};

function probabilities(rand: () => number, n: number, p: number): Float64Array {
  const ab = 1 / INTRA_USER_CORRELATION - 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = beta(rand, p * ab, (1 - p) * ab);
  return out;
}

export function runBoardDay(rand: () => number, o: BoardDay): BoardRun {
  const n = usersFor(o.rpm);
  const { ids, hashes } = userIds(n);
  const normal = normalPairs(rand);
  const activity = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    activity[i] = Math.exp(ACTIVITY_SIGMA * normal());
    total += activity[i] as number;
  }
  const challenger = new Uint8Array(n);
  const userBucket = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    activity[i] = ((activity[i] as number) * n) / total;
    challenger[i] = inRange(bucketOf(o.salt, ids[i] as string), 0, o.challengerShareBp) ? 1 : 0;
    userBucket[i] = userBucketOf(hashes[i] as number);
  }
  const errors = probabilities(rand, n, o.errorRate);
  const champ = probabilities(rand, n, o.championConversion);
  const chall =
    o.challengerConversion === o.championConversion
      ? champ
      : probabilities(rand, n, o.challengerConversion);
  const latencyShift = new Float64Array(n);
  for (let i = 0; i < n; i++) latencyShift[i] = 100 * USER_LATENCY_SIGMA * normal();
  const median = 100 * Math.log(LIVE_MEDIAN_MS);
  const within = 100 * LATENCY_SIGMA * Math.sqrt(1 - INTRA_USER_CORRELATION);
  const arms = [new Arm(), new Arm()];
  const perMinute = REQUESTS_PER_USER_HOUR / 60;
  const delta = o.challengerConversion - o.championConversion;
  const threshold = Math.log(1 / ALPHA_END);
  const run: BoardRun = {
    firstVerdictAt: null,
    firstVerdict: null,
    conversionAt: null,
    conversionVerdict: null,
    limitAt: null,
    iidLimitAt: null,
    challengerRequests: 0,
  };
  for (let minute = 1; minute <= o.minutes; minute++) {
    const cycle = 1 + DAILY_AMPLITUDE * Math.sin((2 * Math.PI * minute) / 1440);
    for (let i = 0; i < n; i++) {
      const k = poisson(rand, (activity[i] as number) * perMinute * cycle);
      if (k === 0) continue;
      const arm = arms[challenger[i] as number] as Arm;
      const b = userBucket[i] as number;
      const e = binomial(rand, k, errors[i] as number);
      arm.requests[b] = (arm.requests[b] as number) + k;
      arm.errors[b] = (arm.errors[b] as number) + e;
      const p = challenger[i] ? (chall[i] as number) : (champ[i] as number);
      arm.converted[b] = (arm.converted[b] as number) + binomial(rand, k, p);
      const answered = k - e;
      for (let j = 0; j < answered; j++) {
        const l = median + (latencyShift[i] as number) + within * normal();
        arm.logMs[b] = (arm.logMs[b] as number) + l;
        arm.logMsSq += l * l;
      }
      arm.timed[b] = (arm.timed[b] as number) + answered;
    }
    const [champion, candidate] = arms as [Arm, Arm];
    const [standing] = leaderboard({
      champion: "champion",
      challengers: [{ origin: "challenger", shareBp: o.challengerShareBp }],
      metrics: BOARD_METRICS,
      alpha: BOARD_ALPHA,
      samples: (arm, metric) => (arm === "champion" ? champion : candidate).sample(metric),
      perMinute: () => null,
    });
    const metrics = standing?.metrics ?? [];
    const called = metrics.find((m) => m.verdict !== "undecided");
    if (called && run.firstVerdictAt === null) {
      run.firstVerdictAt = minute;
      run.firstVerdict = `${called.metric} ${called.verdict}`;
    }
    const conversion = metrics.find((m) => m.metric === CONVERSION);
    if (conversion && conversion.verdict !== "undecided" && run.conversionAt === null) {
      run.conversionAt = minute;
      run.conversionVerdict = conversion.verdict;
    }
    if (delta !== 0) {
      const v = boardVariance(champion, candidate);
      if (run.limitAt === null && v.robust > 0 && (delta * delta) / (2 * v.robust) >= threshold)
        run.limitAt = minute;
      if (run.iidLimitAt === null && v.iid > 0 && (delta * delta) / (2 * v.iid) >= threshold)
        run.iidLimitAt = minute;
    }
    if (o.stopWhenCalled && run.conversionAt !== null && run.limitAt !== null) break;
  }
  run.challengerRequests = sum(arms[1]?.requests ?? []);
  return run;
}

/** The conversion difference's variance: cluster-robust (as the board's) and independent. */
function boardVariance(champion: Arm, challenger: Arm): { robust: number; iid: number } {
  let robust = 0;
  let iid = 0;
  for (const arm of [champion, challenger]) {
    const n = sum(arm.requests);
    const c = sum(arm.converted);
    if (n < 2) return { robust: 0, iid: 0 };
    const p = c / n;
    iid += (p * (1 - p)) / n;
    // Delete-one-bucket jackknife of the ratio (src/core/rollout/dispersion.ts's CV3).
    let squares = 0;
    let used = 0;
    for (let b = 0; b < USER_BUCKETS; b++) {
      const nb = arm.requests[b] as number;
      if (nb <= 0 || nb >= n) continue;
      used++;
      const r = (c - (arm.converted[b] as number)) / (n - nb);
      squares += ((arm.converted[b] as number) - r * nb) ** 2;
    }
    robust += used > 1 ? Math.max((((used - 1) / used) * squares) / (n * n), (p * (1 - p)) / n) : 0;
  }
  return { robust, iid };
}
