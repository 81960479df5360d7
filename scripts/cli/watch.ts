/**
 * `--watch` for read commands (`status`, `rollout status`): read, render,
 * and draw again whenever the text changes, every --interval seconds; on
 * a terminal the screen is redrawn, elsewhere each change is printed after
 * a timestamped rule. A command with final states (a rollout promoted,
 * completed, rolled back or aborted) exits once one is reached, with its
 * exit code; a read that fails is shown and retried, and the watch gives
 * up (exit 1) after WATCH_FAILURES failures in a row.
 *
 * Layer: CLI.
 */
import { CliError, EXIT, usage, type Values } from "./cli.ts";

export const WATCH_OPTIONS = {
  watch: { type: "boolean" },
  interval: { type: "string" },
} as const;

export const WATCH_HELP = `  --watch               draw again whenever it changes (Ctrl-C stops)
  --interval <s>        seconds between reads with --watch (default 2)`;

/** Consecutive failed reads before --watch gives up. */
export const WATCH_FAILURES = 5;

export interface Watched<T> {
  read: () => Promise<T>;
  render: (value: T) => string;
  /** Exit code once `value` is final (null: keep watching). */
  final?: (value: T) => { code: number; why: string } | null;
}

/** --interval in ms (default 2 s; 0.1 s to an hour). */
export function intervalOf(values: Values): number {
  const text = values.interval;
  if (text === undefined) return 2000;
  const s = Number(text);
  if (typeof text !== "string" || !Number.isFinite(s) || s < 0.1 || s > 3600)
    throw usage(`--interval: seconds from 0.1 to 3600, got "${String(text)}"`);
  return Math.round(s * 1000);
}

export async function watch<T>(w: Watched<T>, intervalMs: number): Promise<void> {
  const out = process.stdout;
  const tty = out.isTTY === true;
  let shown: string | null = null;
  let failures = 0;
  for (;;) {
    const at = new Date().toISOString();
    let text: string;
    let final: { code: number; why: string } | null = null;
    try {
      const value = await w.read();
      failures = 0;
      text = w.render(value);
      final = w.final?.(value) ?? null;
    } catch (err) {
      failures += 1;
      if (failures >= WATCH_FAILURES) throw err;
      text = `(read failed, ${failures} of ${WATCH_FAILURES} in a row, retrying: ${(err as Error).message})`;
    }
    if (text !== shown) {
      shown = text;
      const head = `every ${intervalMs / 1000} s, last change ${at} (Ctrl-C stops)`;
      out.write(tty ? `\x1b[2J\x1b[H${head}\n\n${text}\n` : `--- ${at} ---\n${text}\n`);
    }
    if (final) {
      out.write(`${final.why}: exit ${final.code}\n`);
      if (final.code !== EXIT.ok) throw new CliError(final.code, "watch_final", "");
      return;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
