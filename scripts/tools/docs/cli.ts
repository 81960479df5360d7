/**
 * docs/reference/cli.md, generated from the commands' own `--help`: the
 * router CLI's every command and subcommand (scripts/tools/docs/router-help.ts
 * runs them in one child process), and every npm script that runs a .ts
 * file (package.json), each run as `node <file> --help`, so the page cannot
 * say anything the commands do not. Scripts that run other tools (tsc,
 * biome, wrangler, vitest) are listed with their command line.
 *
 * Layer: script (docs). Spawns only `--help` runs: no router, no KV.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../cli/wrangler.ts";
import { anchor, code, generatedBanner, table } from "./markdown.ts";

export const CLI_PAGE = "docs/reference/cli.md";

/** Where the CLI would look for a router and its token: not the caller's own. */
const UNSET = [
  "ROUTER_URL",
  "ROUTER_ADMIN_TOKEN",
  "ADMIN_TOKEN",
  "OVERRIDE_TOKEN",
  "ROUTER_AUTHOR",
];

interface HelpRun {
  args: string[];
  text: string;
}

/** `node <script> <args...>`'s stdout; fails on a non-zero exit or any stderr. */
function help(script: string, args: string[]): Promise<HelpRun> {
  const env: Record<string, string> = { NO_COLOR: "1", FORCE_COLOR: "0" };
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !UNSET.includes(k) && !k.startsWith("npm_")) env[k] ??= v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, script), ...args], {
      cwd: ROOT,
      // ProcessEnv is widened with the Worker's vars (worker-configuration.d.ts).
      env: env as unknown as NodeJS.ProcessEnv,
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
    child.on("error", reject);
    child.on("close", (status) => {
      if (status !== 0 || stderr.trim() !== "") {
        reject(new Error(`node ${script} ${args.join(" ")} exited ${status}: ${stderr || stdout}`));
      } else {
        resolve({ args, text: stdout.trimEnd() });
      }
    });
  });
}

/** Runs `jobs` two at a time (the machines have two cores), in order. */
async function pooled<T>(jobs: (() => Promise<T>)[], width = 2): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return results;
}

interface Entry {
  /** e.g. ["canary", "set"] */
  path: string[];
  text: string;
}

/**
 * The router CLI: its own help, every command's, every subcommand's
 * (scripts/tools/docs/router-help.ts).
 */
async function routerHelp(): Promise<Entry[]> {
  return JSON.parse((await help("scripts/tools/docs/router-help.ts", [])).text) as Entry[];
}

interface Script {
  names: string[];
  command: string;
  /** The .ts file it runs with node, if any. */
  file: string | null;
}

/** package.json's scripts, those that run the same command merged (start and dev). */
function npmScripts(): Script[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const scripts: Script[] = [];
  for (const [name, command] of Object.entries(pkg.scripts)) {
    const same = scripts.find((s) => s.command === command);
    if (same) {
      same.names.push(name);
      continue;
    }
    // Only scripts that answer --help are run with it (another would just run).
    const file = /^node (scripts\/\S+\.ts)$/.exec(command)?.[1] ?? null;
    const answersHelp = file !== null && readFileSync(join(ROOT, file), "utf8").includes("--help");
    scripts.push({ names: [name], command, file: answersHelp ? file : null });
  }
  return scripts;
}

const npmRun = (name: string) =>
  name === "start" || name === "test" ? `npm ${name}` : `npm run ${name}`;

function fence(text: string): string {
  const marker = text.includes("```") ? "~~~~" : "```";
  return `${marker}text\n${text}\n${marker}`;
}

export async function renderCli(): Promise<string> {
  const router = await routerHelp();
  const scripts = npmScripts().filter((s) => s.names[0] !== "router");
  const withHelp = scripts.filter((s) => s.file !== null);
  const helps = await pooled(withHelp.map((s) => () => help(s.file as string, ["--help"])));

  const routerTitle = (path: string[]) =>
    path.length === 0 ? "npm run router" : `npm run router -- ${path.join(" ")}`;
  const routerSections = router.map((e) => {
    const depth = e.path.length === 0 ? "##" : e.path.length === 1 ? "###" : "####";
    return `${depth} ${code(routerTitle(e.path))}\n\n${fence(e.text)}`;
  });
  const scriptTitle = (s: Script) => s.names.map((n) => code(npmRun(n))).join(", ");
  const scriptSections = withHelp.map(
    (s, i) => `### ${scriptTitle(s)}\n\n${fence(helps[i]?.text ?? "")}`,
  );
  const others = scripts.filter((s) => s.file === null);
  const contents = [
    `[${code("npm run router")}](#${anchor(routerTitle([]))})`,
    ...router
      .filter((e) => e.path.length === 1)
      .map((e) => `[${e.path[0]}](#${anchor(routerTitle(e.path))})`),
  ].join(" · ");

  return `${generatedBanner("the commands' own --help (scripts/cli/commands/*, package.json's scripts)")}

# CLI reference

Every command's \`--help\`, verbatim. Run any of them with \`--help\` for the same text.

Router CLI: ${contents}

Other scripts: ${withHelp.map((s) => `[${s.names[0]}](#${anchor(s.names.map(npmRun).join(", "))})`).join(" · ")} · [without --help](#scripts-without---help)

${routerSections.join("\n\n")}

## Other npm scripts

${scriptSections.join("\n\n")}

## Scripts without --help

What each runs (package.json):

${table(
  ["Script", "Runs"],
  others.map((s) => [scriptTitle(s), code(s.command)]),
)}
`;
}
