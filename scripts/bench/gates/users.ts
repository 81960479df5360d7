/**
 * Simulated rollouts with users, for `npm run gates:bench`: the traffic a
 * canary step really gets, fed through the router's own data path.
 *
 * Layer: build-time script (never bundled into the Worker).
 *
 * Why: arms are assigned per user (sticky: `bucketOf(salt, id) < shareBp`,
 * src/core/routing/bucket.ts), a few heavy users send most requests, and
 * errors and latency cluster by user. Requests drawn independently
 * (scripts/bench/gates/simulate.ts) cannot show what that does to the gates.
 *
 * The model, per rollout (every number below is a named constant):
 *   - Population: users = rpm x 60 / 20 (mean activity 20 requests per user
 *     per hour), ids `u0`, `u1`, ...; user hashes `userHashOf(id)`
 *     (src/core/rollout/user-sums.ts) computed once per size. Each rollout
 *     has its own salt (a new rollout, a new shuffle), so its own arms.
 *   - Activity: lognormal, sigma 1.5, normalised so the population's rate is
 *     exactly rpm (a few users send most requests: the top 1 % about 20 %,
 *     the top 10 % about 60 %).
 *   - Daily cycle (optional, `--daily`; OFF for every target cell): the rate
 *     times 1 + 0.5 sin(2 pi (t + phase) / 24 h), a random phase per rollout.
 *   - Requests per look ~ Poisson(rate x interval); each is given to a user
 *     drawn by activity (Walker's alias method, O(1) a request): draws of
 *     users, not independent requests; the user's arm follows from the
 *     salt and the step's share, so every request of a user in a step lands
 *     in the same arm.
 *   - Errors (5xx, status 500): iid model, every user fails with
 *     probability p; clustered model, each user's probability ~ Beta with
 *     mean p and intra-user correlation 0.05 (a + b = 1 / 0.05 - 1 = 19).
 *     Users on the canary draw theirs with mean p_candidate (the same draw
 *     as on live when p_candidate = p, as in A/A).
 *   - Latency: a per-user multiplier (clustered model: lognormal with
 *     sigma 0.5 x sqrt(0.05 / 0.95), i.e. an intra-user correlation of 0.05
 *     on the log scale; iid model: 1) times a per-request lognormal (median
 *     100 ms, sigma 0.5, as simulate.ts), times the scenario's factor on the
 *     canary.
 *   - Wrong path: the canary answers 404 to 0.3 % of its (non-failing)
 *     requests.
 *   - Hostile client: 79 ids that hash into the canary (`hostile-<k>`, the
 *     first 79 under the step's share) send 600 ordinary requests (200,
 *     typical latency) per step, evenly spread over the step's bake,
 *     cycling through the ids.
 * Every request goes through `observeRequest` (identified, role canary or
 * live, its status and user hash) into a new `VersionMetrics` per step
 * (each step is a new document revision); each look converts them with
 * `rolloutMetrics` (structured-cloned, as the analyzer reads a stored copy)
 * and calls the real `evaluateRollout`. So when the gates and the metrics
 * view change, this keeps measuring what the router does.
 */

import { rolloutMetrics } from "../../../src/core/rollout/metrics-view.ts";
import type { PlanRules } from "../../../src/core/rollout/plan.ts";
import {
  emptyVersionMetrics,
  observeRequest,
  type RequestObservation,
  type VersionMetrics,
} from "../../../src/core/rollout/request-metrics.ts";
import {
  evaluateRollout,
  type RolloutStatus,
  startRollout,
} from "../../../src/core/rollout/state-machine.ts";
import { userHashOf } from "../../../src/core/rollout/user-sums.ts";
import { bucketOf } from "../../../src/core/routing/bucket.ts";
import { beta, normalPairs, poisson } from "./random.ts";
import { LATENCY_SIGMA, LIVE_MEDIAN_MS } from "./simulate.ts";

export const REQUESTS_PER_USER_HOUR = 20;
export const ACTIVITY_SIGMA = 1.5;
/** Intra-user correlation of the clustered model (errors; latency on the log scale). */
export const INTRA_USER_CORRELATION = 0.05;
export const USER_LATENCY_SIGMA =
  LATENCY_SIGMA * Math.sqrt(INTRA_USER_CORRELATION / (1 - INTRA_USER_CORRELATION));
export const DAILY_AMPLITUDE = 0.5;
export const DAY_SECONDS = 86_400;
export const WRONG_PATH_404_RATE = 0.003;
export const HOSTILE_IDS = 79;
export const HOSTILE_REQUESTS_PER_STEP = 600;

export const LIVE_ORIGIN = "blue";
export const CANARY_ORIGIN = "green";
const SERVICE = "bench";

export interface UserScenario {
  label: string;
  liveErrorRate: number;
  canaryErrorRate: number;
  /** Canary latency = live's x this (in distribution). */
  canaryLatencyScale: number;
  /** Share of the canary's non-failing requests answered 404 (the wrong path). */
  canary404Rate: number;
  /** A client cycling through HOSTILE_IDS canary ids (HOSTILE_REQUESTS_PER_STEP a step). */
  hostile: boolean;
}

export const usersFor = (rpm: number) =>
  Math.max(1, Math.round((rpm * 60) / REQUESTS_PER_USER_HOUR));

const idCache = new Map<number, { ids: string[]; hashes: Uint32Array }>();

/** Ids `u0..u{n-1}` and their user hashes (computed once per size). */
export function userIds(n: number): { ids: string[]; hashes: Uint32Array } {
  let c = idCache.get(n);
  if (!c) {
    const ids = Array.from({ length: n }, (_, i) => `u${i}`);
    const hashes = new Uint32Array(n);
    for (let i = 0; i < n; i++) hashes[i] = userHashOf(ids[i] as string);
    c = { ids, hashes };
    idCache.set(n, c);
  }
  return c;
}

const bucketCache = new Map<string, Uint16Array>();

/**
 * `bucketOf(salt, u<i>)` for the first n ids (the ids of a smaller
 * population are a prefix of a larger one's), cached per salt: rollout i of
 * every cell uses salt `rollout-<i>`, and hashing is most of a population's
 * cost at 180,000 users.
 */
function bucketsOf(salt: string, ids: readonly string[], n: number): Uint16Array {
  const have = bucketCache.get(salt);
  if (have && have.length >= n) return have.subarray(0, n);
  const out = new Uint16Array(n);
  const from = have ? have.length : 0;
  if (have) out.set(have);
  for (let i = from; i < n; i++) out[i] = bucketOf(salt, ids[i] as string);
  if (bucketCache.size > 2000) bucketCache.clear();
  bucketCache.set(salt, out);
  return out;
}

/** Walker's alias table for drawing index i with probability w[i] / sum(w) (Vose's construction). */
export interface AliasTable {
  prob: Float64Array;
  alias: Int32Array;
}

export function aliasTable(w: ArrayLike<number>): AliasTable {
  const n = w.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += w[i] as number;
  const scaled = new Float64Array(n);
  for (let i = 0; i < n; i++) scaled[i] = ((w[i] as number) * n) / sum;
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const small = new Int32Array(n);
  const large = new Int32Array(n);
  let ns = 0;
  let nl = 0;
  for (let i = 0; i < n; i++) {
    if ((scaled[i] as number) < 1) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns > 0 && nl > 0) {
    const s = small[--ns] as number;
    const l = large[--nl] as number;
    prob[s] = scaled[s] as number;
    alias[s] = l;
    scaled[l] = (scaled[l] as number) + (scaled[s] as number) - 1;
    if ((scaled[l] as number) < 1) small[ns++] = l;
    else large[nl++] = l;
  }
  while (nl > 0) {
    const l = large[--nl] as number;
    prob[l] = 1;
    alias[l] = l;
  }
  while (ns > 0) {
    const s = small[--ns] as number;
    prob[s] = 1;
    alias[s] = s;
  }
  return { prob, alias };
}

export interface Population {
  n: number;
  ids: string[];
  hashes: Uint32Array;
  /** Relative activity, mean exactly 1 over the population. */
  activity: Float64Array;
  table: AliasTable;
  /** Each user's error probability on live and on the canary. */
  pLive: Float64Array;
  pCanary: Float64Array;
  /** Each user's latency multiplier (1 in the iid model). */
  latencyMult: Float64Array;
  /** The rollout's salt and each user's bucket under it (0..9999). */
  salt: string;
  bucket: Uint16Array;
}

function errorProbabilities(
  rand: () => number,
  n: number,
  p: number,
  clustered: boolean,
): Float64Array {
  const out = new Float64Array(n);
  if (!clustered || p <= 0 || p >= 1) return out.fill(p);
  const ab = 1 / INTRA_USER_CORRELATION - 1;
  for (let i = 0; i < n; i++) out[i] = beta(rand, p * ab, (1 - p) * ab);
  return out;
}

/** One rollout's users: activity, error probabilities, latency multipliers and buckets under `salt`. */
export function drawPopulation(
  rand: () => number,
  o: { rpm: number; clustered: boolean; scenario: UserScenario; salt: string },
): Population {
  const n = usersFor(o.rpm);
  const { ids, hashes } = userIds(n);
  const normal = normalPairs(rand);
  const activity = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.exp(ACTIVITY_SIGMA * normal());
    activity[i] = a;
    sum += a;
  }
  for (let i = 0; i < n; i++) activity[i] = ((activity[i] as number) * n) / sum;
  const pLive = errorProbabilities(rand, n, o.scenario.liveErrorRate, o.clustered);
  const pCanary =
    o.scenario.canaryErrorRate === o.scenario.liveErrorRate
      ? pLive
      : errorProbabilities(rand, n, o.scenario.canaryErrorRate, o.clustered);
  const latencyMult = new Float64Array(n).fill(1);
  if (o.clustered)
    for (let i = 0; i < n; i++) latencyMult[i] = Math.exp(USER_LATENCY_SIGMA * normal());
  const bucket = bucketsOf(o.salt, ids, n);
  return {
    n,
    ids,
    hashes,
    activity,
    table: aliasTable(activity),
    pLive,
    pCanary,
    latencyMult,
    salt: o.salt,
    bucket,
  };
}

/** Per-user counts a test can ask the traffic for: requests on each arm, errors. */
export interface Tally {
  live: Float64Array;
  canary: Float64Array;
  errors: Float64Array;
}

export const emptyTally = (n: number): Tally => ({
  live: new Float64Array(n),
  canary: new Float64Array(n),
  errors: new Float64Array(n),
});

export interface TrafficOptions {
  rpm: number;
  intervalSeconds: number;
  /** Daily cycle phase in seconds, or null for a constant rate. */
  dailyPhase: number | null;
}

/**
 * The requests of one rollout, look by look. `setShare` at each step;
 * `look` draws the interval's requests and records them into `m`.
 */
export class Traffic {
  /**
   * Per user, one 32-byte record for the current step (one cache line per
   * request however large the population): [error probability on its arm,
   * latency factor on its arm, 1 if on the canary, user hash].
   */
  private readonly rec: Float64Array;
  /** The alias table interleaved: [probability, alias] per slot. */
  private readonly slots: Float64Array;
  private hostileIds: { id: string; hash: number }[] = [];
  private readonly normal: () => number;
  private readonly obs: RequestObservation = {
    service: SERVICE,
    version: 0,
    revision: "",
    origin: LIVE_ORIGIN,
    role: "live",
    identified: true,
    userHash: 0.5,
    status: 200,
    failed: false,
    failover: false,
    originMs: 0.5,
    at: 0.5,
  };
  canaryRequests = 0;
  canaryErrors = 0;
  private readonly rand: () => number;
  readonly pop: Population;
  private readonly scenario: UserScenario;
  private readonly o: TrafficOptions;

  constructor(rand: () => number, pop: Population, scenario: UserScenario, o: TrafficOptions) {
    this.rand = rand;
    this.pop = pop;
    this.scenario = scenario;
    this.o = o;
    this.rec = new Float64Array(pop.n * 4);
    this.slots = new Float64Array(pop.n * 2);
    for (let i = 0; i < pop.n; i++) {
      this.slots[2 * i] = pop.table.prob[i] as number;
      this.slots[2 * i + 1] = pop.table.alias[i] as number;
    }
    this.normal = normalPairs(rand);
  }

  setShare(shareBp: number): void {
    const { pop, rec } = this;
    const scale = this.scenario.canaryLatencyScale;
    for (let i = 0; i < pop.n; i++) {
      const canary = (pop.bucket[i] as number) < shareBp;
      rec[4 * i] = (canary ? pop.pCanary[i] : pop.pLive[i]) as number;
      rec[4 * i + 1] = LIVE_MEDIAN_MS * (pop.latencyMult[i] as number) * (canary ? scale : 1);
      rec[4 * i + 2] = canary ? 1 : 0;
      rec[4 * i + 3] = pop.hashes[i] as number;
    }
    this.hostileIds = [];
    if (!this.scenario.hostile || shareBp <= 0) return;
    for (let k = 0; this.hostileIds.length < HOSTILE_IDS; k++) {
      const id = `hostile-${k}`;
      if (bucketOf(pop.salt, id) < shareBp) this.hostileIds.push({ id, hash: userHashOf(id) });
    }
  }

  /** Whether user i is on the canary in the current step. */
  onCanary(i: number): boolean {
    return this.rec[4 * i + 2] === 1;
  }

  /** Expected requests per second at time t (seconds since the rollout began). */
  rate(t: number): number {
    const base = this.o.rpm / 60;
    if (this.o.dailyPhase === null) return base;
    return (
      base * (1 + DAILY_AMPLITUDE * Math.sin((2 * Math.PI * (t + this.o.dailyPhase)) / DAY_SECONDS))
    );
  }

  /**
   * The requests of the look ending at `t` (seconds since the rollout
   * began), into `m`; `stepElapsed` (seconds into the step at t) and `bake`
   * pace the hostile client.
   */
  look(m: VersionMetrics, t: number, stepElapsed: number, bake: number, tally?: Tally): void {
    const dt = this.o.intervalSeconds;
    const { rand, pop, obs, rec, slots, normal } = this;
    const n = poisson(rand, this.rate(t - dt / 2) * dt);
    obs.version = m.version;
    obs.revision = m.revision;
    obs.at = t * 1000;
    drawn.canaryRequests = 0;
    drawn.canaryErrors = 0;
    drawRequests(n, rand, normal, slots, rec, pop.n, this.scenario.canary404Rate, obs, m, tally);
    let canaryRequests = drawn.canaryRequests;
    const canaryErrors = drawn.canaryErrors;
    const ids = this.hostileIds;
    if (ids.length > 0 && bake > 0) {
      const per = HOSTILE_REQUESTS_PER_STEP / bake;
      const from = Math.floor(per * Math.min(bake, stepElapsed - dt));
      const to = Math.floor(per * Math.min(bake, stepElapsed));
      for (let k = from; k < to; k++) {
        const h = ids[k % ids.length] as { id: string; hash: number };
        obs.origin = CANARY_ORIGIN;
        obs.role = "canary";
        obs.userHash = h.hash;
        obs.status = 200;
        obs.failed = false;
        obs.originMs = LIVE_MEDIAN_MS * Math.exp(LATENCY_SIGMA * normal());
        observeRequest(m, obs);
        canaryRequests++;
      }
    }
    this.canaryRequests += canaryRequests;
    this.canaryErrors += canaryErrors;
  }
}

/**
 * The hot loop of a look, on its own so V8 optimises it once and keeps it
 * (inside `look`, code after the loop without type feedback made every
 * on-stack-replaced loop deoptimise at each look, and so does any code
 * after the loop here: V8 reuses the first on-stack-replacement code). Adds
 * the canary's requests and errors to `drawn`.
 */
const drawn = { canaryRequests: 0, canaryErrors: 0 };

function drawRequests(
  n: number,
  rand: () => number,
  normal: () => number,
  slots: Float64Array,
  rec: Float64Array,
  N: number,
  c404: number,
  obs: RequestObservation,
  m: VersionMetrics,
  tally: Tally | undefined,
): void {
  for (let r = 0; r < n; r++) {
    const j = (rand() * N) | 0;
    const u = rand() < (slots[2 * j] as number) ? j : (slots[2 * j + 1] as number);
    const at = 4 * u;
    const canary = rec[at + 2] === 1;
    const failed = rand() < (rec[at] as number);
    let status = failed ? 500 : 200;
    if (canary) {
      drawn.canaryRequests++;
      if (failed) drawn.canaryErrors++;
      else if (c404 > 0 && rand() < c404) status = 404;
    }
    obs.origin = canary ? CANARY_ORIGIN : LIVE_ORIGIN;
    obs.role = canary ? "canary" : "live";
    obs.userHash = rec[at + 3] as number;
    obs.status = status;
    obs.failed = failed;
    obs.originMs = (rec[at + 1] as number) * Math.exp(LATENCY_SIGMA * normal());
    observeRequest(m, obs);
    if (tally !== undefined) {
      if (canary) tally.canary[u] = (tally.canary[u] as number) + 1;
      else tally.live[u] = (tally.live[u] as number) + 1;
      if (failed) tally.errors[u] = (tally.errors[u] as number) + 1;
    }
  }
}

export type UserEnd = "rollback" | "promote" | "pause" | "horizon";

export interface UserRun {
  end: UserEnd;
  /** Seconds from the rollout's start to its end. */
  at: number;
  /** Step where it ended, and when that step began (seconds). */
  stepIndex: number;
  stepStartedAt: number;
  /** The gates that failed at a rollback, or were undecided (or failed, srm) at a pause. */
  failed: string[];
  /** The state machine's reason at the end (rollback, pause or promotion). */
  reason: string;
  canaryRequests: number;
  canaryErrors: number;
}

export interface UserRunOptions {
  /** The plan, with how often the analyzer looks (the schema's analysisIntervalSeconds). */
  plan: PlanRules & { analysisIntervalSeconds: number };
  rpm: number;
  clustered: boolean;
  daily: boolean;
  scenario: UserScenario;
  /** Stop after this long (seconds) whatever happens. */
  horizonSeconds: number;
  salt: string;
}

const newMetrics = (version: number, at: number) =>
  emptyVersionMetrics(SERVICE, version, `${version}@${at}`, at);

/** One rollout through the plan's steps, judged at every analysis interval by the real state machine. */
export function runUserRollout(rand: () => number, o: UserRunOptions): UserRun {
  const interval = o.plan.analysisIntervalSeconds;
  const pop = drawPopulation(rand, o);
  const traffic = new Traffic(rand, pop, o.scenario, {
    rpm: o.rpm,
    intervalSeconds: interval,
    dailyPhase: o.daily ? rand() * DAY_SECONDS : null,
  });
  let status: RolloutStatus = startRollout(o.plan, 0).status;
  let stepIndex = 0;
  let stepStart = 0;
  let version = 1;
  let m = newMetrics(version, 0);
  traffic.setShare(o.plan.steps[0]?.shareBp ?? 0);
  const done = (end: UserEnd, at: number, failed: string[] = [], reason = ""): UserRun => ({
    end,
    at,
    stepIndex,
    stepStartedAt: stepStart,
    failed,
    reason,
    canaryRequests: traffic.canaryRequests,
    canaryErrors: traffic.canaryErrors,
  });
  for (let t = interval; t <= o.horizonSeconds; t += interval) {
    const step = o.plan.steps[stepIndex];
    if (!step) break;
    traffic.look(m, t, t - stepStart, step.bakeSeconds);
    const metrics = structuredClone(rolloutMetrics(m, LIVE_ORIGIN, CANARY_ORIGIN, null));
    const d = evaluateRollout(o.plan, status, metrics, t * 1000);
    status = d.status;
    if (d.verdict === "rollback")
      return done(
        "rollback",
        t,
        d.gates.filter((g) => g.outcome === "fail").map((g) => g.gate),
        d.reason,
      );
    if (d.verdict === "pause")
      return done(
        "pause",
        t,
        d.gates.filter((g) => g.outcome !== "pass").map((g) => g.gate),
        d.reason,
      );
    if (d.verdict === "promote") return done("promote", t, [], d.reason);
    if (d.verdict === "advance") {
      stepIndex++;
      stepStart = t;
      version++;
      m = newMetrics(version, t * 1000);
      traffic.setShare(o.plan.steps[stepIndex]?.shareBp ?? 0);
    }
  }
  return done("horizon", o.horizonSeconds);
}

/**
 * The ANOVA estimator of the intra-cluster correlation of a binary outcome
 * with unequal cluster sizes (Fleiss, "Statistical methods for rates and
 * proportions", 1981): (MSB - MSW) / (MSB + (n0 - 1) MSW), clusters with at
 * least one trial.
 */
export function iccAnova(trials: ArrayLike<number>, events: ArrayLike<number>): number {
  let k = 0;
  let N = 0;
  let E = 0;
  let sumSq = 0;
  for (let i = 0; i < trials.length; i++) {
    const n = trials[i] as number;
    if (n <= 0) continue;
    k++;
    N += n;
    E += events[i] as number;
    sumSq += n * n;
  }
  const pBar = E / N;
  let ssb = 0;
  let ssw = 0;
  for (let i = 0; i < trials.length; i++) {
    const n = trials[i] as number;
    if (n <= 0) continue;
    const e = events[i] as number;
    const p = e / n;
    ssb += n * (p - pBar) ** 2;
    ssw += e * (1 - p);
  }
  const msb = ssb / (k - 1);
  const msw = ssw / (N - k);
  const n0 = (N - sumSq / N) / (k - 1);
  return (msb - msw) / (msb + (n0 - 1) * msw);
}

/** A few looks of one step's traffic with per-user tallies: what the model's own checks read. */
export function simulateStep(
  rand: () => number,
  o: {
    rpm: number;
    clustered: boolean;
    scenario: UserScenario;
    salt: string;
    shareBp: number;
    seconds: number;
    intervalSeconds: number;
  },
): { pop: Population; traffic: Traffic; tally: Tally; metrics: VersionMetrics } {
  const pop = drawPopulation(rand, o);
  const traffic = new Traffic(rand, pop, o.scenario, {
    rpm: o.rpm,
    intervalSeconds: o.intervalSeconds,
    dailyPhase: null,
  });
  traffic.setShare(o.shareBp);
  const tally = emptyTally(pop.n);
  const metrics = newMetrics(1, 0);
  for (let t = o.intervalSeconds; t <= o.seconds; t += o.intervalSeconds)
    traffic.look(metrics, t, t, o.seconds, tally);
  return { pop, traffic, tally, metrics };
}

/** The share of all activity that the most active `fraction` of users have. */
export function topShare(activity: Float64Array, fraction: number): number {
  const sorted = Float64Array.from(activity).sort().reverse();
  const k = Math.max(1, Math.round(sorted.length * fraction));
  let top = 0;
  let all = 0;
  for (let i = 0; i < sorted.length; i++) {
    all += sorted[i] as number;
    if (i < k) top += sorted[i] as number;
  }
  return top / all;
}
