/**
 * Running documentation as written: the ```sh blocks of a Markdown text,
 * and one shell script run asynchronously (the local origins a test starts
 * answer from the test's own event loop, which spawnSync would block).
 *
 * Layer: shared test support.
 */
import { spawn } from "node:child_process";

/** The contents of every ```sh block of `markdown`, in order. */
export const shellBlocks = (markdown: string): string[] =>
  [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");

/** Lines of shell blocks: trailing comments and comment or blank lines dropped. */
export const shellLines = (blocks: readonly string[]): string[] =>
  blocks
    .flatMap((b) => b.split("\n"))
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l !== "" && !l.startsWith("#"));

export interface ShellRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Both streams, interleaved as they arrived. */
  out: string;
}

/** `sh [-e] -c script` in `cwd`; resolves when it exits. */
export function runShell(
  script: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; exitOnError?: boolean },
): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    const args = options.exitOnError ? ["-e", "-c", script] : ["-c", script];
    const child = spawn("sh", args, { cwd: options.cwd, env: options.env });
    const run = { stdout: "", stderr: "", out: "" };
    child.stdout.on("data", (d) => {
      run.stdout += d;
      run.out += d;
    });
    child.stderr.on("data", (d) => {
      run.stderr += d;
      run.out += d;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, ...run }));
  });
}
