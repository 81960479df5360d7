/**
 * What a step knows about users, per arm: sums over user buckets and the
 * distinct users seen. Assignment is per user, so users (not requests) are
 * the independent units the gates judge.
 *
 * Layer: pure core. Two mergeable structures, both exact under merge in any
 * order (check-ins from many isolates add up to the same totals):
 *   - `UserSums`: identified requests, errors, 3xx and 4xx answers (and
 *     the origin latency's ln(ms), in hundredths, and its square) summed
 *     over USER_BUCKETS buckets of a user hash independent of the assignment
 *     hash (another seed, another input). Every user lands in one bucket, so
 *     buckets are independent clusters of users: the spread of the bucket
 *     rates gives a variance that stays valid when outcomes cluster by user
 *     and a few heavy users send most requests (cluster-robust variance).
 *   - `SeenUsers`: a USER_BITS-bit bitmap of the same hash (sparse 32-bit
 *     words), OR-merged; distinct users are estimated by linear counting
 *     (Whang, Vander-Zanden & Taylor, "A linear-time probabilistic counting
 *     algorithm for database applications", ACM TODS 15(2), 1990), close to
 *     exact while the bitmap is less than half full (about 45,000 users).
 * A client that sends many requests under one id moves one bucket by its own
 * requests and sets one bit: it cannot change how many users an arm has.
 */
import { dict, own } from "../dict.ts";
import { murmur3String } from "../routing/murmur3.ts";

/** Buckets of users for the cluster-robust variance (a power of two). */
export const USER_BUCKETS = 64;
/** Bits of the distinct-user bitmap (a power of two, a multiple of 32). */
export const USER_BITS = 65_536;
/** Seed of the user hash: any constant other than the assignment's 0. */
const USER_HASH_SEED = 0x5bd1e995;

/** The user hash behind buckets and the bitmap: unsigned 32-bit. */
export function userHashOf(userId: string): number {
  return murmur3String(`user:${userId}`, USER_HASH_SEED);
}

export const userBucketOf = (hash: number) => hash & (USER_BUCKETS - 1);
const bitOf = (hash: number) => (hash >>> 6) & (USER_BITS - 1);

/** Per user bucket (index 0..USER_BUCKETS-1): identified requests and what they got. */
export interface UserSums {
  requests: number[];
  /** 5xx answers, timeouts and connection errors of the first attempt. */
  errors: number[];
  /** 3xx answers of the first attempt. */
  redirects: number[];
  /** 4xx answers of the first attempt. */
  clientErrors: number[];
  /**
   * Requests with an origin latency, and the sums of L and L^2 over them,
   * L = round(100 x ln(ms)) (how latency clusters by user). Integers, so
   * merges are exact in any order, as the counts are.
   */
  timed: number[];
  logMs: number[];
  logMsSq: number[];
}

/** L is clamped to +-LOG_MS_MAX (ln(ms) within +-14: 1 ns .. 1,200 s): sums from the wire are bounded by it. */
const LOG_MS_MAX = 1400;
/** Hundredths of a neper: latency to 1 %, squares summable to 4.6 billion requests a bucket. */
const LOG_MS_SCALE = 100;

/** round(100 ln x), clamped to +-LOG_MS_MAX (x <= 0 at the lower clamp): an integer for exact sums. */
export function logUnits(x: number): number {
  const l = Math.round(LOG_MS_SCALE * Math.log(Math.max(x, 1e-9)));
  return Math.min(LOG_MS_MAX, Math.max(-LOG_MS_MAX, l));
}

/** Is `sums` (per bucket) what `n` values of logUnits can add up to, with `sq` their squares? */
export function logSumsFit(n: number, sum: number, sq: number): boolean {
  return (
    Number.isSafeInteger(sum) &&
    Number.isSafeInteger(sq) &&
    Math.abs(sum) <= n * LOG_MS_MAX &&
    sq >= 0 &&
    sq <= n * LOG_MS_MAX * LOG_MS_MAX
  );
}

/** Set bits of the distinct-user bitmap: 32-bit word index -> word (unsigned). */
export type SeenUsers = Record<string, number>;

const zeros = () => new Array<number>(USER_BUCKETS).fill(0);

export function emptyUserSums(): UserSums {
  return {
    requests: zeros(),
    errors: zeros(),
    redirects: zeros(),
    clientErrors: zeros(),
    ...noLatency(),
  };
}

const noLatency = () => ({ timed: zeros(), logMs: zeros(), logMsSq: zeros() });

export function emptySeenUsers(): SeenUsers {
  return dict<number>();
}

/**
 * What one identified request adds. `status`: the first attempt's status, 0
 * when it did not answer; `originMs`: the origin's latency, null without one.
 */
export function observeUser(
  sums: UserSums,
  seen: SeenUsers,
  hash: number,
  failed: boolean,
  status: number,
  originMs: number | null = null,
): void {
  const b = userBucketOf(hash);
  sums.requests[b] = (sums.requests[b] ?? 0) + 1;
  if (originMs !== null && Number.isFinite(originMs)) {
    const l = logUnits(originMs);
    sums.timed[b] = (sums.timed[b] ?? 0) + 1;
    sums.logMs[b] = (sums.logMs[b] ?? 0) + l;
    sums.logMsSq[b] = (sums.logMsSq[b] ?? 0) + l * l;
  }
  if (failed) sums.errors[b] = (sums.errors[b] ?? 0) + 1;
  else if (status >= 300 && status < 400) sums.redirects[b] = (sums.redirects[b] ?? 0) + 1;
  else if (status >= 400 && status < 500) sums.clientErrors[b] = (sums.clientErrors[b] ?? 0) + 1;
  const bit = bitOf(hash);
  const word = String(bit >>> 5);
  seen[word] = ((own(seen, word) ?? 0) | (1 << (bit & 31))) >>> 0;
}

const addArrays = (a: readonly number[], b: readonly number[]) =>
  Array.from({ length: USER_BUCKETS }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));

export function mergeUserSums(a: UserSums, b: UserSums): UserSums {
  return {
    requests: addArrays(a.requests, b.requests),
    errors: addArrays(a.errors, b.errors),
    redirects: addArrays(a.redirects, b.redirects),
    clientErrors: addArrays(a.clientErrors, b.clientErrors),
    timed: addArrays(a.timed, b.timed),
    logMs: addArrays(a.logMs, b.logMs),
    logMsSq: addArrays(a.logMsSq, b.logMsSq),
  };
}

export function mergeSeenUsers(a: SeenUsers, b: SeenUsers): SeenUsers {
  const out = dict(a);
  for (const [word, bits] of Object.entries(b)) out[word] = ((own(out, word) ?? 0) | bits) >>> 0;
  return out;
}

/**
 * Adds `from` into `into`, in place: the same sums as mergeUserSums without
 * a copy (for an accumulator its owner keeps, e.g. the control object's
 * buffer, which takes a batch per check-in). `from` is not changed.
 */
export function addUserSums(into: UserSums, from: UserSums): void {
  for (let i = 0; i < USER_BUCKETS; i++) {
    into.requests[i] = (into.requests[i] ?? 0) + (from.requests[i] ?? 0);
    into.errors[i] = (into.errors[i] ?? 0) + (from.errors[i] ?? 0);
    into.redirects[i] = (into.redirects[i] ?? 0) + (from.redirects[i] ?? 0);
    into.clientErrors[i] = (into.clientErrors[i] ?? 0) + (from.clientErrors[i] ?? 0);
    into.timed[i] = (into.timed[i] ?? 0) + (from.timed[i] ?? 0);
    into.logMs[i] = (into.logMs[i] ?? 0) + (from.logMs[i] ?? 0);
    into.logMsSq[i] = (into.logMsSq[i] ?? 0) + (from.logMsSq[i] ?? 0);
  }
}

/**
 * ORs `from` into `into`, in place: the same bitmap as mergeSeenUsers, in
 * time proportional to `from`'s words, not to the accumulated bitmap's.
 */
export function addSeenUsers(into: SeenUsers, from: SeenUsers): void {
  for (const word in from) {
    if (!Object.hasOwn(from, word)) continue;
    into[word] = ((own(into, word) ?? 0) | (from[word] ?? 0)) >>> 0;
  }
}

function popcount(x: number): number {
  let v = x >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Bits set in the bitmap. */
export function seenBits(seen: SeenUsers): number {
  let n = 0;
  for (const bits of Object.values(seen)) n += popcount(bits);
  return n;
}

/**
 * Distinct users behind the bitmap (linear counting: -M ln(1 - set/M)),
 * rounded; null once the bitmap is more than half full, where its error
 * would start to matter (the caller then stops counting).
 */
export function distinctUsers(seen: SeenUsers): number | null {
  const set = seenBits(seen);
  if (set > USER_BITS / 2) return null;
  return Math.round(-USER_BITS * Math.log1p(-set / USER_BITS));
}

/** Sum of one bucket array. */
export const total = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

// ---- read from the wire or storage -------------------------------------------

/** 32-bit words of the bitmap (valid word indexes: 0..USER_WORDS-1). */
export const USER_WORDS = USER_BITS / 32;

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const countsOf = (x: unknown): number[] | null =>
  Array.isArray(x) && x.length === USER_BUCKETS && x.every(isCount) ? [...x] : null;
const field = (x: object, key: string): unknown =>
  Object.hasOwn(x, key) ? (x as Record<string, unknown>)[key] : undefined;

/**
 * UserSums from an untrusted value (a check-in from another isolate, a
 * stored row): four arrays of USER_BUCKETS non-negative safe integers whose
 * errors, redirects and 4xx fit in each bucket's requests, and whose
 * requests add up to at most `maxRequests` (the arm's requests: a user
 * request is one of them). Anything else, including a missing value (an
 * isolate of an earlier release), reads as empty: never thrown, never
 * partly kept (the four arrays describe the same requests). The latency
 * sums are read the same way on their own (timed requests within each
 * bucket's requests, sums within what that many clamped ln(ms) can add up
 * to); missing or malformed, they read as none (an earlier release's).
 */
export function userSumsFrom(value: unknown, maxRequests = Number.MAX_SAFE_INTEGER): UserSums {
  if (typeof value !== "object" || value === null) return emptyUserSums();
  const requests = countsOf(field(value, "requests"));
  const errors = countsOf(field(value, "errors"));
  const redirects = countsOf(field(value, "redirects"));
  const clientErrors = countsOf(field(value, "clientErrors"));
  if (!requests || !errors || !redirects || !clientErrors) return emptyUserSums();
  for (let b = 0; b < USER_BUCKETS; b++) {
    const outcomes = (errors[b] ?? 0) + (redirects[b] ?? 0) + (clientErrors[b] ?? 0);
    if (outcomes > (requests[b] ?? 0)) return emptyUserSums();
  }
  if (total(requests) > maxRequests) return emptyUserSums();
  return { requests, errors, redirects, clientErrors, ...latencyFrom(value, requests) };
}

const sumsOf = (x: unknown): number[] | null =>
  Array.isArray(x) && x.length === USER_BUCKETS && x.every((v) => Number.isSafeInteger(v))
    ? [...(x as number[])]
    : null;

function latencyFrom(value: object, requests: readonly number[]) {
  const timed = countsOf(field(value, "timed"));
  const logMs = sumsOf(field(value, "logMs"));
  const logMsSq = sumsOf(field(value, "logMsSq"));
  if (!timed || !logMs || !logMsSq) return noLatency();
  for (let b = 0; b < USER_BUCKETS; b++) {
    const n = timed[b] ?? 0;
    if (n > (requests[b] ?? 0) || !logSumsFit(n, logMs[b] ?? 0, logMsSq[b] ?? 0))
      return noLatency();
  }
  return { timed, logMs, logMsSq };
}

/** A canonical word index ("0".."2047"): no sign, no leading zero, no exponent. */
function isWordIndex(key: string): boolean {
  const n = Number(key);
  return Number.isInteger(n) && n >= 0 && n < USER_WORDS && String(n) === key;
}
const isWord = (x: unknown): x is number =>
  Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 0xffffffff;

/**
 * SeenUsers from an untrusted value: keys are word indexes 0..USER_WORDS-1
 * (canonical decimal), values unsigned 32-bit words. A malformed word is
 * dropped (bits are independent: the rest still counts); a value with more
 * keys than the bitmap has words is no bitmap at all and reads as empty, so
 * reading one costs at most USER_WORDS checks.
 */
export function seenUsersFrom(value: unknown): SeenUsers {
  const out = emptySeenUsers();
  if (typeof value !== "object" || value === null || Array.isArray(value)) return out;
  const keys = Object.keys(value);
  if (keys.length > USER_WORDS) return out;
  const words = value as Record<string, unknown>;
  for (const key of keys) {
    // An own key (Object.keys): read directly, `__proto__` included.
    const bits = words[key];
    if (!isWordIndex(key) || !isWord(bits) || bits === 0) continue;
    out[key] = bits;
  }
  return out;
}
