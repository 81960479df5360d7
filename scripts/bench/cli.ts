/**
 * What the benchmark commands share on the command line: integer options
 * that must be positive, progress lines on stderr, number formats, warm-up,
 * the median of rounds.
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

/** The median (the mean of the middle two for an even count; NaN for none). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
