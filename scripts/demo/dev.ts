/**
 * `npm start`: the whole demo on one machine.
 *
 * Starts the local demo model origins, seeds local KV with the demo routing
 * documents (unless they are already there: your flips survive a restart),
 * makes sure .dev.vars exists, runs the router under `wrangler dev`, sends
 * demo traffic and prints a line per step of the demo's rollouts (recs
 * promoted, search rolled back). Ctrl-C stops everything.
 */
import { spawn } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ADMIN_TOKEN_MESSAGES, adminTokenProblem } from "../../src/core/admin-token.ts";
import { nextVersion, parseStoredService } from "../../src/document/edits/stored-service.ts";
import { documentKey, historyKey, lastGoodKey } from "../../src/document/kv-keys.ts";
import {
  DEMO_ORIGINS_PORT,
  demoDocuments,
  demoModels,
} from "../../test/support/stack/demo-models.ts";
import { startDemoOrigins } from "../../test/support/stack/demo-origins.ts";
import { startDemoTraffic, waitForRouter } from "../../test/support/stack/demo-traffic.ts";
import { kvGetMany, kvPutMany, ROOT } from "../cli/wrangler.ts";
import { filterLines } from "./log-filter.ts";
import { watchRollouts } from "./rollout-watch.ts";

const HELP = `Usage: npm start -- [options]

Runs the demo: model origins on 127.0.0.1:${DEMO_ORIGINS_PORT}, local KV seeded
with scripts/demo/*.json, the router under wrangler dev, and demo traffic.
Two rollouts run by themselves: recs (a healthy candidate, promoted within
about 5 minutes) and search (a failing one, rolled back within about a
minute); a line is printed at each of their steps.

Options:
  --port <n>       router port (default 8787)
  --origins-port <n>  demo origins port (default ${DEMO_ORIGINS_PORT}; 0 = any free port);
                   seeded documents point at it
  --reseed         overwrite the routing documents in local KV with the demo ones
                   (and start the demo rollouts over)
  --persist-to <dir>  local state directory (default .wrangler/state, shared
                   with \`wrangler kv key put --local\`)
  --origins-only   start only the demo origins (no wrangler dev)
  --requests       show wrangler's line per request (hidden: about 8 a second)
  --verbose        show the router's routine (info) lines too, and the requests
  -h, --help       show this help

Shown by default: the URLs, the token, each demo rollout step, and every
warning or error the router or wrangler prints.
`;

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    "origins-port": { type: "string", default: String(DEMO_ORIGINS_PORT) },
    reseed: { type: "boolean", default: false },
    "persist-to": { type: "string" },
    "origins-only": { type: "boolean", default: false },
    requests: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const startedAt = Date.now();
const persistTo = values["persist-to"];
const target = persistTo ? { persistTo } : {};

const devVars = join(ROOT, ".dev.vars");
if (!existsSync(devVars)) {
  copyFileSync(join(ROOT, ".dev.vars.example"), devVars);
  console.log("created .dev.vars from .dev.vars.example (demo secrets)");
} else {
  // A .dev.vars from an earlier release gains the example's new secrets (its own values stay).
  const example = readFileSync(join(ROOT, ".dev.vars.example"), "utf8");
  const have = readFileSync(devVars, "utf8");
  const missing = example
    .split("\n")
    .filter(
      (line) => /^[A-Z_]+=/.test(line) && !new RegExp(`^${line.split("=")[0]}=`, "m").test(have),
    );
  if (missing.length > 0) {
    appendFileSync(devVars, `${have.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`);
    console.log(
      `.dev.vars: added ${missing.map((l) => l.split("=")[0]).join(", ")} from .dev.vars.example`,
    );
  }
}
// A .dev.vars from before the 32-byte bound keeps the dashboard and admin API closed: say so now.
const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(devVars, "utf8"))?.[1]?.trim();
const tokenProblem = adminTokenProblem(adminToken);
if (tokenProblem) {
  console.warn(
    `.dev.vars: ${ADMIN_TOKEN_MESSAGES[tokenProblem]}. The demo's is in .dev.vars.example.`,
  );
}

const routerPort = portOption("port", values.port);
const originsPort = portOption("origins-port", values["origins-port"]);
if (!values["origins-only"] && !(await portIsFree(routerPort))) {
  fail(
    `port ${routerPort} is already in use (is \`npm start\` running in another terminal?); pass --port <n>`,
  );
}
const origins = await startDemoOrigins(demoModels, { port: originsPort }).catch((err) => {
  if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
    fail(
      `port ${originsPort} for the demo origins is already in use (is \`npm start\` running in another terminal?); pass --origins-port <n>`,
    );
  }
  throw err;
});
console.log(
  `demo model origins on http://127.0.0.1:${origins.port} (${Object.keys(demoModels).join(", ")})`,
);

if (values["origins-only"]) {
  console.log("origins only; Ctrl-C to stop");
} else {
  // Two wrangler runs, whatever the number of services: one read, one write.
  const keys = demoDocuments.flatMap((s) => [documentKey(s), historyKey(s), lastGoodKey(s)]);
  const stored = await kvGetMany(keys, target);
  const writes: { key: string; value: string; from: string; version: number }[] = [];
  for (const service of demoDocuments) {
    const key = documentKey(service);
    if (!values.reseed && stored.get(key) != null) {
      console.log(`local KV: ${key} already present (kept; --reseed to reset)`);
      continue;
    }
    // A reseed is a raw put: it must carry a version above every one the
    // service's control object has seen, or the object will not adopt it.
    const previous = parseStoredService(service, {
      document: stored.get(key) ?? null,
      history: stored.get(historyKey(service)) ?? null,
      lastGood: stored.get(lastGoodKey(service)) ?? null,
    });
    const doc = JSON.parse(demoDocumentText(service, origins.port));
    doc.version = nextVersion(previous);
    doc.updatedAt = new Date().toISOString();
    // A plan runs once per canary salt (its control object remembers a rollout that ended):
    // a reseed gives the canary a new salt, so the demo's rollout starts over.
    if (doc.rollout && doc.canary && doc.version > 1) doc.canary.salt += `-v${doc.version}`;
    writes.push({
      key,
      value: `${JSON.stringify(doc, null, 2)}\n`,
      from: `scripts/demo/${service}.json`,
      version: doc.version,
    });
  }
  await kvPutMany(
    writes.map(({ key, value }) => ({ key, value })),
    target,
  );
  for (const w of writes)
    console.log(`local KV: seeded ${w.key} from ${w.from} (version ${w.version})`);

  const wranglerDev = spawn(
    process.execPath,
    [
      join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      "--port",
      String(routerPort),
      "--ip",
      "127.0.0.1",
      ...(persistTo ? ["--persist-to", persistTo] : []),
    ],
    {
      cwd: ROOT,
      stdio: ["inherit", "pipe", "pipe"],
      // Piped for the filter: keep wrangler's colours when this terminal shows them.
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: "false",
        ...(process.stdout.isTTY ? { FORCE_COLOR: "1" } : {}),
      },
    },
  );
  const shown = { requests: values.requests, verbose: values.verbose };
  if (wranglerDev.stdout) filterLines(wranglerDev.stdout, process.stdout, shown);
  if (wranglerDev.stderr) filterLines(wranglerDev.stderr, process.stderr, shown);
  const routerUrl = `http://127.0.0.1:${routerPort}`;
  startDemoTraffic({ url: routerUrl, dashboard: true });
  const rollouts = demoDocuments.filter(
    (s) => "rollout" in JSON.parse(demoDocumentText(s, DEMO_ORIGINS_PORT)),
  );
  let watch: { stop: () => void } | null = null;
  void waitForRouter(routerUrl).then((up) => {
    if (!up) return;
    console.log(
      [
        `  router: ${routerUrl} (wrangler dev; Ctrl-C stops everything)`,
        `  rollouts: ${rollouts.join(" and ")} run by themselves: recs (a healthy candidate) is promoted`,
        "  in about 5 min, search (fails 5 % of requests) rolled back in about a minute.",
        "  A line below at each step; or watch one: router rollout status recs --watch",
        "  (request lines hidden: npm start -- --requests shows them, --verbose the routine too)",
        "",
      ].join("\n"),
    );
    if (adminToken && !tokenProblem) {
      watch = watchRollouts({
        url: routerUrl,
        token: adminToken,
        services: rollouts,
        start: startedAt,
      });
    }
  });
  const stop = () => {
    watch?.stop();
    wranglerDev.kill("SIGTERM");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  wranglerDev.on("exit", async (code) => {
    await origins.close();
    process.exit(code ?? 0);
  });
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function portOption(name: string, value: string | undefined): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--${name} must be a port number`);
  return port;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** A demo document with its origins moved to the port the demo origins listen on. */
function demoDocumentText(service: string, port: number): string {
  const text = readFileSync(join(ROOT, "scripts", "demo", `${service}.json`), "utf8");
  return port === DEMO_ORIGINS_PORT
    ? text
    : text.replaceAll(`127.0.0.1:${DEMO_ORIGINS_PORT}/`, `127.0.0.1:${port}/`);
}
