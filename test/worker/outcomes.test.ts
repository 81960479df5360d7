/**
 * Assignment receipts and outcome ingestion, end to end in workerd: real
 * routed responses carry `x-router-assignment`; POST /_router/outcomes
 * verifies each receipt and the service's real control object counts each
 * receipt once per metric, per arm, revision and user bucket. Forged,
 * expired, malformed, replayed, oversized and hostile inputs are refused
 * per item or per batch, and never move the sums.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hmacReceipts } from "../../src/adapters/crypto/hmac-receipts.ts";
import {
  base64url,
  fromBase64url,
  macInput,
  type Receipt,
  receiptPayload,
} from "../../src/core/outcomes/receipt.ts";
import { revisionOf } from "../../src/core/rollout/request-metrics.ts";
import { makeDoc, predict, putDoc, users } from "./support.ts";

const TOKEN = env.OUTCOMES_TOKEN;
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

function postOutcomes(body: unknown, token: string | null = TOKEN, raw?: BodyInit) {
  return SELF.fetch("http://router.test/_router/outcomes", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: raw ?? JSON.stringify(body),
  });
}

async function sums(service: string): Promise<Json> {
  const res = await SELF.fetch(`http://router.test/_router/admin/services/${service}/outcomes`, {
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as Json).revisions;
}

/** Routed answers for `ids`: each one's receipt and the variant that answered. */
async function served(service: string, ids: string[]) {
  const out: { user: string; receipt: string; variant: string }[] = [];
  for (const user of ids) {
    const res = await predict(service, { user });
    await res.arrayBuffer();
    out.push({
      user,
      receipt: res.headers.get("x-router-assignment") ?? "",
      variant: res.headers.get("x-model-variant") ?? "",
    });
  }
  return out;
}

const decode = (receipt: string) => JSON.parse(fromBase64url(receipt.split(".")[0] ?? ""));

/** A receipt signed with the test's RECEIPT_SECRET (what only the router can make). */
async function signed(r: Receipt): Promise<string> {
  const signer = hmacReceipts(env.RECEIPT_SECRET);
  if (!signer) throw new Error("no RECEIPT_SECRET in the test bindings");
  const payload = receiptPayload(r);
  return `${payload}.${await signer.mac(macInput(payload))}`;
}

describe("receipts on routed answers", () => {
  it("an identified answer carries a signed receipt naming its service, arm, revision and bucket", async () => {
    const doc = makeDoc("oc-receipt", {
      canary: { origin: "canary", shareBp: 5000, salt: "oc-salt" },
    });
    await putDoc(doc);
    const answers = await served("oc-receipt", users(20, "oc-r"));
    const ids = new Set<string>();
    for (const a of answers) {
      expect(a.receipt).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      const p = decode(a.receipt);
      expect(p).toMatchObject({ s: "oc-receipt", a: a.variant, r: revisionOf(doc) });
      expect(p.b).toBeGreaterThanOrEqual(0);
      expect(p.b).toBeLessThan(64);
      expect(Math.abs(p.t - Date.now() / 1000)).toBeLessThan(60);
      ids.add(p.i);
    }
    expect(ids.size).toBe(answers.length);
    expect(new Set(answers.map((a) => a.variant))).toEqual(new Set(["blue", "canary"]));
    // The user's id is not in the receipt (only its bucket).
    expect(fromBase64url(answers[0]?.receipt.split(".")[0] ?? "")).not.toContain("oc-r-0");
  });

  it("no receipt without an id, nor for an authenticated override", async () => {
    await putDoc(makeDoc("oc-none"));
    const anonymous = await predict("oc-none");
    await anonymous.arrayBuffer();
    expect(anonymous.headers.get("x-router-assignment")).toBeNull();
    const override = await predict("oc-none", {
      user: "u",
      headers: { "x-router-override": "green", "x-router-override-token": env.OVERRIDE_TOKEN },
    });
    await override.arrayBuffer();
    expect(override.headers.get("x-model-variant")).toBe("green");
    expect(override.headers.get("x-router-assignment")).toBeNull();
  });
});

describe("an origin's own x-router-assignment", () => {
  it("never reaches the client: dropped, or replaced by the router's receipt", async () => {
    await putDoc(makeDoc("oc-origin"));
    const forged = "eyJzIjoib2Mtb3JpZ2luIn0.AAAAAAAAAAAAAAAAAAAAAA";
    const path = `/oc-origin/links?x-router-assignment=${forged}`;
    const anonymous = await SELF.fetch(`http://router.test${path}`);
    await anonymous.arrayBuffer();
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get("x-router-assignment")).toBeNull();
    const identified = await SELF.fetch(`http://router.test${path}`, {
      headers: { "x-user-id": "oc-origin-u" },
    });
    await identified.arrayBuffer();
    const receipt = identified.headers.get("x-router-assignment") ?? "";
    expect(receipt).not.toBe(forged);
    expect(decode(receipt)).toMatchObject({ s: "oc-origin", a: "blue" });
  });
});

describe("POST /_router/outcomes", () => {
  it("counts each receipt once per metric, for the arm that answered; a replay changes nothing", async () => {
    const doc = makeDoc("oc-count", {
      canary: { origin: "canary", shareBp: 5000, salt: "oc-count-salt" },
    });
    await putDoc(doc);
    const answers = await served("oc-count", users(40, "oc-c"));
    // Canary users convert, live users do not; every answer gets a score too.
    const batch = answers.flatMap((a, i) => [
      { receipt: a.receipt, metric: "converted", value: a.variant === "canary" },
      { receipt: a.receipt, metric: "score", value: i / 10 },
    ]);
    const res = await postOutcomes({ outcomes: batch });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Json;
    expect(answer).toMatchObject({
      accepted: batch.length,
      duplicate: 0,
      refused: 0,
      unavailable: 0,
    });
    expect(answer.results.every((r: Json) => r.status === "accepted")).toBe(true);

    const canary = answers.filter((a) => a.variant === "canary");
    const live = answers.filter((a) => a.variant === "blue");
    const expected = (arm: typeof answers) => ({
      converted: { n: arm.length, sum: arm === canary ? arm.length : 0 },
      score: {
        n: arm.length,
        sum: arm.reduce((s, a) => s + answers.indexOf(a) / 10, 0),
      },
    });
    const check = async () => {
      const byArm = (await sums("oc-count"))[revisionOf(doc)];
      expect(byArm.canary.converted).toMatchObject(expected(canary).converted);
      expect(byArm.blue.converted).toMatchObject(expected(live).converted);
      expect(byArm.canary.score.n).toBe(canary.length);
      expect(byArm.canary.score.sum).toBeCloseTo(expected(canary).score.sum, 9);
      expect(byArm.blue.score.sum).toBeCloseTo(expected(live).score.sum, 9);
    };
    await check();

    const again = (await (await postOutcomes({ outcomes: batch })).json()) as Json;
    expect(again).toMatchObject({ accepted: 0, duplicate: batch.length, refused: 0 });
    await check();
  });

  it("refuses forged, expired, future and malformed receipts, bad metrics and values, per item", async () => {
    const doc = makeDoc("oc-refuse");
    await putDoc(doc);
    const [good] = await served("oc-refuse", ["oc-refuse-u"]);
    const receipt = good?.receipt ?? "";
    const [payload, mac] = receipt.split(".");
    const claims = decode(receipt);
    // The same MAC on a payload that claims another arm.
    const otherArm = `${base64url(JSON.stringify({ ...claims, a: "canary" }))}.${mac}`;
    const base: Receipt = {
      service: "oc-refuse",
      arm: "blue",
      revision: revisionOf(doc),
      bucket: 3,
      issuedAt: Math.floor(Date.now() / 1000),
      id: "0123456789abcdef0123456789abcdef",
    };
    const expired = await signed({
      ...base,
      issuedAt: Math.floor(Date.now() / 1000) - 8 * 86_400,
      id: "1".repeat(32),
    });
    const future = await signed({
      ...base,
      issuedAt: Math.floor(Date.now() / 1000) + 3_600,
      id: "2".repeat(32),
    });
    const items = [
      { receipt, metric: "converted", value: 1 },
      { receipt: otherArm, metric: "converted", value: 1 },
      { receipt: `${payload}.${"A".repeat(22)}`, metric: "converted", value: 1 },
      { receipt: expired, metric: "converted", value: 1 },
      { receipt: future, metric: "converted", value: 1 },
      { receipt: "not-a-receipt", metric: "converted", value: 1 },
      { receipt: "x".repeat(600), metric: "converted", value: 1 },
      { receipt, metric: "__proto__", value: 1 },
      { receipt, metric: "Converted", value: 1 },
      { receipt, metric: "converted", value: "1" },
      { receipt, metric: "converted", value: 1e13 },
      { receipt, metric: "converted", value: null },
      "not an object",
      { receipt, metric: "constructor", value: 2 },
    ];
    const answer = (await (await postOutcomes({ outcomes: items })).json()) as Json;
    expect(answer.results.map((r: Json) => r.reason ?? r.status)).toEqual([
      "accepted",
      "forged",
      "forged",
      "expired",
      "future",
      "malformed",
      "malformed",
      "bad_metric",
      "bad_metric",
      "bad_value",
      "bad_value",
      "bad_value",
      "malformed",
      "accepted",
    ]);
    expect(answer).toMatchObject({ accepted: 2, refused: 12, duplicate: 0 });
    expect(answer.results[3].message).toContain("more than 7 days ago");
    const byArm = (await sums("oc-refuse"))[revisionOf(doc)];
    expect(Object.keys(byArm)).toEqual(["blue"]);
    expect(byArm.blue.converted).toMatchObject({ n: 1, sum: 1 });
    expect(byArm.blue.constructor).toMatchObject({ n: 1, sum: 2 });
  });

  it("keeps at most 32 metrics per service; the 33rd is refused, the known ones still count", async () => {
    await putDoc(makeDoc("oc-metrics"));
    const [a] = await served("oc-metrics", ["oc-m"]);
    const receipt = a?.receipt ?? "";
    const outcomes = Array.from({ length: 33 }, (_, i) => ({
      receipt,
      metric: `m${i}`,
      value: 1,
    }));
    const answer = (await (await postOutcomes({ outcomes })).json()) as Json;
    expect(answer.accepted).toBe(32);
    expect(answer.results[32]).toMatchObject({ status: "refused", reason: "too_many_metrics" });
    const [b] = await served("oc-metrics", ["oc-m2"]);
    const later = (await (
      await postOutcomes({
        outcomes: [
          { receipt: b?.receipt, metric: "m0", value: 1 },
          { receipt: b?.receipt, metric: "m99", value: 1 },
        ],
      })
    ).json()) as Json;
    expect(later.results.map((r: Json) => r.reason ?? r.status)).toEqual([
      "accepted",
      "too_many_metrics",
    ]);
  });

  it("refuses whole batches that are not one: shape, size, JSON, depth, bytes (declared or chunked)", async () => {
    await putDoc(makeDoc("oc-batch"));
    const [a] = await served("oc-batch", ["oc-b"]);
    const one = { receipt: a?.receipt, metric: "converted", value: 1 };
    const cases: [unknown, number, string][] = [
      [{}, 400, "invalid_outcomes"],
      [{ outcomes: [] }, 400, "invalid_outcomes"],
      [{ outcomes: {} }, 400, "invalid_outcomes"],
      [[one], 400, "invalid_outcomes"],
      [{ outcomes: Array.from({ length: 1001 }, () => one) }, 400, "invalid_outcomes"],
    ];
    for (const [body, status, error] of cases) {
      const res = await postOutcomes(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(((await res.json()) as Json).error).toBe(error);
    }
    const notJson = await postOutcomes(null, TOKEN, "{outcomes:");
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as Json).error).toBe("invalid_json");
    const deep = await postOutcomes(null, TOKEN, `${"[".repeat(100)}${"]".repeat(100)}`);
    expect(((await deep.json()) as Json).error).toBe("body_too_deep");
    const big = JSON.stringify({ outcomes: [{ ...one, pad: "x".repeat(600_000) }] });
    const declared = await postOutcomes(null, TOKEN, big);
    expect(declared.status).toBe(413);
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++)
          controller.enqueue(new TextEncoder().encode("x".repeat(65_536)));
        controller.close();
      },
    });
    const chunked = await SELF.fetch("http://router.test/_router/outcomes", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // Nothing of the refused batches counted.
    expect(await sums("oc-batch")).toEqual({});
  });

  it("needs OUTCOMES_TOKEN: 401 without a token, 403 with a wrong one or the admin token", async () => {
    const none = await postOutcomes({ outcomes: [] }, null);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    for (const wrong of ["wrong-token", env.ADMIN_TOKEN]) {
      const res = await postOutcomes({ outcomes: [] }, wrong, undefined);
      expect(res.status).toBe(403);
      expect(((await res.json()) as Json).error).toBe("outcomes_forbidden");
    }
  });
});
