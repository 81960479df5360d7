import { describe, expect, it } from "vitest";
import { bucketOf } from "../../src/core/routing/bucket.ts";
import { type Decision, decide, type RoutingRules } from "../../src/core/routing/decide.ts";
import assignment from "../vectors/assignment.json" with { type: "json" };

const N = 100_000;
const ids = Array.from({ length: N }, (_, i) => `u${i}`);
const tolerance = (n: number, p: number) => 5 * Math.sqrt(n * p * (1 - p)) + 1;

const rules = (over: Partial<RoutingRules> = {}): RoutingRules => ({
  live: "blue",
  canary: undefined,
  challengers: [],
  challengerSalt: undefined,
  ...over,
});
const canary = (shareBp: number, extra: { salt?: string; killed?: boolean } = {}) => ({
  origin: "canary",
  shareBp,
  salt: extra.salt ?? "c-salt",
  killed: extra.killed ?? false,
});

const inCanary = (r: RoutingRules) =>
  new Set(ids.filter((id) => decide(r, { userId: id }).origin === "canary"));

describe("canary", () => {
  it("0% never and 100% always", () => {
    expect(inCanary(rules({ canary: canary(0) })).size).toBe(0);
    expect(inCanary(rules({ canary: canary(10_000) })).size).toBe(N);
  });

  for (const shareBp of [1, 50, 100, 500, 1000, 2500]) {
    it(`share ${shareBp} bp routes its share within 5 sigma`, () => {
      const p = shareBp / 10_000;
      expect(
        Math.abs(inCanary(rules({ canary: canary(shareBp) })).size - N * p),
      ).toBeLessThanOrEqual(tolerance(N, p));
    });
  }

  it("ramping 1% -> 5% -> 10% -> 50% keeps every earlier canary user in the canary", () => {
    let previous = new Set<string>();
    for (const shareBp of [100, 500, 1000, 5000]) {
      const now = inCanary(rules({ canary: canary(shareBp) }));
      for (const id of previous) expect(now.has(id)).toBe(true);
      expect(now.size).toBeGreaterThan(previous.size);
      previous = now;
    }
  });

  it("killed sends everyone to live", () => {
    expect(inCanary(rules({ canary: canary(5000, { killed: true }) })).size).toBe(0);
  });

  it("uses the canary salt, so two rollouts pick different users", () => {
    const a = inCanary(rules({ canary: canary(1000, { salt: "rollout-1" }) }));
    const b = inCanary(rules({ canary: canary(1000, { salt: "rollout-2" }) }));
    const overlap = [...a].filter((id) => b.has(id)).length;
    expect(Math.abs(overlap - N * 0.01)).toBeLessThanOrEqual(tolerance(N, 0.01));
  });
});

describe("identity", () => {
  it("no user id goes to live and says why, without hashing", () => {
    const d = decide(rules({ canary: canary(10_000) }), { userId: null });
    expect(d).toEqual({ origin: "blue", role: "live", reason: "no-identity", bucket: null });
    expect(decide(rules({ canary: canary(10_000) }), { userId: "" }).reason).toBe("no-identity");
  });

  it("an authenticated override wins over every arm", () => {
    const d = decide(rules({ canary: canary(10_000) }), { userId: "u1", override: "green" });
    expect(d).toEqual({ origin: "green", role: "override", reason: "override", bucket: null });
  });
});

/** A bucket pinned in test/vectors/assignment.json (the vectors Node and workerd both run). */
const pinned = (salt: string, id: string): number => {
  const c = assignment.cases.find((x) => x.salt === salt && x.id === id);
  if (!c) throw new Error(`no assignment vector for ${salt}:${id}`);
  return c.bucket;
};

describe("pinned decisions: the same user gets the same arm on every runtime and release", () => {
  const CANARY_SALT = "fraud-canary-2026-11-26";
  const CHALLENGER_SALT = "fraud-challengers-2026";
  const a = { origin: "challenger-a", startBp: 3900, shareBp: 100 };
  const b = { origin: "challenger-b", startBp: 3700, shareBp: 100 };
  const at = (shareBp: number) => canary(shareBp, { salt: CANARY_SALT });
  const both = rules({ canary: at(2000), challengerSalt: CHALLENGER_SALT, challengers: [a, b] });
  const onlyA = rules({ canary: at(2000), challengerSalt: CHALLENGER_SALT, challengers: [a] });
  const cases: [string, RoutingRules, string, Decision][] = [
    // Canary buckets: user-000001 1764, alice 8827, bob 6875; challenger buckets: alice 3967, bob 3788.
    [
      "canary 20%",
      both,
      "user-000001",
      {
        origin: "canary",
        role: "canary",
        reason: "canary",
        bucket: pinned(CANARY_SALT, "user-000001"),
      },
    ],
    [
      "canary 20%, a at [3900, 4000)",
      both,
      "alice",
      {
        origin: "challenger-a",
        role: "challenger",
        reason: "challenger",
        bucket: pinned(CHALLENGER_SALT, "alice"),
      },
    ],
    [
      "canary 20%, b at [3700, 3800)",
      both,
      "bob",
      {
        origin: "challenger-b",
        role: "challenger",
        reason: "challenger",
        bucket: pinned(CHALLENGER_SALT, "bob"),
      },
    ],
    // Live after a canary miss reports the canary's bucket, not the challengers'.
    [
      "canary 20%, a only",
      onlyA,
      "bob",
      { origin: "blue", role: "live", reason: "live", bucket: pinned(CANARY_SALT, "bob") },
    ],
    [
      "no canary, a only",
      rules({ challengerSalt: CHALLENGER_SALT, challengers: [a] }),
      "bob",
      { origin: "blue", role: "live", reason: "live", bucket: pinned(CHALLENGER_SALT, "bob") },
    ],
    // The canary range is half-open: bucket 1764 is in at 1765 bp, out at 1764 bp.
    [
      "canary 17.65%",
      rules({ canary: at(1765) }),
      "user-000001",
      { origin: "canary", role: "canary", reason: "canary", bucket: 1764 },
    ],
    [
      "canary 17.64%",
      rules({ canary: at(1764) }),
      "user-000001",
      { origin: "blue", role: "live", reason: "live", bucket: 1764 },
    ],
  ];
  for (const [name, r, userId, expected] of cases) {
    it(`${name}: ${userId} -> ${expected.origin} (bucket ${expected.bucket})`, () => {
      expect(decide(r, { userId })).toEqual(expected);
    });
  }
});

describe("champion-challenger", () => {
  const challengers = [
    { origin: "challenger-a", startBp: 0, shareBp: 1000 },
    { origin: "challenger-b", startBp: 1000, shareBp: 500 },
  ];
  const r = rules({ challengers, challengerSalt: "cc", canary: canary(1000) });
  const arms = new Map(ids.map((id) => [id, decide(r, { userId: id })]));

  it("puts every user in exactly one arm, and the reported bucket decides it", () => {
    for (const [id, d] of arms) {
      if (d.role === "challenger") {
        const b = bucketOf("cc", id);
        const c = challengers.find((x) => x.origin === d.origin);
        expect(c && b >= c.startBp && b < c.startBp + c.shareBp).toBe(true);
        expect(d.bucket).toBe(b);
      }
      if (d.role === "canary") expect(bucketOf("c-salt", id)).toBeLessThan(1000);
    }
  });

  it("gives each arm its share (challengers take theirs from the non-canary users)", () => {
    const count = (origin: string) => [...arms.values()].filter((d) => d.origin === origin).length;
    const expected = {
      canary: 0.1,
      "challenger-a": 0.9 * 0.1,
      "challenger-b": 0.9 * 0.05,
      blue: 0.9 * 0.85,
    };
    for (const [origin, p] of Object.entries(expected)) {
      expect(Math.abs(count(origin) - N * p), origin).toBeLessThanOrEqual(tolerance(N, p));
    }
  });

  it("a challenger's users do not move when another arm's share changes", () => {
    const wider = rules({
      challengers: [
        challengers[0] as (typeof challengers)[0],
        { origin: "challenger-b", startBp: 1000, shareBp: 3000 },
      ],
      challengerSalt: "cc",
      canary: canary(1000),
    });
    for (const id of ids.slice(0, 20_000)) {
      const before = arms.get(id);
      if (before?.origin === "challenger-a")
        expect(decide(wider, { userId: id }).origin).toBe("challenger-a");
    }
  });

  it("a challenger with share 0 gets nobody", () => {
    const none = rules({
      challengers: [{ origin: "challenger-a", startBp: 0, shareBp: 0 }],
      challengerSalt: "cc",
    });
    expect(ids.slice(0, 10_000).some((id) => decide(none, { userId: id }).origin !== "blue")).toBe(
      false,
    );
  });
});
