/**
 * The shadow report (npm run shadow:report): its |Δ| bins, the Analytics
 * Engine mapping, and the report end to end against a real router in
 * Miniflare: by default the service's control object through the admin
 * API, then, with the router stopped, the object's KV mirror through
 * wrangler (--kv) from the same local state.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparisonOf, mergeShards } from "../../scripts/cli/shadow/local.ts";
import { fillSql, type Row, remoteReport } from "../../scripts/cli/shadow/remote.ts";
import { renderReport } from "../../scripts/cli/shadow/render.ts";
import { apiReport, type ShadowAnswer } from "../../scripts/cli/shadow/report.ts";
import {
  binHistogram,
  binValues,
  type ShadowReport,
} from "../../scripts/cli/shadow/report-model.ts";
import { ROOT } from "../../scripts/cli/wrangler.ts";
import { ABS_DELTA, emptyHistogram, observe } from "../../src/core/histogram.ts";
import { comparePair, readPrediction, type ShadowPair } from "../../src/core/shadow/compare.ts";
import { toRecord } from "../../src/core/shadow/record.ts";
import { addPair, emptySummary, viewSummary } from "../../src/core/shadow/summary.ts";
import { shadowLogKey, shadowSummaryKey } from "../../src/document/kv-keys.ts";
import { predict } from "../support/stack/demo-model.ts";
import { type DemoOrigins, startDemoOrigins } from "../support/stack/demo-origins.ts";
import { testModels } from "../test-models.ts";
import { type CliRouter, seedMany, startCliRouter, tempState } from "./cli-support.ts";

const sql = (file: string) => readFileSync(join(ROOT, "scripts", "cli", "shadow", file), "utf8");
const queries = {
  summary: sql("summary.sql"),
  errors: sql("errors.sql"),
  deltaDistribution: sql("delta-distribution.sql"),
  disagreements: sql("disagreements.sql"),
};

describe("|Δscore| bins", () => {
  it("bin values by lower edge", () => {
    const bins = binValues([
      [0, 3],
      [0.0005, 1],
      [0.05, 2],
      [0.0999, 1],
      [7, 1],
    ]);
    expect(bins.filter((b) => b.count > 0)).toEqual([
      { label: "0 - 0.001", count: 4 },
      { label: "0.05 - 0.1", count: 3 },
      { label: ">= 1", count: 1 },
    ]);
  });

  it("bin a histogram the same way, up to one fine bucket at an edge", () => {
    const h = emptyHistogram();
    for (const v of [0, 0.0004, 0.03, 0.07, 0.3, 0.3]) observe(h, ABS_DELTA, v);
    expect(binHistogram(h).filter((b) => b.count > 0)).toEqual([
      { label: "0 - 0.001", count: 2 },
      { label: "0.02 - 0.05", count: 1 },
      { label: "0.05 - 0.1", count: 1 },
      { label: "0.2 - 0.5", count: 2 },
    ]);
  });
});

describe("remote (Analytics Engine SQL API)", () => {
  it("fills placeholders, drops comments, and refuses anything but names and integers", () => {
    const filled = fillSql(queries.summary, { service: "fraud", days: 3 });
    expect(filled).toContain("index1 = 'fraud'");
    expect(filled).toContain("INTERVAL '3' DAY");
    expect(filled).not.toMatch(/^--/m);
    expect(filled).not.toContain("{{");
    expect(() => fillSql(queries.summary, { service: "x' OR 1=1 --", days: 1 })).toThrow();
    expect(() => fillSql(queries.summary, { service: "fraud", days: 1.5 })).toThrow();
  });

  it("maps the query rows to the report", async () => {
    const seen: string[] = [];
    const answers: Record<string, Row[]> = {
      summary: [
        {
          shadow: "shadow",
          pairs: "1000",
          compared: "990",
          agreed: "920",
          scored: "990",
          sum_delta: -9.9,
          sum_abs_delta: 74.25,
          p50_abs_delta: 0.07,
          p95_abs_delta: 0.14,
          max_abs_delta: 0.21,
          production_p50_ms: 2.5,
          production_p95_ms: 8,
          production_p99_ms: 12,
          shadow_p50_ms: 210,
          shadow_p95_ms: 230,
          shadow_p99_ms: 260,
          similarity_5: 3,
          similarity_10: 7,
          production_first_n: 10,
          production_first_p50_ms: 40,
          production_first_p95_ms: 90,
          shadow_first_n: 0,
          production_usage_n: 4,
          production_usage_tokens: 100,
          version: 7,
          first_at: "2026-11-26 10:00:00",
          last_at: "2026-11-26 11:00:00",
        },
      ],
      errors: [
        {
          event: "shadow-pair",
          shadow: "shadow",
          production_error: "",
          shadow_error_or_skip: "timeout",
          count: "10",
        },
        {
          event: "shadow-skip",
          shadow: "shadow",
          production_error: "",
          shadow_error_or_skip: "body-too-large",
          count: "4",
        },
      ],
      deltaDistribution: [
        { shadow: "shadow", abs_delta: 0, count: "90" },
        { shadow: "shadow", abs_delta: 0.07, count: "900" },
      ],
      disagreements: [
        {
          timestamp: "2026-11-26 11:00:00",
          production: "blue",
          shadow: "shadow",
          agreement: "disagree",
          production_error: "",
          shadow_error: "",
          production_label: "negative",
          shadow_label: "positive",
          input_id: "tx-9",
          version: 7,
          bucket: 12,
          scored: 1,
          delta: 0.1,
          production_score: 0.45,
          shadow_score: 0.55,
          production_ms: 2,
          shadow_ms: 205,
          production_status: 200,
          shadow_status: 200,
        },
      ],
    };
    const client = {
      async query(text: string) {
        seen.push(text);
        const name = Object.entries(queries).find(
          ([, q]) => fillSql(q, { service: "fraud", days: 1, limit: 5 }) === text,
        )?.[0];
        return answers[name ?? ""] ?? [];
      },
    };
    const report = await remoteReport("fraud", { client, queries, days: 1, recent: 5 });
    expect(seen).toHaveLength(4);
    const [c] = report.shadows;
    expect(c?.similarity).toEqual([0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 7]);
    expect(c?.answers?.production).toMatchObject({
      answers: 10,
      firstByteP50Ms: 40,
      tokensPerAnswer: 25,
    });
    expect(c?.answers?.shadow).toMatchObject({
      answers: 0,
      firstByteP50Ms: null,
      tokensPerAnswer: null,
    });
    expect(c).toMatchObject({
      shadow: "shadow",
      pairs: 1000,
      agreementRate: 920 / 990,
      errors: { "shadow:timeout": 10 },
      skipped: { "body-too-large": 4 },
      lastAt: "2026-11-26T11:00:00.000Z",
      version: 7,
    });
    expect(c?.meanAbsDelta).toBeCloseTo(0.075, 12);
    expect(c?.meanDelta).toBeCloseTo(-0.01, 12);
    expect(c?.deltaBins.filter((b) => b.count > 0)).toEqual([
      { label: "0 - 0.001", count: 90 },
      { label: "0.05 - 0.1", count: 900 },
    ]);
    expect(report.recent[0]).toMatchObject({
      inputId: "tx-9",
      delta: 0.1,
      shadowLabel: "positive",
    });
    expect(renderReport(report)).toContain("agreement    92.9 %  (920 / 990 labels agree)");
  });
});

const fields = { scoreField: "score", labelField: "label" };
const predicted = (label: string, score: number, durationMs: number) =>
  readPrediction(
    { status: 200, durationMs, error: null, text: JSON.stringify({ label, score }) },
    fields,
  );
const pair = (prod: string, shadow: string, delta: number, arm = "blue"): ShadowPair => ({
  at: Date.UTC(2026, 10, 26, 12),
  service: "fraud",
  production: arm,
  role: "live",
  shadow: "shadow",
  bucket: 1,
  sampleBucket: 1,
  version: 3,
  inputId: "tx",
  bodyBytes: 10,
  comparison: comparePair(predicted(prod, 0.5, 2), predicted(shadow, 0.5 + delta, 20)),
});

describe("local (KV shards) and the rendered text", () => {
  it("merges shards per shadow origin and renders every section", () => {
    const a = emptySummary("fraud", "shadow");
    const b = emptySummary("fraud", "shadow");
    const other = emptySummary("fraud", "older");
    addPair(a, pair("p", "p", 0.01));
    addPair(b, pair("p", "n", -0.2, "canary"));
    addPair(other, pair("p", "p", 0));
    const merged = mergeShards([a, other, b]);
    expect(merged.map((s) => [s.shadow, s.pairs])).toEqual([
      ["shadow", 2],
      ["older", 1],
    ]);
    const text = renderReport({
      service: "fraud",
      source: "local KV",
      shadows: merged.map(comparisonOf),
      recent: [],
      notes: ["2 isolate shards merged"],
    });
    expect(text).toContain('shadow "shadow" (document version 3;');
    expect(text).toContain("agreement    50.0 %  (1 / 2 labels agree)");
    expect(text).toContain("by arm       blue 100.0 % (1/1), canary 0.0 % (0/1)");
    expect(text).toMatch(/latency ms {3}production p50 2\.\d/);
    expect(text).toContain("recent disagreements and errors: none");
    expect(text).toContain("note: 2 isolate shards merged");
    expect(text.split("\n").every((line) => line === line.trimEnd())).toBe(true);
  });

  it("shows streamed pairs: the similarity distribution instead of Δscore, both arms' first token and tokens", () => {
    const sse = (words: string[], tokens: number) =>
      `${words.map((w) => `data: {"choices":[{"delta":{"content":"${w}"}}]}\n\n`).join("")}data: {"choices":[],"usage":{"total_tokens":${tokens}}}\n\ndata: [DONE]\n\n`;
    const arm = (words: string[], tokens: number, firstByteMs: number) =>
      readPrediction(
        {
          status: 200,
          durationMs: 400,
          error: null,
          text: sse(words, tokens),
          eventStream: true,
          firstByteMs,
        },
        fields,
      );
    const s = emptySummary("chat", "chat-v3");
    for (const [i, other] of [
      ["The", " answer", " is", " 42."],
      ["The", " answer", " is", " forty-two."],
    ].entries()) {
      addPair(s, {
        ...pair("p", "p", 0),
        service: "chat",
        shadow: "chat-v3",
        comparison: comparePair(
          arm(["The", " answer", " is", " 42."], 20, 80),
          arm(other, 30 + i, 150),
          { kind: "tokens", threshold: 0.6 },
        ),
      });
    }
    const text = renderReport({
      service: "chat",
      source: "local KV",
      shadows: [comparisonOf(s)],
      recent: [],
      notes: [],
    });
    expect(text).not.toContain("Δscore");
    expect(text).toContain("similarity distribution (compared pairs):");
    expect(text).toMatch(/ {4}1 \(same\) +1 +#+/);
    // {the, answer, is, 42} against {the, answer, is, forty, two}: 3 of 6.
    expect(text).toMatch(/0\.5 - 0\.6 +1 +#+/);
    expect(text).toMatch(
      /answers +production +first token p50 8\d\.\d .*tokens\/answer 20\.0 +\(2 streamed\)/,
    );
    expect(text).toMatch(/shadow +first token p50 15\d\.\d .*tokens\/answer 30\.5/);
  });
});

describe("the admin API's answer (GET /_router/admin/services/<s>/shadow)", () => {
  const summaries = () => {
    const s = emptySummary("fraud", "shadow");
    for (const [i, [prod, shadow, delta]] of [
      ["p", "p", 0.015],
      ["p", "n", -0.3],
      ["n", "n", 0.03],
      ["p", "p", 0.07],
    ].entries()) {
      addPair(
        s,
        pair(prod as string, shadow as string, delta as number, i === 1 ? "canary" : "blue"),
      );
    }
    s.droppedRecords = 3;
    const older = emptySummary("fraud", "older");
    addPair(older, pair("p", "p", 0));
    return { s, older };
  };
  const record = toRecord({ ...pair("p", "n", -0.2, "canary"), inputId: "tx-9" });

  it("is the same report as the summary's own, most pairs first; agreed from the arms", () => {
    const { s, older } = summaries();
    const answer: ShadowAnswer = {
      service: "fraud",
      shadows: [viewSummary(older), viewSummary(s)],
      records: [record, record],
    };
    const report = apiReport(answer, "router at http://127.0.0.1:8787", 1);
    const { deltaBins: _bins, ...fromSummary } = comparisonOf(s);
    expect(report.shadows.map((c) => c.shadow)).toEqual(["shadow", "older"]);
    expect(report.shadows[0]).toEqual({ ...fromSummary, deltaBins: [] });
    expect(report.shadows[0]?.agreed).toBe(3);
    expect(report.recent).toEqual([record]);
    expect(report.notes).toEqual([
      "every isolate's pairs, merged exactly by the service's control object",
      "3 notable pairs were counted but not kept (20 per isolate check-in)",
      "|Δscore| distribution of shadow, older: not in this router's answer (--kv has it)",
    ]);
    const text = renderReport(report);
    expect(text).toContain('Shadow report for "fraud" (router at http://127.0.0.1:8787)');
    expect(text).toContain("agreement    75.0 %  (3 / 4 labels agree)");
    expect(text).toContain("by arm       blue 100.0 % (3/3), canary 0.0 % (0/1)");
  });

  it("bins |Δscore| when the router sends the histogram", () => {
    const { s } = summaries();
    const answer: ShadowAnswer = {
      service: "fraud",
      shadows: [{ ...viewSummary(s), agreed: s.agreed, absDelta: s.absDelta }],
      records: [],
    };
    const report = apiReport(answer, "router", 10);
    expect(report.shadows[0]).toEqual(comparisonOf(s));
    expect(report.shadows[0]?.deltaBins.filter((b) => b.count > 0)).toEqual([
      { label: "0.01 - 0.02", count: 1 },
      { label: "0.02 - 0.05", count: 1 },
      { label: "0.05 - 0.1", count: 1 },
      { label: "0.2 - 0.5", count: 1 },
    ]);
    expect(report.notes.some((n) => n.includes("distribution"))).toBe(false);
  });
});

interface ReportRun {
  code: number;
  stdout: string;
  stderr: string;
  json: ShadowReport | null;
}

/** Runs `npm run shadow:report -- <args>` (never with the developer's own router settings). */
function runReport(args: string[], env: Record<string, string> = {}): Promise<ReportRun> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !["ROUTER_URL", "ROUTER_ADMIN_TOKEN", "ADMIN_TOKEN"].includes(k),
    ),
  );
  const child = spawn(process.execPath, [join(ROOT, "scripts/cli/shadow/report.ts"), ...args], {
    cwd: ROOT,
    env: { ...inherited, ...env } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      let json: ShadowReport | null = null;
      try {
        json = JSON.parse(stdout) as ShadowReport;
      } catch {}
      resolve({ code: code ?? 1, stdout, stderr, json });
    });
  });
}

/** `value` with every number rounded to 12 significant digits. */
const rounded = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value), (_k, v) =>
    typeof v === "number" ? Number(v.toPrecision(12)) : v,
  );

async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe("end to end: a router in Miniflare, then its KV mirror with the router stopped", () => {
  const service = "report-e2e";
  const inputs = Array.from({ length: 60 }, (_, i) => ({ id: `tx-${i}`, amount: 10 + i * 37 }));
  const disagreeing = inputs
    .filter((x) => {
      const features = { amount: x.amount };
      const blue = testModels.blue;
      const shadow = testModels["all-positive"];
      if (!blue || !shadow) throw new Error("test models missing");
      return predict(blue, { features }).label !== predict(shadow, { features }).label;
    })
    .map((x) => x.id);
  let origins: DemoOrigins;
  let router: CliRouter | null = null;
  let state: ReturnType<typeof tempState>;

  beforeAll(async () => {
    state = tempState("shadow-report-e2e-");
    origins = await startDemoOrigins(testModels);
    router = await startCliRouter(
      { CHECKIN_INTERVAL_MS: "100", CONTROL_ALARM_MS: "200", SHADOW_KV_MIRROR_MS: "200" },
      { persistTo: state.dir },
    );
    const doc = {
      service,
      version: 1,
      updatedAt: new Date().toISOString(),
      updatedBy: "test",
      origins: {
        blue: { url: origins.url("blue") },
        "all-positive": { url: origins.url("all-positive") },
      },
      live: "blue",
      shadow: { origin: "all-positive", shareBp: 10_000 },
    };
    await router.put(doc);
    for (const x of inputs) {
      const res = await fetch(`${router.url}/${service}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user-id": `u-${x.id}` },
        body: JSON.stringify({ id: x.id, features: { amount: x.amount } }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
  }, 60_000);
  afterAll(async () => {
    await router?.dispose();
    await origins?.close();
    state?.cleanup();
  });

  it("by default reads the control object through the admin API: every pair, exactly", async () => {
    const r = router as CliRouter;
    expect(disagreeing.length).toBeGreaterThan(10);
    const report = await eventually(async () => {
      const run = await runReport([service, "--json", "--recent", "500"], r.env);
      expect(run.stderr).toBe("");
      expect(run.json?.shadows[0]?.pairs).toBe(inputs.length);
      return run.json as ShadowReport;
    });
    expect(report.source).toBe(`router at ${r.url}`);
    expect(report.shadows).toHaveLength(1);
    expect(report.shadows[0]).toMatchObject({
      shadow: "all-positive",
      pairs: inputs.length,
      compared: inputs.length,
      agreed: inputs.length - disagreeing.length,
      errors: {},
      byProduction: {
        blue: {
          pairs: inputs.length,
          compared: inputs.length,
          agreed: inputs.length - disagreeing.length,
        },
      },
      version: 1,
    });
    expect(report.shadows[0]?.agreementRate).toBeCloseTo(
      (inputs.length - disagreeing.length) / inputs.length,
      12,
    );
    // Every disagreement, kept with its input id (20 per check-in at most: any others are counted).
    const kept = report.recent.map((x) => x.inputId ?? "");
    const dropped = report.notes.find((n) => n.includes("counted but not kept"));
    const droppedCount = dropped ? Number(dropped.split(" ")[0]) : 0;
    expect(kept.length + droppedCount).toBe(disagreeing.length);
    expect(new Set(kept).size).toBe(kept.length);
    expect(kept.every((id) => disagreeing.includes(id))).toBe(true);

    const text = await runReport([service, "--recent", "3"], r.env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Shadow report for "${service}" (router at ${r.url})`);
    expect(text.stdout).toContain(`pairs        ${inputs.length}   compared ${inputs.length}`);
    expect(text.stdout).toContain("recent disagreements and errors (newest first):");
    expect(text.stdout).toContain(
      "note: every isolate's pairs, merged exactly by the service's control object",
    );

    const refused = await runReport([service], { ...r.env, ROUTER_ADMIN_TOKEN: "wrong" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused the admin token");
  }, 60_000);

  it("--kv reads the object's KV mirror once the router is down; the API mode says to use it", async () => {
    const r = router as CliRouter;
    const api = await runReport([service, "--json", "--recent", "500"], r.env);
    const live = api.json as ShadowReport;
    expect(live.shadows[0]?.pairs).toBe(inputs.length);
    // The mirror is written at most every SHADOW_KV_MIRROR_MS (200 ms here).
    await eventually(async () => {
      const mirrored = JSON.parse(
        (await r.kv.get(shadowSummaryKey(service, "all-positive", "control"))) ?? "null",
      );
      expect(mirrored?.pairs).toBe(inputs.length);
      const log = await r.kv.list({ prefix: `shadow-log:${service}:` });
      const records = (
        await Promise.all(log.keys.map(async (k) => JSON.parse((await r.kv.get(k.name)) ?? "[]")))
      ).flat();
      expect(records.length).toBe(live.recent.length);
    });
    await r.dispose();
    router = null;

    const down = await runReport([service], r.env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`no router at ${r.url}`);
    expect(down.stderr).toContain("--kv reads the control object's KV mirror");

    const kv = await runReport([
      service,
      "--kv",
      "--persist-to",
      state.dir,
      "--json",
      "--recent",
      "500",
    ]);
    expect(kv.stderr).toBe("");
    const report = kv.json as ShadowReport;
    expect(report.source).toBe(`local KV at ${state.dir}, the control object's mirror`);
    const { deltaBins, ...numbers } = report.shadows[0] ?? { deltaBins: [] };
    const { deltaBins: _none, ...liveNumbers } = live.shadows[0] ?? { deltaBins: [] };
    // The same numbers (percentiles are bucket bounds: workerd and Node may differ in the last bit).
    expect(rounded(numbers)).toEqual(rounded(liveNumbers));
    expect(deltaBins.reduce((n, b) => n + b.count, 0)).toBe(report.shadows[0]?.scored);
    const ids = (x: ShadowReport) => x.recent.map((rec) => rec.inputId).sort();
    expect(ids(report)).toEqual(ids(live));
    expect(report.notes).toContain(
      "the KV mirror is written at most every SHADOW_KV_MIRROR_MS (default 5 minutes)",
    );
  }, 120_000);
});

describe("--kv over seeded local KV (wrangler)", () => {
  // Two wrangler runs at once on one local state used to fail now and then
  // (SQLITE_BUSY / "KV GET failed: 500", 2 reports in 60): the report runs
  // them one at a time. This checks the whole local path once (each wrangler
  // run costs 2-3 s of CPU), over the state the control object leaves: one
  // summary shard per shadow origin and log batches.
  it("reads the mirrored summary and the newest log batches", async () => {
    const state = tempState("shadow-report-");
    try {
      const values: Record<string, unknown> = {};
      const summary = emptySummary("fraud", "shadow");
      for (let i = 0; i < 3; i++) {
        const records = [];
        for (let j = 0; j < 10; j++) {
          const p: ShadowPair = {
            at: Date.UTC(2026, 10, 26, 12, i, j),
            service: "fraud",
            production: "blue",
            role: "live",
            shadow: "shadow",
            bucket: j,
            sampleBucket: j,
            version: 3,
            inputId: `tx-${i}-${j}`,
            bodyBytes: 10,
            comparison: comparePair(predicted("p", 0.5, 2), predicted(j < 2 ? "n" : "p", 0.5, 20)),
          };
          addPair(summary, p);
          if (j < 2) records.push(toRecord(p));
        }
        values[shadowLogKey("fraud", Date.UTC(2026, 10, 26, 12, i), "control")] = records;
      }
      values[shadowSummaryKey("fraud", "shadow", "control")] = summary;
      await seedMany(state.dir, values);
      const cli = await runReport([
        "fraud",
        "--kv",
        "--local",
        "--persist-to",
        state.dir,
        "--json",
        "--recent",
        "4",
      ]);
      expect(cli.stderr).toBe("");
      const report = cli.json as ShadowReport;
      expect(report.shadows.map((c) => [c.shadow, c.pairs, c.agreed])).toEqual([
        ["shadow", 30, 24],
      ]);
      expect(report.recent.map((r) => r.inputId)).toEqual(["tx-2-1", "tx-2-0", "tx-1-1", "tx-1-0"]);
      expect(report.notes[0]).toBe(
        "the control object's KV mirror (every SHADOW_KV_MIRROR_MS), 3 log batches kept (24 h)",
      );
    } finally {
      state.cleanup();
    }
  }, 120_000);
});

describe("options", () => {
  for (const [args, message] of [
    [["fraud", "--persist-to", "x"], "--persist-to is a --kv option"],
    [["fraud", "--local"], "--local is a --kv option"],
    [["fraud", "--kv", "--remote"], "exclude each other"],
    [["fraud", "--kv", "--url", "http://127.0.0.1:1"], "--url is the router's admin API"],
    [["fraud", "--days", "2"], "--days is a --remote option"],
    [["fraud", "--recent", "0"], "--recent must be a positive integer"],
    [["fraud", "--recnt", "3"], "did you mean --recent?"],
    [["Not_A_Name"], "not a service name"],
  ] as const) {
    it(`${args.join(" ")}: usage error`, async () => {
      const run = await runReport([...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).toContain("Usage: router shadow report");
    });
  }

  it("--help names the three sources", async () => {
    const run = await runReport(["--help"]);
    expect(run.code).toBe(0);
    for (const text of ["Router (default)", "KV (--kv)", "Remote (--remote)", "--url <url>"]) {
      expect(run.stdout).toContain(text);
    }
  });
});
