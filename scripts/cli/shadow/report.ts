/**
 * `npm run shadow:report -- <service>`: how the shadow's predictions compare
 * with production's: agreement, Δscore distribution, latency of both arms,
 * errors, and the most recent disagreements with their inputs' ids.
 *
 * Reads, by default, the service's control object through the router's
 * admin API (GET /_router/admin/services/<service>/shadow: every isolate's
 * pairs merged exactly); the router's URL and admin token are found as the
 * `router` CLI finds them (scripts/cli/target.ts). With --kv it reads
 * the object's KV mirror in local KV through wrangler (scripts/cli/shadow/local.ts),
 * for when the router is down; with --remote, Workers Analytics Engine
 * through its SQL API (the queries in scripts/cli/shadow/*.sql).
 *
 * Layer: script entry. `apiReport` maps the admin API's answer to the
 * report (pure, so tests run it on an answer of their own too).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Histogram } from "../../../src/core/histogram.ts";
import { NAME_PATTERN } from "../../../src/core/routing/names.ts";
import type { ShadowRecord } from "../../../src/core/shadow/record.ts";
import type { SummaryView } from "../../../src/core/shadow/summary.ts";
import { adminCall, servicePath } from "../api.ts";
import { CliError, EXIT, type Options, parse, usage, type Values } from "../cli.ts";
import { apiTarget, DEFAULT_ROUTER_URL } from "../target.ts";
import { ROOT } from "../wrangler.ts";
import { localReport } from "./local.ts";
import { fillSql, remoteReport, type ShadowQueries, sqlApiClient } from "./remote.ts";
import { renderReport } from "./render.ts";
import { binHistogram, type ShadowComparison, type ShadowReport } from "./report-model.ts";

const HELP = `Usage: router shadow report <service> [options]
       (npm run shadow:report -- <service> [options] is the same)

Compares the shadow's predictions with production's for one service.

Router (default): the service's control object, through the router's admin
API (GET /_router/admin/services/<service>/shadow): every isolate's pairs
merged exactly, and its newest disagreements/errors.
KV (--kv): the control object's KV mirror (one summary per shadow origin and
batches of disagreements/errors), in local KV through wrangler, for when the
router is down. The object writes it at most every SHADOW_KV_MIRROR_MS
(default 5 minutes), so it can be that far behind.
Remote (--remote): Workers Analytics Engine, through the SQL API.

Options:
  --recent <n>          disagreements/errors to list (default 10; the router keeps 500)
  --url <url>           the router's URL (default $ROUTER_URL, else ${DEFAULT_ROUTER_URL},
                        what \`npm start\` serves); --router-url is the same option
                        The admin token is $ROUTER_ADMIN_TOKEN, else $ADMIN_TOKEN, else
                        (for a router on this machine) ADMIN_TOKEN in .dev.vars.
  --kv                  read the control object's KV mirror instead of the router
  --local               with --kv: local KV, the state \`npm start\` uses (the default)
  --persist-to <dir>    with --kv: local state directory (default .wrangler/state)
  --remote              read Analytics Engine instead of the router
  --account-id <id>     Cloudflare account id (or CLOUDFLARE_ACCOUNT_ID)
  --api-token <token>   token with Account Analytics: Read (or CLOUDFLARE_API_TOKEN)
  --days <n>            remote: look back this many days (default 7)
  --print-sql           print the remote queries for <service> and exit
  --json                print the report as JSON
  -h, --help            show this help

Examples:
  router shadow report fraud
  router shadow report fraud --url https://router.example.com --recent 50
  router shadow report fraud --kv
  router shadow report fraud --remote --account-id 0123abcd --api-token $TOKEN --days 1
`;

const OPTIONS = {
  recent: { type: "string" },
  url: { type: "string" },
  "router-url": { type: "string" },
  kv: { type: "boolean" },
  local: { type: "boolean" },
  "persist-to": { type: "string" },
  remote: { type: "boolean" },
  "account-id": { type: "string" },
  "api-token": { type: "string" },
  days: { type: "string" },
  "print-sql": { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} satisfies Options;

/** The most pairs the admin API returns (GET .../shadow?records=N). */
const API_RECORDS_MAX = 500;

/** GET /_router/admin/services/<service>/shadow. */
export interface ShadowAnswer {
  service: string;
  /**
   * The control object's merged summaries as views; `agreed` and the |Δ|
   * histogram `absDelta` are read when the router sends them.
   */
  shadows: (SummaryView & { agreed?: number; absDelta?: Histogram })[];
  /** Its newest notable pairs, newest first. */
  records: ShadowRecord[];
}

const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);

/** The report from the admin API's answer (`source` names the router). */
export function apiReport(answer: ShadowAnswer, source: string, recent: number): ShadowReport {
  const sorted = [...answer.shadows].sort((a, b) => b.pairs - a.pairs);
  const shadows: ShadowComparison[] = sorted.map((v) => {
    const arms = Object.entries(v.byProduction);
    return {
      shadow: v.shadow,
      pairs: v.pairs,
      compared: v.compared,
      // Every pair has a production arm: the arms' counts add up to the total.
      agreed: v.agreed ?? arms.reduce((n, [, a]) => n + a.agreed, 0),
      agreementRate: v.agreementRate,
      scored: v.scored,
      meanDelta: v.meanDelta,
      meanAbsDelta: v.meanAbsDelta,
      p50AbsDelta: v.p50AbsDelta,
      p95AbsDelta: v.p95AbsDelta,
      maxAbsDelta: v.maxAbsDelta,
      // With their counts, as the KV report has them.
      production: v.production,
      shadowLatency: v.shadowLatency,
      errors: v.errors,
      skipped: v.skipped,
      deltaBins: v.absDelta ? binHistogram(v.absDelta) : [],
      byProduction: Object.fromEntries(
        arms.map(([arm, a]) => [arm, { pairs: a.pairs, compared: a.compared, agreed: a.agreed }]),
      ),
      firstAt: iso(v.firstAt),
      lastAt: iso(v.lastAt),
      version: v.version,
      // Absent from routers of an earlier release.
      similarity: v.similarity ?? null,
      cut: v.cut ?? {},
      answers: v.answers ?? null,
    };
  });
  const dropped = answer.shadows.reduce((n, s) => n + s.droppedRecords, 0);
  const noBins = sorted.filter((s) => !s.absDelta && s.scored > 0).map((s) => s.shadow);
  return {
    service: answer.service,
    source,
    shadows,
    recent: answer.records.slice(0, recent),
    notes: [
      "every isolate's pairs, merged exactly by the service's control object",
      ...(dropped > 0
        ? [`${dropped} notable pairs were counted but not kept (20 per isolate check-in)`]
        : []),
      ...(noBins.length > 0
        ? [
            `|Δscore| distribution of ${noBins.join(", ")}: not in this router's answer (--kv has it)`,
          ]
        : []),
    ],
  };
}

function positive(values: Values, name: string, fallback: number): number {
  const text = values[name];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (typeof text !== "string" || !Number.isInteger(n) || n < 1) {
    throw usage(`--${name} must be a positive integer, got "${String(text)}"`);
  }
  return n;
}

/** The source the options ask for; conflicting options are a usage error. */
function modeOf(values: Values): "api" | "kv" | "remote" {
  if (values.kv && values.remote) {
    throw usage("--kv (the KV mirror) and --remote (Analytics Engine) exclude each other");
  }
  const router = ["url", "router-url"].find((o) => values[o] !== undefined);
  if ((values.kv || values.remote) && router) {
    throw usage(`--${router} is the router's admin API; --kv and --remote do not use it`);
  }
  const kvOnly = ["local", "persist-to"].find((o) => values[o] !== undefined);
  if (kvOnly && !values.kv) throw usage(`--${kvOnly} is a --kv option (local KV through wrangler)`);
  const remoteOnly = ["account-id", "api-token", "days"].find((o) => values[o] !== undefined);
  if (remoteOnly && !values.remote && !values["print-sql"]) {
    throw usage(`--${remoteOnly} is a --remote option (Analytics Engine)`);
  }
  return values.kv ? "kv" : values.remote ? "remote" : "api";
}

function queries(): ShadowQueries {
  const sql = (file: string) => readFileSync(join(ROOT, "scripts", "cli", "shadow", file), "utf8");
  return {
    summary: sql("summary.sql"),
    errors: sql("errors.sql"),
    deltaDistribution: sql("delta-distribution.sql"),
    disagreements: sql("disagreements.sql"),
  };
}

async function report(service: string, values: Values): Promise<ShadowReport> {
  const recent = positive(values, "recent", 10);
  const mode = modeOf(values);
  if (mode === "kv") {
    const persistTo = values["persist-to"] as string | undefined;
    const kv = await localReport(service, { target: persistTo ? { persistTo } : {}, recent });
    return {
      ...kv,
      source: `${kv.source}, the control object's mirror`,
      notes: [
        ...kv.notes,
        "the KV mirror is written at most every SHADOW_KV_MIRROR_MS (default 5 minutes)",
      ],
    };
  }
  if (mode === "remote") {
    const days = positive(values, "days", 7);
    const accountId =
      (values["account-id"] as string | undefined) ?? process.env.CLOUDFLARE_ACCOUNT_ID;
    const apiToken =
      (values["api-token"] as string | undefined) ?? process.env.CLOUDFLARE_API_TOKEN;
    if (!accountId || !apiToken) throw usage("--remote needs --account-id and --api-token");
    return remoteReport(service, {
      client: sqlApiClient(accountId, apiToken),
      queries: queries(),
      days,
      recent,
    });
  }
  const target = apiTarget(values, false);
  const records = Math.min(recent, API_RECORDS_MAX);
  let answer: ShadowAnswer;
  try {
    answer = await adminCall<ShadowAnswer>(
      target,
      "GET",
      `${servicePath(service, "/shadow")}?records=${records}`,
    );
  } catch (err) {
    if (err instanceof CliError && err.code === "router_unreachable") {
      throw new CliError(
        err.exitCode,
        err.code,
        `${err.message}; with the router down, --kv reads the control object's KV mirror`,
      );
    }
    throw err;
  }
  return apiReport(answer, `router at ${target.url}`, recent);
}

export async function main(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(argv, OPTIONS);
    if (values.help) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    const service = positionals[0];
    if (!service || positionals.length > 1) throw usage("give exactly one service name");
    if (!NAME_PATTERN.test(service)) throw usage(`not a service name: ${service}`);
    if (values["print-sql"]) {
      const vars = {
        service,
        days: positive(values, "days", 7),
        limit: positive(values, "recent", 10),
      };
      for (const [name, text] of Object.entries(queries())) {
        process.stdout.write(`-- ${name}\n${fillSql(text, vars)}\n\n`);
      }
      return EXIT.ok;
    }
    const r = await report(service, values);
    process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : renderReport(r));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CliError && err.exitCode === EXIT.usage) {
      process.stderr.write(`${err.message}\n\n${HELP}`);
      return EXIT.usage;
    }
    process.stderr.write(`shadow report failed: ${(err as Error).message}\n`);
    return EXIT.refused;
  }
}

if (resolve(process.argv[1] ?? "") === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
