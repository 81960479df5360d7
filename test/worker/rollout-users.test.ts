/**
 * The user parts of a step's metrics, end to end: identified requests go
 * through the real worker (SELF) to the real local origins, the isolate's
 * check-in link carries them to the service's control object, and the
 * object's merged per-arm sums over user buckets and distinct-user bitmap
 * read back exactly what the requests were: by the decided arm (also when
 * it failed over), by the first attempt's status (2xx, 3xx, 4xx, 5xx), one
 * bit per user however many requests, nothing for anonymous requests.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { VersionMetrics } from "../../src/core/rollout/request-metrics.ts";
import {
  distinctUsers,
  emptySeenUsers,
  emptyUserSums,
  observeUser,
  type SeenUsers,
  seenBits,
  total,
  type UserSums,
  userHashOf,
} from "../../src/core/rollout/user-sums.ts";
import { decide } from "../../src/core/routing/decide.ts";
import type { RoutingDocument } from "../../src/document/routing-document.ts";
import { validateRoutingDocument } from "../../src/document/validate.ts";
import { controlMetrics, makeDoc, putDoc } from "./support.ts";

function valid(service: string, over = {}): RoutingDocument {
  const parsed = validateRoutingDocument(makeDoc(service, over));
  if (!parsed.ok) throw new Error("test document invalid");
  return parsed.doc;
}

/** The origin endpoint that answers `status` (the test origins' /links echoes a status). */
const PATHS: { path: string; status: number }[] = [
  { path: "predict", status: 200 },
  { path: "links?status=302", status: 302 },
  { path: "links?status=404", status: 404 },
  { path: "links?status=503", status: 503 },
];

async function send(service: string, path: string, user: string | null): Promise<Response> {
  const post = path === "predict";
  const res = await SELF.fetch(`http://router.test/${service}/${path}`, {
    method: post ? "POST" : "GET",
    headers: {
      ...(post ? { "content-type": "application/json" } : {}),
      ...(user === null ? {} : { "x-user-id": user }),
    },
    ...(post ? { body: JSON.stringify({ features: { amount: 1 } }) } : {}),
    redirect: "manual",
  });
  await res.arrayBuffer();
  return res;
}

interface Expected {
  requests: number;
  users: UserSums;
  seen: SeenUsers;
  ids: Set<string>;
}

const expectedArm = (): Expected => ({
  requests: 0,
  users: emptyUserSums(),
  seen: emptySeenUsers(),
  ids: new Set(),
});

/** The object's metrics once it holds `n` requests (check-ins run in the background). */
async function metricsWith(doc: RoutingDocument, n: number): Promise<VersionMetrics> {
  let m = await controlMetrics(doc);
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    if (Object.values(m.arms).reduce((a, arm) => a + arm.requests, 0) >= n) return m;
    await new Promise((r) => setTimeout(r, 50));
    m = await controlMetrics(doc);
  }
  return m;
}

const json = (x: unknown) => JSON.parse(JSON.stringify(x));

/** The counted parts of user sums; the latency sums are checked on their own (latency is not known in advance). */
const counted = (u: UserSums | undefined) =>
  u && {
    requests: u.requests,
    errors: u.errors,
    redirects: u.redirects,
    clientErrors: u.clientErrors,
  };

/** Every request here got an answer: each has a latency, in its user's bucket. */
function expectTimed(u: UserSums | undefined, name: string): void {
  expect(u?.timed, name).toEqual(u?.requests);
  for (const [b, n] of (u?.timed ?? []).entries()) {
    // ln(ms) in hundredths, each within +-1400 (clamped): the sums fit their requests.
    expect(Math.abs(u?.logMs[b] ?? 0), name).toBeLessThanOrEqual(n * 1400);
    expect(Number.isSafeInteger(u?.logMsSq[b]), name).toBe(true);
  }
}

describe("per-arm user sums and distinct users, through the router to the control object", () => {
  it("are exactly the identified requests, by decided arm and first-attempt status", async () => {
    const doc = valid("users-e2e", { canary: { origin: "canary", shareBp: 4_000, salt: "ue" } });
    await putDoc(doc);
    const want: Record<string, Expected> = { blue: expectedArm(), canary: expectedArm() };
    let sent = 0;
    const identified = async (user: string, k: number) => {
      const { path, status } = PATHS[k % PATHS.length] as (typeof PATHS)[0];
      const res = await send(doc.service, path, user);
      expect(res.status).toBe(status);
      const arm = want[res.headers.get("x-model-variant") ?? ""];
      if (!arm) throw new Error(`unexpected variant ${res.headers.get("x-model-variant")}`);
      arm.requests += 1;
      arm.ids.add(user);
      observeUser(arm.users, arm.seen, userHashOf(user), status >= 500, status);
      sent += 1;
    };
    // 150 users, 1 to 4 requests each, every status; a heavy user with 80 (one bit, one bucket).
    for (let i = 0; i < 150; i++) {
      for (let k = 0; k < 1 + (i % 4); k++) await identified(`user-${i}`, i + k);
    }
    for (let k = 0; k < 80; k++) await identified("heavy", k);
    // Anonymous requests: live's, counted, no user.
    for (let k = 0; k < 12; k++) {
      const res = await send(doc.service, "predict", null);
      expect(res.headers.get("x-model-variant")).toBe("blue");
      (want.blue as Expected).requests += 1;
      sent += 1;
    }

    const m = await metricsWith(doc, sent);
    for (const name of ["blue", "canary"]) {
      const arm = m.arms[name];
      const w = want[name] as Expected;
      expect(arm?.requests, name).toBe(w.requests);
      expect(counted(arm?.users), name).toEqual(counted(w.users));
      expectTimed(arm?.users, name);
      expect(arm?.seen, name).toEqual(json(w.seen));
      // Linear counting: these few users are counted (near) exactly.
      expect(Math.abs((distinctUsers(arm?.seen ?? {}) as number) - w.ids.size)).toBeLessThanOrEqual(
        1,
      );
      expect(seenBits(arm?.seen ?? {})).toBeLessThanOrEqual(w.ids.size);
    }
    const canary = m.arms.canary as VersionMetrics["arms"][string];
    expect(canary.requests).toBeGreaterThan(0);
    // Every status class reached the sums (the canary's errors are its 503s).
    expect(
      [canary.users.errors, canary.users.redirects, canary.users.clientErrors].map(total),
    ).toEqual([
      total((want.canary as Expected).users.errors),
      total((want.canary as Expected).users.redirects),
      total((want.canary as Expected).users.clientErrors),
    ]);
    expect(total(canary.users.errors)).toBeGreaterThan(0);
    expect(total(canary.users.redirects)).toBeGreaterThan(0);
    expect(total(canary.users.clientErrors)).toBeGreaterThan(0);
    // Identified requests per arm are what the split counts per role.
    const userRequests = (a: string) => total(m.arms[a]?.users.requests ?? []);
    expect(userRequests("blue") + userRequests("canary")).toBe(sent - 12);
    expect(m.identified).toMatchObject({
      live: userRequests("blue"),
      canary: userRequests("canary"),
    });
  });

  it("count a failed-over request for the decided arm, as its first attempt's error", async () => {
    // Requests are safe to replay: a failing canary's requests are answered by live.
    const doc = valid("users-failover", {
      canary: { origin: "failing", shareBp: 5_000, salt: "uf" },
      retry: { safe: true },
    });
    await putDoc(doc);
    const want: Record<string, Expected> = { blue: expectedArm(), failing: expectedArm() };
    let failedOver = 0;
    for (let i = 0; i < 40; i++) {
      const user = `fo-${i}`;
      const res = await send(doc.service, "predict", user);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-model-variant")).toBe("blue");
      const decided = decide(doc, { userId: user, override: null }).origin;
      const arm = want[decided] as Expected;
      const status = decided === "failing" ? 500 : 200;
      if (decided === "failing") failedOver += 1;
      arm.requests += 1;
      arm.ids.add(user);
      observeUser(arm.users, arm.seen, userHashOf(user), status >= 500, status);
    }
    expect(failedOver).toBeGreaterThan(0);
    const m = await metricsWith(doc, 40);
    for (const name of ["blue", "failing"]) {
      expect(counted(m.arms[name]?.users), name).toEqual(counted((want[name] as Expected).users));
      expectTimed(m.arms[name]?.users, name);
      expect(m.arms[name]?.seen, name).toEqual(json((want[name] as Expected).seen));
    }
    expect(total(m.arms.failing?.users.errors ?? [])).toBe(failedOver);
    expect(total(m.arms.blue?.users.errors ?? [])).toBe(0);
  });
});
