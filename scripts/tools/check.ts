/**
 * `npm run check`: the generated-types check, the type checks, the linter
 * and the deploy dry run (the npm scripts types:check, typecheck, lint and
 * build:dry-run), in three lanes at the same time rather than one after
 * another: the type check takes most of the time on one core, the others
 * fit beside it. The two wrangler runs share a lane (each runs the
 * [build] command, which rewrites dist/assets). Each part's output is
 * printed whole, in that order, once all have ended; the exit status is 1
 * when any part failed.
 *
 * Layer: script (tools).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Lanes run at the same time; the parts of a lane one after another. */
const LANES = [["typecheck"], ["types:check", "build:dry-run"], ["lint"]];
const PARTS = ["types:check", "typecheck", "lint", "build:dry-run"];
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(`Usage: npm run check

Runs ${PARTS.join(", ")} (npm scripts), the type check beside the
others; prints each one's output once all have ended and exits 1 if any failed.
`);
  process.exit(0);
}

interface Result {
  part: string;
  code: number;
  output: string;
  seconds: number;
}

function run(part: string): Promise<Result> {
  const started = performance.now();
  return new Promise((resolve) => {
    const npm = process.env.npm_execpath;
    // Under npm, its own CLI with this Node; else the npm on the PATH.
    const [command, args] = npm
      ? [process.execPath, [npm, "run", "--silent", part]]
      : ["npm", ["run", "--silent", part]];
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    const done = (code: number) =>
      resolve({ part, code, output, seconds: (performance.now() - started) / 1000 });
    child.on("error", (err) => {
      output += `${err.message}\n`;
      done(1);
    });
    child.on("close", (code) => done(code ?? 1));
  });
}

const byPart = new Map<string, Result>();
await Promise.all(
  LANES.map(async (lane) => {
    for (const part of lane) byPart.set(part, await run(part));
  }),
);
const results = PARTS.map((p) => byPart.get(p) as Result);
for (const r of results) {
  process.stdout.write(`\n> npm run ${r.part} (${r.seconds.toFixed(1)} s)\n${r.output}`);
  if (r.code !== 0) process.stdout.write(`npm run ${r.part} failed (exit ${r.code})\n`);
}
const failed = results.filter((r) => r.code !== 0).map((r) => r.part);
process.stdout.write(
  failed.length === 0 ? "\ncheck: all passed\n" : `\ncheck: failed: ${failed.join(", ")}\n`,
);
process.exitCode = failed.length === 0 ? 0 : 1;
