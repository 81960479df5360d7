/**
 * Prints every `--help` text of the router CLI as JSON (`[{ path, text }]`):
 * the top level, each command its "Commands:" list names, each subcommand.
 * scripts/tools/docs/cli.ts runs it in a child process. Each text is what
 * `node scripts/cli/router.ts <path...> --help` prints: the CLI's entry module
 * is imported once per run (a fresh copy, its argv set, stdout captured),
 * so the CLI's own code prints it, in one process instead of forty.
 *
 * Layer: script (docs).
 */
import { commandNames } from "./help-text.ts";

const ROUTER = new URL("../../cli/router.ts", import.meta.url);
const stdout = process.stdout.write.bind(process.stdout);
let runs = 0;

async function helpOf(path: string[]): Promise<string> {
  const chunks: string[] = [];
  process.argv = [process.argv[0] ?? "node", ROUTER.pathname, ...path, "--help"];
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await import(`${ROUTER.href}?help=${++runs}`);
  } finally {
    process.stdout.write = stdout;
  }
  if (process.exitCode) {
    throw new Error(`router ${path.join(" ")} --help exited ${process.exitCode}`);
  }
  return chunks.join("").trimEnd();
}

const entries: { path: string[]; text: string }[] = [];
const top = await helpOf([]);
entries.push({ path: [], text: top });
for (const name of commandNames(top)) {
  const text = await helpOf([name]);
  entries.push({ path: [name], text });
  for (const sub of commandNames(text)) {
    entries.push({ path: [name, sub], text: await helpOf([name, sub]) });
  }
}
stdout(`${JSON.stringify(entries)}\n`);
