/**
 * What the benchmark commands share on the command line: integer options
 * that must be positive, progress lines on stderr, number formats, warm-up.
 */
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
