/**
 * What shadow mode records: correct comparisons on known pairs, the sampled
 * share, the body cap, byte-identical bodies, and the AE points and the
 * service control object's merged summary and notable pairs that come out
 * of it (the object's KV mirror: shadow-control.test.ts).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { bucketOf } from "../../src/core/routing/bucket.ts";
import { predict as modelPredict } from "../support/stack/demo-model.ts";
import { testModels } from "../test-models.ts";
import {
  body,
  eventually,
  predictRouted,
  readRecords,
  readSummary,
  routed,
  shadowDoc,
  spyOnEvents,
} from "./shadow-support.ts";
import { putDoc } from "./support.ts";

afterEach(() => vi.restoreAllMocks());

const inputs = Array.from({ length: 40 }, (_, i) => ({ id: `tx-${i}`, amount: 10 + i * 37 }));
const model = (name: string) => {
  const m = testModels[name];
  if (!m) throw new Error(`no test model ${name}`);
  return m;
};
const expected = (shadowModel: string, amount: number) => {
  const input = JSON.parse(body("x", amount));
  return {
    prod: modelPredict(model("blue"), input),
    shadow: modelPredict(model(shadowModel), input),
  };
};

/** Sends every input concurrently and waits for all their shadows. */
async function sendAll(service: string, list = inputs, user = (i: number) => `u-${i}`) {
  const runs = await Promise.all(
    list.map((x, i) =>
      routed(`http://router.test/${service}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user-id": user(i) },
        body: body(x.id, x.amount),
      }),
    ),
  );
  for (const r of runs) expect(r.response.status).toBe(200);
  await Promise.all(runs.map(async (r) => r.response.arrayBuffer()));
  await Promise.all(runs.map((r) => r.settled()));
}

describe("agreement and delta on known pairs", () => {
  for (const shadow of ["twin", "green", "all-positive"] as const) {
    it(`blue vs ${shadow}: every pair matches the models' own predictions`, async () => {
      const events = spyOnEvents();
      const service = `known-${shadow}`;
      await putDoc(shadowDoc(service, { origin: shadow }));
      await sendAll(service);
      const points = events.points("shadow-pair");
      expect(points).toHaveLength(inputs.length);
      let disagreements = 0;
      for (const p of points) {
        const input = inputs.find((x) => x.id === p?.blobs?.[10]);
        if (!input) throw new Error(`no input for ${p?.blobs?.[10]}`);
        const { prod, shadow: sh } = expected(shadow, input.amount);
        const agree = prod.label === sh.label;
        if (!agree) disagreements++;
        expect(p?.blobs?.slice(2, 10)).toEqual([
          "blue",
          "live",
          shadow,
          agree ? "agree" : "disagree",
          "",
          "",
          prod.label,
          sh.label,
        ]);
        const [delta, absDelta, prodScore, shadowScore] = p?.doubles?.slice(5, 9) ?? [];
        expect(delta).toBeCloseTo(sh.score - prod.score, 12);
        expect(absDelta).toBeCloseTo(Math.abs(sh.score - prod.score), 12);
        expect([prodScore, shadowScore]).toEqual([prod.score, sh.score]);
        expect(p?.doubles?.[3]).toBe(agree ? 1 : 0);
      }
      if (shadow === "twin") expect(disagreements).toBe(0);
      if (shadow === "all-positive") expect(disagreements).toBeGreaterThan(5);

      // The control object's merged summary says the same, once the isolate checked in.
      const agreed = inputs.length - disagreements;
      await eventually(async () => {
        const s = await readSummary(service);
        expect(s).toMatchObject({ pairs: inputs.length, compared: inputs.length, errors: {} });
        expect(s?.agreementRate).toBeCloseTo(agreed / inputs.length, 12);
      });
    });
  }

  it("reads custom score and label fields", async () => {
    const events = spyOnEvents();
    await putDoc(
      shadowDoc("known-fields", {
        origin: "green",
        scoreField: "model_version",
        labelField: "input_id",
      }),
    );
    await predictRouted("known-fields", { user: "u", body: body("tx-77", 5) });
    const p = events.points("shadow-pair")[0];
    // model_version is not a number (no score); input_id labels agree.
    expect(p?.blobs?.slice(5, 10)).toEqual(["agree", "", "", "tx-77", "tx-77"]);
    expect(p?.doubles?.[4]).toBe(0);
  });
});

describe("sampling", () => {
  it("per request: 30% of requests are mirrored, within tolerance", async () => {
    const events = spyOnEvents();
    await putDoc(shadowDoc("share-req", { shareBp: 3000 }));
    const many = Array.from({ length: 400 }, (_, i) => ({ id: `s-${i}`, amount: i }));
    for (let i = 0; i < many.length; i += 100) {
      await sendAll("share-req", many.slice(i, i + 100), () => "same-user");
    }
    const mirrored = events.points("shadow-pair").length;
    // 400 draws at p = 0.3: mean 120, sd 9.2; +-35 is about 3.8 sd.
    expect(mirrored).toBeGreaterThanOrEqual(85);
    expect(mirrored).toBeLessThanOrEqual(155);
  });

  it("per user: exactly the users with bucketOf(salt, id) < shareBp", async () => {
    const events = spyOnEvents();
    const salt = "shadow-users";
    await putDoc(shadowDoc("share-user", { shareBp: 2500, sampling: "user", salt }));
    const user = (i: number) => `person-${i}`;
    await sendAll("share-user", inputs, user);
    const want = inputs.map((_, i) => user(i)).filter((u) => bucketOf(salt, u) < 2500);
    const points = events.points("shadow-pair");
    expect(points.map((p) => p?.doubles?.[2]).sort()).toEqual(
      want.map((u) => bucketOf(salt, u)).sort(),
    );
    expect(points.length).toBe(want.length);
  });

  it("only the configured methods and paths are mirrored", async () => {
    const events = spyOnEvents();
    await putDoc(shadowDoc("share-paths", {}));
    const calls = [
      ["GET", "/share-paths/health"],
      ["PUT", "/share-paths/predict"],
      ["DELETE", "/share-paths/predict"],
      ["POST", "/share-paths/echo"],
    ];
    for (const [method, path] of calls) {
      const r = await routed(`http://router.test${path}`, {
        method,
        headers: { "x-user-id": "u" },
        ...(method === "GET" ? {} : { body: "{}" }),
      });
      await r.response.arrayBuffer();
      await r.settled();
    }
    expect(events.points("shadow-pair")).toHaveLength(0);
  });
});

describe("request bodies", () => {
  const sha256 = async (text: string) =>
    [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");

  it("a POST body reaches both origins byte-identical (compared via the echo endpoint)", async () => {
    const events = spyOnEvents();
    // The echo answers carry sha256 and length of what each origin received.
    await putDoc(
      shadowDoc("bytes", {
        paths: ["/echo"],
        labelField: "body_sha256",
        scoreField: "body_length",
      }),
    );
    const payload = `{"id":"b-1","text":"h\u00e9llo \u{1F600}","pad":"${"x".repeat(5000)}"}`;
    const r = await routed("http://router.test/bytes/echo", {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": "u" },
      body: payload,
    });
    const echo = (await r.response.json()) as { body_sha256: string; headers: object };
    await r.settled();
    const digest = await sha256(payload);
    expect(echo.body_sha256).toBe(digest);
    const p = events.points("shadow-pair")[0];
    expect(p?.blobs?.slice(5, 10)).toEqual(["agree", "", "", digest, digest]);
    expect(p?.doubles?.slice(5, 7)).toEqual([0, 0]);
    expect(p?.doubles?.[13]).toBe(new TextEncoder().encode(payload).byteLength);
  });

  it("a body with a declared length reaches both origins with that Content-Length (teed, not re-framed as chunked)", async () => {
    const events = spyOnEvents();
    await putDoc(
      shadowDoc("framed", {
        paths: ["/echo"],
        labelField: "headers.content-length",
        scoreField: "body_length",
      }),
    );
    const payload = `{"id":"f-1","pad":"${"z".repeat(3000)}"}`;
    const r = await routed("http://router.test/framed/echo", {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": "u" },
      body: payload,
    });
    const echo = (await r.response.json()) as { headers: Record<string, string> };
    await r.settled();
    const length = String(new TextEncoder().encode(payload).byteLength);
    expect(echo.headers["content-length"]).toBe(length);
    expect(echo.headers["transfer-encoding"]).toBeUndefined();
    const p = events.points("shadow-pair")[0];
    expect(p?.blobs?.slice(8, 10)).toEqual([length, length]);
  });

  it("a canary request buffered for failover is mirrored too (the body read once serves both)", async () => {
    const events = spyOnEvents();
    await putDoc(
      shadowDoc(
        "buffered",
        { paths: ["/echo"], labelField: "body_sha256", scoreField: "body_length" },
        {
          canary: { origin: "canary", shareBp: 10_000, salt: "s" },
          retry: { safe: true },
        },
      ),
    );
    const payload = `{"id":"c-1","pad":"${"q".repeat(2000)}"}`;
    const r = await routed("http://router.test/buffered/echo", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-length": String(payload.length),
        "x-user-id": "u",
      },
      body: payload,
    });
    expect(r.response.status).toBe(200);
    expect(r.response.headers.get("x-model-variant")).toBe("canary");
    const echo = (await r.response.json()) as { body_sha256: string };
    await r.settled();
    const p = events.points("shadow-pair")[0];
    expect(p?.blobs?.slice(8, 10)).toEqual([echo.body_sha256, echo.body_sha256]);
  });

  it("the shadow request is marked x-router-shadow: 1; production never sees the mark", async () => {
    const events = spyOnEvents();
    await putDoc(
      shadowDoc("marked", {
        paths: ["/echo"],
        labelField: "headers.x-router-shadow",
        scoreField: "body_length",
      }),
    );
    const r = await routed("http://router.test/marked/echo", {
      method: "POST",
      headers: { "x-user-id": "u", "x-router-shadow": "1" },
      body: "{}",
    });
    const echo = (await r.response.json()) as { headers: Record<string, string> };
    await r.settled();
    expect(echo.headers["x-router-shadow"]).toBeUndefined();
    const p = events.points("shadow-pair")[0];
    expect(p?.blobs?.slice(8, 10)).toEqual(["", "1"]);
  });

  for (const streamed of [false, true]) {
    it(`a body over the cap is not mirrored and is counted (${streamed ? "no content-length" : "content-length"})`, async () => {
      const events = spyOnEvents();
      const service = `cap-${streamed ? "stream" : "length"}`;
      await putDoc(shadowDoc(service, { maxBodyBytes: 256 }));
      const big = body("big-1", 1).replace("}}", `,"pad":"${"y".repeat(1000)}"}}`);
      const small = body("small-1", 1);
      const bytes = new TextEncoder().encode(big);
      const send = async (text: string, asStream: boolean) => {
        const r = await routed(`http://router.test/${service}/predict`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-user-id": "u" },
          body: asStream
            ? new ReadableStream({
                start(c) {
                  c.enqueue(new TextEncoder().encode(text));
                  c.close();
                },
              })
            : text,
        });
        const prediction = (await r.response.json()) as { input_id: string };
        await r.settled();
        return prediction;
      };
      // Production still gets (and answers) the big body.
      expect((await send(big, streamed)).input_id).toBe("big-1");
      expect((await send(small, streamed)).input_id).toBe("small-1");
      expect(events.points("shadow-pair").map((p) => p?.blobs?.[10])).toEqual(["small-1"]);
      const [skip] = events.points("shadow-skip");
      expect(skip?.blobs).toEqual([
        "shadow-skip",
        service,
        "blue",
        "live",
        "twin",
        "body-too-large",
      ]);
      expect(skip?.doubles?.[2]).toBe(bytes.byteLength);
      await eventually(async () => {
        const s = await readSummary(service);
        expect(s).toMatchObject({ pairs: 1, skipped: { "body-too-large": 1 } });
      });
    });
  }
});

describe("the control object: the inspection log and the summary", () => {
  it("keeps disagreements and errors (not agreements) with their input ids", async () => {
    const service = "obj-log";
    await putDoc(shadowDoc(service, { origin: "all-positive" }));
    await sendAll(service);
    const disagreeing = inputs.filter(
      (x) => expected("all-positive", x.amount).prod.label !== "positive",
    );
    expect(disagreeing.length).toBeGreaterThan(5);
    const ids = new Set(disagreeing.map((x) => x.id));
    await eventually(async () => {
      const summary = await readSummary(service);
      expect(summary?.pairs).toBe(inputs.length);
      const records = await readRecords(service);
      // At most 20 records per check-in batch: any beyond that are counted, not kept.
      expect(records.length + (summary?.droppedRecords ?? 0)).toBe(disagreeing.length);
      const kept = records.map((r) => r.inputId);
      expect(new Set(kept).size).toBe(kept.length);
      expect(kept.every((id) => id !== null && ids.has(id))).toBe(true);
      for (const r of records) {
        expect(r).toMatchObject({
          service,
          production: "blue",
          shadow: "all-positive",
          agreement: "disagree",
          productionLabel: "negative",
          shadowLabel: "positive",
          productionStatus: 200,
          shadowStatus: 200,
          productionError: null,
          shadowError: null,
        });
      }
    });
  });

  it("an erroring shadow: every pair is a record or a dropped record, none twice", async () => {
    const service = "obj-cap";
    await putDoc(shadowDoc(service, { origin: "failing" }));
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `c-${i}`, amount: i }));
    await sendAll(service, many);
    await eventually(async () => {
      const s = await readSummary(service);
      expect(s?.errors).toEqual({ "shadow:http-status": 30 });
      const records = await readRecords(service);
      expect(records.length + (s?.droppedRecords ?? 0)).toBe(30);
      const kept = records.map((r) => r.inputId);
      expect(new Set(kept).size).toBe(kept.length);
      expect(kept.every((id) => many.some((x) => x.id === id))).toBe(true);
      expect(records.every((r) => r.shadowError === "http-status")).toBe(true);
      expect(records.every((r) => r.shadowStatus === 500 && r.agreement === "n/a")).toBe(true);
    });
  });

  it("summarises latency of both arms: a 200 ms-slower shadow shows up in its percentiles", async () => {
    const service = "obj-latency";
    await putDoc(shadowDoc(service, { origin: "slow" }));
    await sendAll(service, inputs.slice(0, 10));
    await eventually(async () => {
      const s = await readSummary(service);
      expect(s?.shadowLatency.n).toBe(10);
      expect(s?.shadowLatency.p50).toBeGreaterThanOrEqual(200);
      expect(s?.production.p50).toBeLessThan(200);
      expect(s?.agreementRate).toBe(1);
    });
  });
});
