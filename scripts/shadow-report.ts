/**
 * `npm run shadow:report -- <service>`: how the shadow's predictions compare
 * with production's: agreement, Δscore distribution, latency of both arms,
 * errors, and the most recent disagreements with their inputs' ids.
 *
 * Reads the local KV summary shards and log by default (what `npm start`
 * writes; src/adapters/kv/shadow-log.ts), or Workers Analytics Engine through
 * its SQL API with --remote (the queries in scripts/shadow/*.sql).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { NAME_PATTERN } from "../src/core/routing/names.ts";
import { ROOT } from "./lib/wrangler.ts";
import { localReport } from "./shadow/local.ts";
import { fillSql, remoteReport, type ShadowQueries, sqlApiClient } from "./shadow/remote.ts";
import { renderReport } from "./shadow/render.ts";

const HELP = `Usage: npm run shadow:report -- <service> [options]

Compares the shadow's predictions with production's for one service.

Local (default): merges the per-isolate summaries and the log of
disagreements/errors that the router keeps in local KV (npm start).
Remote (--remote): queries Workers Analytics Engine with the SQL API.

Options:
  --recent <n>          disagreements/errors to list (default 10)
  --persist-to <dir>    local state directory (default .wrangler/state)
  --remote              read Analytics Engine instead of local KV
  --account-id <id>     Cloudflare account id (or CLOUDFLARE_ACCOUNT_ID)
  --api-token <token>   token with Account Analytics: Read (or CLOUDFLARE_API_TOKEN)
  --days <n>            remote: look back this many days (default 7)
  --print-sql           print the remote queries for <service> and exit
  --json                print the report as JSON
  -h, --help            show this help

Examples:
  npm run shadow:report -- fraud
  npm run shadow:report -- fraud --remote --account-id 0123abcd --api-token $TOKEN --days 1
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP}`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    recent: { type: "string", default: "10" },
    "persist-to": { type: "string" },
    remote: { type: "boolean", default: false },
    "account-id": { type: "string" },
    "api-token": { type: "string" },
    days: { type: "string", default: "7" },
    "print-sql": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const service = positionals[0];
if (!service || positionals.length > 1) fail("give exactly one service name");
if (!NAME_PATTERN.test(service)) fail(`not a service name: ${service}`);
const positive = (name: string, value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got "${value}"`);
  return n;
};
const recent = positive("recent", values.recent);
const days = positive("days", values.days);

const sql = (file: string) => readFileSync(join(ROOT, "scripts", "shadow", file), "utf8");
const queries: ShadowQueries = {
  summary: sql("summary.sql"),
  errors: sql("errors.sql"),
  deltaDistribution: sql("delta-distribution.sql"),
  disagreements: sql("disagreements.sql"),
};

if (values["print-sql"]) {
  for (const [name, text] of Object.entries(queries)) {
    process.stdout.write(`-- ${name}\n${fillSql(text, { service, days, limit: recent })}\n\n`);
  }
  process.exit(0);
}

try {
  let report: Awaited<ReturnType<typeof localReport>>;
  if (values.remote) {
    const accountId = values["account-id"] ?? process.env.CLOUDFLARE_ACCOUNT_ID;
    const apiToken = values["api-token"] ?? process.env.CLOUDFLARE_API_TOKEN;
    if (!accountId || !apiToken) fail("--remote needs --account-id and --api-token");
    report = await remoteReport(service, {
      client: sqlApiClient(accountId, apiToken),
      queries,
      days,
      recent,
    });
  } else {
    const persistTo = values["persist-to"];
    report = await localReport(service, { target: persistTo ? { persistTo } : {}, recent });
  }
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
} catch (err) {
  process.stderr.write(`shadow report failed: ${(err as Error).message}\n`);
  process.exit(1);
}
