/**
 * What the benchmark commands share on the command line: parsing their
 * options (usage on -h/--help, a clear error and the usage on a bad one),
 * integer options that must be positive, progress lines on stderr, number
 * formats, warm-up, the median of rounds.
 */
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";

/**
 * The command's options (plus -h/--help, which prints `help` and exits 0);
 * an unknown option or a missing value prints the error and the usage and
 * exits 2 (not a stack trace).
 */
export function parseCommand<const T extends ParseArgsOptionsConfig>(
  help: string,
  options: T,
): ReturnType<typeof parseArgs<{ options: T }>>["values"] {
  const all = { ...options, help: { type: "boolean", short: "h", default: false } } as const;
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ options: all }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${help}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(help);
    process.exit(0);
  }
  return values as ReturnType<typeof parseArgs<{ options: T }>>["values"];
}

/** A positive integer option, or exit 2 with the usage. */
export function positiveInt(help: string, name: string, value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name} must be a positive integer, got "${String(value)}"\n\n${help}`);
    process.exit(2);
  }
  return n;
}

export const progress = (line: string) => process.stderr.write(`${line}\n`);

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Warm-up seconds for a measured load of `duration` seconds. */
export const warmupSeconds = (duration: number) =>
  Math.min(5, Math.max(2, Math.round(duration / 3)));

/** The median (the mean of the middle two for an even count; NaN for none). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
