/**
 * `npm run bench:cli`: the wall clock of `router` commands, as an operator
 * runs them (node_modules/.bin/router: the project's Node 22, no npm in
 * the path), against a local router with the demo documents and light
 * traffic (test/support/stack/demo-stack.ts). Commands run one after
 * another, every command once per round, `--rounds` rounds; the report
 * gives p50, p90 and the slowest per command against the targets (a read
 * under 300 ms, a write under 600 ms), and `npm run router -- status` beside
 * them (what npm in the path costs).
 *
 * Layer: build-time script.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startDemoStack } from "../../test/support/stack/demo-stack.ts";
import { ROOT } from "../cli/wrangler.ts";
import { fmt, parseCommand, positiveInt, progress } from "./cli.ts";

const HELP = `Usage: npm run bench:cli -- [options]

Starts a local router (Miniflare, the demo documents, 2 requests/s a
service), then times router commands as an operator runs them:
node_modules/.bin/router (written by npm ci / npm install). Every command
once per round, in order, --rounds rounds. Prints a markdown table: p50,
p90 and slowest wall clock per command, against the targets (reads < 300 ms,
writes < 600 ms), and \`npm run router -- status\` for comparison.

Options:
  --rounds <n>   rounds (default 10)
  -h, --help     show this help
`;

const values = parseCommand(HELP, { rounds: { type: "string", default: "10" } });
const rounds = positiveInt(HELP, "rounds", values.rounds);
const BIN = join(ROOT, "node_modules", ".bin", "router");
if (!existsSync(BIN)) {
  process.stderr.write(`${BIN} is missing: run npm install (its prepare step writes it)\n`);
  process.exit(1);
}

interface Case {
  label: string;
  kind: "read" | "write" | "npm";
  argv: (round: number) => string[];
}

const CASES: Case[] = [
  { label: "router --help", kind: "read", argv: () => ["--help"] },
  { label: "router status fraud", kind: "read", argv: () => ["status", "fraud"] },
  { label: "router history fraud", kind: "read", argv: () => ["history", "fraud"] },
  { label: "router rollout status recs", kind: "read", argv: () => ["rollout", "status", "recs"] },
  {
    label: "router challenger status fraud",
    kind: "read",
    argv: () => ["challenger", "status", "fraud"],
  },
  {
    label: "router validate scripts/demo/fraud.json",
    kind: "read",
    argv: () => ["validate", join(ROOT, "scripts", "demo", "fraud.json")],
  },
  {
    label: "router canary set fraud --share 6% / 5%",
    kind: "write",
    argv: (round) => ["canary", "set", "fraud", "--share", round % 2 ? "5%" : "6%"],
  },
  {
    label: "router canary kill fraud / set --share 5%",
    kind: "write",
    argv: (round) =>
      round % 2 ? ["canary", "set", "fraud", "--share", "5%"] : ["canary", "kill", "fraud"],
  },
  { label: "npm run router -- status fraud", kind: "npm", argv: () => ["status", "fraud"] },
];

const TARGET_MS = { read: 300, write: 600 } as const;

progress("starting a local router with the demo documents...");
const stack = await startDemoStack({ perSecond: 2 });
const env = { ...process.env, ROUTER_URL: stack.url, ROUTER_ADMIN_TOKEN: stack.adminToken };

function run(c: Case, round: number): number {
  const [cmd, args] =
    c.kind === "npm"
      ? ["npm", ["run", "--silent", "router", "--", ...c.argv(round)]]
      : [BIN, c.argv(round)];
  const started = performance.now();
  const r = spawnSync(cmd as string, args as string[], { cwd: ROOT, env, encoding: "utf8" });
  const ms = performance.now() - started;
  if (r.status !== 0)
    throw new Error(`${c.label} exited ${r.status}: ${r.stderr.trim() || r.stdout.trim()}`);
  return ms;
}

const times = new Map<string, number[]>(CASES.map((c) => [c.label, []]));
try {
  // One unmeasured round: the file cache and the router's first requests.
  for (const c of CASES) run(c, 0);
  for (let round = 0; round < rounds; round++) {
    progress(`round ${round + 1}/${rounds}`);
    for (const c of CASES) times.get(c.label)?.push(run(c, round));
  }
} finally {
  await stack.dispose();
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const lines = [
  "",
  `\`node_modules/.bin/router\` against a local router (Miniflare, demo documents), ${rounds} rounds, wall clock per command:`,
  "",
  "| command | p50 ms | p90 ms | slowest ms | target | |",
  "|---|---:|---:|---:|---:|---|",
];
let failed = false;
for (const c of CASES) {
  const xs = times.get(c.label) ?? [];
  const p90 = quantile(xs, 0.9);
  const target = c.kind === "npm" ? null : TARGET_MS[c.kind];
  const ok = target === null || p90 < target;
  failed ||= !ok;
  lines.push(
    `| \`${c.label}\` | ${fmt(quantile(xs, 0.5))} | ${fmt(p90)} | ${fmt(Math.max(...xs))} | ${target === null ? "(npm in the path)" : `< ${target}`} | ${target === null ? "" : ok ? "PASS (p90)" : "FAIL (p90)"} |`,
  );
}
lines.push("", `Reproduce: npm run bench:cli -- --rounds ${rounds}`, "");
process.stdout.write(lines.join("\n"));
process.exitCode = failed ? 1 : 0;
