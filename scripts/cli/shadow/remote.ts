/**
 * The shadow report from Workers Analytics Engine, through its SQL API
 * (POST https://api.cloudflare.com/client/v4/accounts/<account>/analytics_engine/sql,
 * Bearer token with Account Analytics: Read). Runs the queries shipped next
 * to this file and maps their rows to the same report as local mode.
 *
 * Layer: script support (fetch only; the SQL text is passed in, so tests run
 * it against a fake client).
 */
import { NAME_PATTERN } from "../../../src/core/routing/names.ts";
import type { ShadowRecord } from "../../../src/core/shadow/record.ts";
import { binValues, type ShadowComparison, type ShadowReport } from "./report-model.ts";

export type Row = Record<string, unknown>;

export interface SqlClient {
  query(sql: string): Promise<Row[]>;
}

export interface ShadowQueries {
  summary: string;
  errors: string;
  deltaDistribution: string;
  disagreements: string;
}

/** The similarity bins of a summary row; null when no pair was compared (or the row predates them). */
function similarityOf(r: Row): number[] | null {
  const bins = Array.from({ length: 11 }, (_, i) => n(r[`similarity_${i}`]));
  return bins.some((b) => b > 0) ? bins : null;
}

/**
 * Each arm's first byte and usage from a summary row (AE keeps no event
 * counts, so no tokens/s); null when neither arm reported one.
 */
function answersOf(r: Row): ShadowComparison["answers"] {
  const arm = (prefix: string) => {
    const usage = n(r[`${prefix}_usage_n`]);
    const first = n(r[`${prefix}_first_n`]);
    return {
      answers: first,
      broken: 0,
      firstByteP50Ms: first > 0 ? n(r[`${prefix}_first_p50_ms`]) : null,
      firstByteP95Ms: first > 0 ? n(r[`${prefix}_first_p95_ms`]) : null,
      eventsPerSecond: null,
      bytesPerSecond: null,
      tokensPerAnswer: usage > 0 ? n(r[`${prefix}_usage_tokens`]) / usage : null,
      usageAnswers: usage,
    };
  };
  const production = arm("production");
  const shadow = arm("shadow");
  const any = production.answers + shadow.answers + production.usageAnswers + shadow.usageAnswers;
  return any > 0 ? { production, shadow } : null;
}

export function sqlApiClient(
  accountId: string,
  apiToken: string,
  fetchImpl: typeof fetch = fetch,
): SqlClient {
  const url = `https://api.cloudflare.com/client/v4/accounts/${encodeURIComponent(accountId)}/analytics_engine/sql`;
  return {
    async query(sql) {
      const res = await fetchImpl(url, {
        method: "POST",
        headers: { authorization: `Bearer ${apiToken}` },
        body: sql,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`Analytics Engine SQL API answered ${res.status}: ${text}`);
      return (JSON.parse(text) as { data?: Row[] }).data ?? [];
    },
  };
}

/**
 * Drops the `--` comment lines and substitutes the {{name}} placeholders;
 * only validated names and integers go in.
 */
export function fillSql(template: string, vars: { service: string; days: number; limit?: number }) {
  if (!NAME_PATTERN.test(vars.service)) throw new Error(`not a service name: ${vars.service}`);
  const int = (n: number) => {
    if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${n}`);
    return String(n);
  };
  return template
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("--"))
    .join("\n")
    .trim()
    .replaceAll("{{service}}", vars.service)
    .replaceAll("{{days}}", int(vars.days))
    .replaceAll("{{limit}}", int(vars.limit ?? 10));
}

const n = (v: unknown): number => (v === null || v === undefined || v === "" ? 0 : Number(v));
const maybe = (v: unknown, when: boolean): number | null => (when ? n(v) : null);
const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));
/** AE timestamps look like "2026-11-26 11:02:03"; they are UTC. */
const isoOf = (v: unknown): string | null => {
  const s = str(v);
  if (!s) return null;
  const d = new Date(s.includes("T") ? s : `${s.replace(" ", "T")}Z`);
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
};

export async function remoteReport(
  service: string,
  options: { client: SqlClient; queries: ShadowQueries; days: number; recent: number },
): Promise<ShadowReport> {
  const vars = { service, days: options.days, limit: options.recent };
  const run = (sql: string) => options.client.query(fillSql(sql, vars));
  const [summary, errors, deltas, disagreements] = await Promise.all([
    run(options.queries.summary),
    run(options.queries.errors),
    run(options.queries.deltaDistribution),
    run(options.queries.disagreements),
  ]);

  const shadows: ShadowComparison[] = summary.map((r) => {
    const shadow = str(r.shadow);
    const compared = n(r.compared);
    const scored = n(r.scored);
    const errorCounts: Record<string, number> = {};
    const skipped: Record<string, number> = {};
    for (const e of errors.filter((e) => str(e.shadow) === shadow)) {
      const count = n(e.count);
      if (str(e.event) === "shadow-skip") {
        skipped[str(e.shadow_error_or_skip)] = (skipped[str(e.shadow_error_or_skip)] ?? 0) + count;
        continue;
      }
      for (const [arm, kind] of [
        ["production", str(e.production_error)],
        ["shadow", str(e.shadow_error_or_skip)],
      ]) {
        if (kind) errorCounts[`${arm}:${kind}`] = (errorCounts[`${arm}:${kind}`] ?? 0) + count;
      }
    }
    return {
      shadow,
      pairs: n(r.pairs),
      compared,
      agreed: n(r.agreed),
      agreementRate: compared > 0 ? n(r.agreed) / compared : null,
      scored,
      meanDelta: scored > 0 ? n(r.sum_delta) / scored : null,
      meanAbsDelta: scored > 0 ? n(r.sum_abs_delta) / scored : null,
      p50AbsDelta: maybe(r.p50_abs_delta, scored > 0),
      p95AbsDelta: maybe(r.p95_abs_delta, scored > 0),
      maxAbsDelta: maybe(r.max_abs_delta, scored > 0),
      production: {
        p50: n(r.production_p50_ms),
        p95: n(r.production_p95_ms),
        p99: n(r.production_p99_ms),
      },
      shadowLatency: {
        p50: n(r.shadow_p50_ms),
        p95: n(r.shadow_p95_ms),
        p99: n(r.shadow_p99_ms),
      },
      errors: errorCounts,
      skipped,
      deltaBins: binValues(
        deltas
          .filter((d) => str(d.shadow) === shadow)
          .map((d) => [n(d.abs_delta), n(d.count)] as [number, number]),
      ),
      byProduction: null,
      firstAt: isoOf(r.first_at),
      lastAt: isoOf(r.last_at),
      version: n(r.version),
      similarity: similarityOf(r),
      // blob 12 of the data points; not summed by these queries.
      cut: {},
      answers: answersOf(r),
    };
  });

  const recent: ShadowRecord[] = disagreements.map((r) => {
    const scored = n(r.scored) === 1;
    const prodStatus = n(r.production_status);
    const shadowStatus = n(r.shadow_status);
    return {
      at: isoOf(r.timestamp) ?? "",
      service,
      production: str(r.production),
      shadow: str(r.shadow),
      bucket: n(r.bucket) < 0 ? null : n(r.bucket),
      inputId: str(r.input_id) || null,
      agreement: str(r.agreement),
      productionLabel: str(r.production_label) || null,
      shadowLabel: str(r.shadow_label) || null,
      productionScore: maybe(r.production_score, scored),
      shadowScore: maybe(r.shadow_score, scored),
      delta: maybe(r.delta, scored),
      productionMs: n(r.production_ms),
      shadowMs: n(r.shadow_ms),
      productionStatus: prodStatus,
      shadowStatus,
      productionError: str(r.production_error) || null,
      shadowError: str(r.shadow_error) || null,
      version: n(r.version),
    };
  });

  return {
    service,
    source: `Workers Analytics Engine, last ${options.days} day${options.days === 1 ? "" : "s"}`,
    shadows,
    recent,
    notes: [
      "Analytics Engine samples at high volume: counts are sums of _sample_interval",
      "per-production-arm agreement: GROUP BY blob3 in scripts/cli/shadow/summary.sql",
    ],
  };
}
