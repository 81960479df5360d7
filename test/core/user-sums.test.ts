/**
 * The per-arm user parts (src/core/rollout/user-sums.ts): sums over user
 * buckets and the distinct-user bitmap merge exactly in any order, the
 * bitmap counts distinct users within 1 %, a heavy user moves one bucket
 * and one bit, and what comes from the wire or storage is checked and
 * bounded (malformed parts dropped, never thrown).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addSeenUsers,
  addUserSums,
  distinctUsers,
  emptySeenUsers,
  emptyUserSums,
  mergeSeenUsers,
  mergeUserSums,
  observeUser,
  type SeenUsers,
  seenBits,
  seenUsersFrom,
  total,
  USER_BUCKETS,
  USER_WORDS,
  type UserSums,
  userBucketOf,
  userHashOf,
  userSumsFrom,
} from "../../src/core/rollout/user-sums.ts";
import { mulberry32 } from "../support/random.ts";

/** `n` distinct random user ids (a seeded generator: the same ids every run). */
function randomIds(n: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const next = () => Math.floor(rand() * 4294967296);
  const ids = new Set<string>();
  while (ids.size < n) ids.add(`${next().toString(36)}-${next().toString(36)}`);
  return [...ids];
}

interface Obs {
  user: number;
  failed: boolean;
  status: number;
  /** Origin latency; absent or null: none. */
  ms?: number | null;
}

function observeAll(obs: readonly Obs[]): { sums: UserSums; seen: SeenUsers } {
  const sums = emptyUserSums();
  const seen = emptySeenUsers();
  for (const o of obs)
    observeUser(sums, seen, userHashOf(`u${o.user}`), o.failed, o.status, o.ms ?? null);
  return { sums, seen };
}

const plainJson = (x: unknown) => JSON.parse(JSON.stringify(x));

describe("merge", () => {
  const obs = fc.record({
    user: fc.integer({ min: 0, max: 500 }),
    failed: fc.boolean(),
    status: fc.constantFrom(0, 200, 204, 301, 302, 304, 400, 404, 429, 500, 503),
    ms: fc.option(fc.double({ min: 0, max: 2e6, noNaN: true }), { nil: null }),
  });

  it("is exact: the parts of any split, merged in any order, equal one observer's", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(obs, { maxLength: 60 }), { minLength: 1, maxLength: 6 }),
        fc.infiniteStream(fc.nat()),
        (parts, picks) => {
          const whole = observeAll(parts.flat());
          const each = parts.map(observeAll);
          // A random order of the parts (isolates' check-ins arrive in any order).
          const order = [...each];
          for (let i = order.length - 1; i > 0; i--) {
            const j = (picks.next().value as number) % (i + 1);
            [order[i], order[j]] = [order[j] as (typeof order)[0], order[i] as (typeof order)[0]];
          }
          let sums = emptyUserSums();
          let seen = emptySeenUsers();
          for (const p of order) {
            sums = mergeUserSums(sums, p.sums);
            seen = mergeSeenUsers(seen, p.seen);
          }
          expect(sums).toEqual(whole.sums);
          expect(plainJson(seen)).toEqual(plainJson(whole.seen));
          // Associative too: a tree of merges (an aggregator between) gives the same.
          const half = Math.floor(each.length / 2);
          const left = each
            .slice(0, half)
            .reduce((a, p) => mergeUserSums(a, p.sums), emptyUserSums());
          const right = each
            .slice(half)
            .reduce((a, p) => mergeUserSums(a, p.sums), emptyUserSums());
          expect(mergeUserSums(right, left)).toEqual(whole.sums);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("in place (addUserSums, addSeenUsers) gives what merge returns, `from` unchanged", () => {
    fc.assert(
      fc.property(fc.array(obs, { maxLength: 80 }), fc.array(obs, { maxLength: 80 }), (x, y) => {
        const a = observeAll(x);
        const b = observeAll(y);
        const merged = {
          sums: mergeUserSums(a.sums, b.sums),
          seen: mergeSeenUsers(a.seen, b.seen),
        };
        const before = plainJson(b);
        addUserSums(a.sums, b.sums);
        addSeenUsers(a.seen, b.seen);
        expect(a.sums).toEqual(merged.sums);
        expect(plainJson(a.seen)).toEqual(plainJson(merged.seen));
        expect(plainJson(b)).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it("leaves its inputs as they were", () => {
    const a = observeAll([{ user: 1, failed: false, status: 200 }]);
    const b = observeAll([{ user: 2, failed: true, status: 500 }]);
    const before = plainJson([a, b]);
    mergeUserSums(a.sums, b.sums);
    mergeSeenUsers(a.seen, b.seen);
    expect(plainJson([a, b])).toEqual(before);
  });

  it("sorts each request into one outcome: error, redirect, 4xx or none", () => {
    const { sums } = observeAll([
      { user: 1, failed: true, status: 503 },
      { user: 1, failed: true, status: 0 },
      { user: 1, failed: false, status: 302 },
      { user: 1, failed: false, status: 404 },
      { user: 1, failed: false, status: 200 },
    ]);
    expect([sums.requests, sums.errors, sums.redirects, sums.clientErrors].map(total)).toEqual([
      5, 2, 1, 1,
    ]);
  });
});

describe("distinct users (linear counting over the bitmap)", () => {
  for (const n of [1_000, 20_000]) {
    for (const seed of [1, 2, 3, 4, 5]) {
      it(`${n.toLocaleString("en")} random ids (seed ${seed}): within 1 % of the truth`, () => {
        const seen = emptySeenUsers();
        const sums = emptyUserSums();
        for (const id of randomIds(n, seed)) observeUser(sums, seen, userHashOf(id), false, 200);
        const estimate = distinctUsers(seen);
        expect(estimate).not.toBeNull();
        expect(Math.abs((estimate as number) - n)).toBeLessThanOrEqual(n * 0.01);
        expect(total(sums.requests)).toBe(n);
      });
    }
  }

  it("each id's requests counted any number of times: still the number of ids", () => {
    const ids = randomIds(2_000, 9);
    const seen = emptySeenUsers();
    const sums = emptyUserSums();
    for (let round = 0; round < 3; round++) {
      for (const id of ids) observeUser(sums, seen, userHashOf(id), false, 200);
    }
    const estimate = distinctUsers(seen) as number;
    expect(Math.abs(estimate - 2_000)).toBeLessThanOrEqual(20);
    expect(total(sums.requests)).toBe(6_000);
  });

  it("none: zero; a bitmap more than half full: null (no longer counted)", () => {
    expect(distinctUsers(emptySeenUsers())).toBe(0);
    const full = emptySeenUsers();
    for (let w = 0; w <= USER_WORDS / 2; w++) full[String(w)] = 0xffffffff;
    expect(distinctUsers(full)).toBeNull();
  });
});

describe("a heavy user", () => {
  it("10,000 requests under one id set one bit and move one bucket", () => {
    const heavy = userHashOf("heavy-user");
    const { sums, seen } = observeAll(
      Array.from({ length: 50 }, (_, i) => ({ user: i, failed: false, status: 200 })),
    );
    const before = { sums: plainJson(sums), bits: seenBits(seen), users: distinctUsers(seen) };
    for (let i = 0; i < 10_000; i++) observeUser(sums, seen, heavy, i % 10 === 0, 200);
    expect(seenBits(seen) - before.bits).toBeLessThanOrEqual(1);
    expect((distinctUsers(seen) as number) - (before.users as number)).toBeLessThanOrEqual(1);
    const moved = sums.requests
      .map((n, b) => ({ b, by: n - (before.sums.requests[b] as number) }))
      .filter((x) => x.by !== 0);
    expect(moved).toEqual([{ b: userBucketOf(heavy), by: 10_000 }]);
    expect(total(sums.errors)).toBe(1_000);
    // Alone: exactly one bit, one bucket.
    const alone = observeAll([]);
    for (let i = 0; i < 10_000; i++) observeUser(alone.sums, alone.seen, heavy, false, 200);
    expect(seenBits(alone.seen)).toBe(1);
    expect(distinctUsers(alone.seen)).toBe(1);
    expect(alone.sums.requests.filter((n) => n > 0)).toEqual([10_000]);
  });
});

describe("read from the wire or storage", () => {
  const some = observeAll(
    Array.from({ length: 300 }, (_, i) => ({
      user: i % 97,
      failed: i % 7 === 0,
      status: [200, 302, 404, 500][i % 4] as number,
    })),
  );

  it("a valid pair survives JSON unchanged", () => {
    expect(userSumsFrom(plainJson(some.sums))).toEqual(some.sums);
    expect(plainJson(seenUsersFrom(plainJson(some.seen)))).toEqual(plainJson(some.seen));
    expect(seenBits(seenUsersFrom(plainJson(some.seen)))).toBe(seenBits(some.seen));
  });

  it("latency sums: kept when they fit their requests, else none (the counts kept)", () => {
    const timedSome = observeAll(
      Array.from({ length: 300 }, (_, i) => ({
        user: i % 97,
        failed: false,
        status: 200,
        ms: 50 * (1 + (i % 13)),
      })),
    );
    expect(total(timedSome.sums.timed)).toBe(300);
    expect(userSumsFrom(plainJson(timedSome.sums))).toEqual(timedSome.sums);
    const b = timedSome.sums.requests.findIndex((n) => n > 0);
    const broken = (edit: (u: UserSums) => void) => {
      const u = plainJson(timedSome.sums) as UserSums;
      edit(u);
      const back = userSumsFrom(u);
      expect(back.requests).toEqual(timedSome.sums.requests);
      expect(total(back.timed)).toBe(0);
    };
    broken((u) => {
      u.timed[b] = (u.requests[b] ?? 0) + 1; // more timed than requests
    });
    broken((u) => {
      u.logMs[b] = 0.5; // not an integer (a merge would not be exact)
    });
    broken((u) => {
      u.logMsSq[b] = (u.timed[b] ?? 0) * 1400 * 1400 + 1; // beyond any clamped latency
    });
    broken((u) => {
      u.logMs[b] = -(u.timed[b] ?? 0) * 1400 - 1;
    });
    broken((u) => {
      (u as Partial<UserSums>).logMsSq = undefined; // an earlier release's
    });
  });

  it("absent (an isolate of an earlier release) reads as empty", () => {
    expect(userSumsFrom(undefined)).toEqual(emptyUserSums());
    expect(seenUsersFrom(undefined)).toEqual(emptySeenUsers());
  });

  const valid = () => plainJson(some.sums) as UserSums;
  const SUMS: { why: string; value: () => unknown; max?: number }[] = [
    { why: "null", value: () => null },
    { why: "an array", value: () => [] },
    { why: "a string", value: () => JSON.stringify(some.sums) },
    { why: "an array missing", value: () => ({ ...valid(), redirects: undefined }) },
    {
      why: "a short array",
      value: () => ({ ...valid(), requests: valid().requests.slice(1) }),
    },
    {
      why: "a long array",
      value: () => ({ ...valid(), errors: [...valid().errors, 0] }),
    },
    ...[-1, 1.5, Number.NaN, "3", null, 2 ** 53].map((bad) => ({
      why: `a count of ${JSON.stringify(bad) ?? String(bad)}`,
      value: () => {
        const v = valid();
        v.clientErrors[3] = bad as number;
        return v;
      },
    })),
    {
      why: "more errors than requests in a bucket",
      value: () => {
        const v = valid();
        v.errors[5] = (v.requests[5] as number) + 1;
        return v;
      },
    },
    { why: "more user requests than the arm's requests", value: valid, max: 299 },
  ];
  for (const c of SUMS) {
    it(`sums: ${c.why} -> empty, no throw`, () => {
      expect(userSumsFrom(c.value(), c.max)).toEqual(emptyUserSums());
    });
  }
  it("sums: exactly the arm's requests is fine", () => {
    expect(userSumsFrom(valid(), 300)).toEqual(some.sums);
  });

  const WORDS: { why: string; value: Record<string, unknown>; kept: Record<string, number> }[] = [
    { why: "a valid word", value: { "7": 5 }, kept: { "7": 5 } },
    { why: "the last word, all bits", value: { "2047": 0xffffffff }, kept: { "2047": 0xffffffff } },
    { why: "a word index past the bitmap", value: { "2048": 1, "3": 1 }, kept: { "3": 1 } },
    { why: "a negative index", value: { "-1": 1 }, kept: {} },
    { why: "a non-canonical index", value: { "07": 1, "1e1": 1, " 1": 1 }, kept: {} },
    { why: "a name, not an index", value: { constructor: 1, toString: 1 }, kept: {} },
    { why: "a value above 32 bits", value: { "1": 2 ** 32 }, kept: {} },
    { why: "a negative value", value: { "1": -1 }, kept: {} },
    { why: "a fraction", value: { "1": 0.5 }, kept: {} },
    { why: "a string value", value: { "1": "1" }, kept: {} },
    { why: "a zero word (sparse: left out)", value: { "1": 0 }, kept: {} },
  ];
  for (const c of WORDS) {
    it(`seen: ${c.why} -> ${JSON.stringify(c.kept)}`, () => {
      const parsed = JSON.parse(JSON.stringify(c.value));
      expect(plainJson(seenUsersFrom(parsed))).toEqual(c.kept);
      // The result is prototype-free whatever came in.
      expect(Object.getPrototypeOf(seenUsersFrom(parsed))).toBeNull();
    });
  }
  it("seen: a JSON __proto__ key is dropped, not followed", () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": 1}, "2": 3}');
    const seen = seenUsersFrom(parsed);
    expect(plainJson(seen)).toEqual({ "2": 3 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it("seen: more keys than the bitmap has words is no bitmap (bounded work)", () => {
    const huge: Record<string, number> = {};
    for (let i = 0; i <= USER_WORDS; i++) huge[`k${i}`] = 1;
    huge["1"] = 1;
    expect(plainJson(seenUsersFrom(huge))).toEqual({});
    expect(plainJson(seenUsersFrom([1, 2, 3]))).toEqual({});
    expect(plainJson(seenUsersFrom("{}"))).toEqual({});
  });
  it("the bucket count is a power of two the hash's low bits index", () => {
    expect(USER_BUCKETS & (USER_BUCKETS - 1)).toBe(0);
    expect(userBucketOf(0xffffffff)).toBe(USER_BUCKETS - 1);
  });
});
