/**
 * V8's own account of garbage collection inside workerd, for the
 * benchmarks: which pauses the isolates took during a load, and how much
 * each request left behind for the old generation.
 *
 * Miniflare passes MINIFLARE_WORKERD_V8_FLAGS to workerd (here --trace-gc)
 * and drops every stdout line that is not a structured log, and V8 prints
 * through a block-buffered stdout. So, before Miniflare starts, workerd is
 * pointed (MINIFLARE_WORKERD_PATH) at a small bash wrapper that runs the
 * real binary line-buffered (coreutils' stdbuf) with stdout copied to a file
 * (tee) and the GC lines filtered out of what Miniflare reads (it prints
 * unstructured lines); a load's lines are the bytes the file gained between
 * two marks. Linux only (bash, stdbuf, tee, grep); elsewhere
 * `enableGcTrace` returns null and the benchmark prints no GC columns.
 *
 * One line per collection, e.g.
 *   [3599:0x53ac3fca0000]  10584 ms: Mark-Compact 34.6 (59.5) -> 6.5 (52.7) MB, pooled: 6.8 MB, 136.08 / 0.00 ms ...
 * (isolate address, its clock, kind, heap used (committed) before -> after,
 * main-thread pause). Each isolate is one Worker (or Durable Object class).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

/** The workerd binary Miniflare would run (the package's main exports its path). */
const WORKERD = (createRequire(import.meta.url)("workerd") as { default: string }).default;

export interface GcEvent {
  isolate: string;
  kind: "Scavenge" | "Mark-Compact" | string;
  /** Heap used before and after, MB. */
  beforeMb: number;
  afterMb: number;
  /** Main-thread pause, ms. */
  pauseMs: number;
}

/** One isolate's collections during a load. */
export interface GcWindow {
  isolate: string;
  scavenges: number;
  scavengeMaxMs: number;
  markCompacts: number;
  markCompactMaxMs: number;
  /** Every pause added up, ms. */
  pauseMs: number;
  /**
   * What survived the young generation: growth of the heap after each
   * scavenge, MB (null when no two scavenges followed each other: too short a load).
   */
  promotedMb: number | null;
}

export interface GcTrace {
  /** The trace file's length now: a load's events lie between two marks. */
  mark(): number;
  /** The busiest isolate's collections between two marks (null: none collected). */
  between(from: number, to: number): GcWindow | null;
}

/** How a GC line starts (grep -E): "[pid:isolate]   N ms: ". */
const GC_LINE_START = "^\\[[0-9]+:0x[0-9a-f]+\\] +[0-9]+ ms: ";

const LINE =
  /\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: (Scavenge|Mark-Compact|Minor Mark-Sweep|Mark-Sweep)\S* ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB,.*? ([\d.]+) \/ [\d.]+ ms/;

export function parseGcLines(text: string): GcEvent[] {
  const events: GcEvent[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    events.push({
      isolate: m[1] as string,
      kind: m[2] as string,
      beforeMb: Number(m[3]),
      afterMb: Number(m[4]),
      pauseMs: Number(m[5]),
    });
  }
  return events;
}

/**
 * The collections of the isolate that collected the most bytes (the one
 * under load: an idle isolate can collect as often, e.g. a mark-compact
 * every few seconds on a tiny heap, but frees little).
 */
export function busiestWindow(events: GcEvent[]): GcWindow | null {
  const byIsolate = new Map<string, GcEvent[]>();
  for (const e of events) byIsolate.set(e.isolate, [...(byIsolate.get(e.isolate) ?? []), e]);
  const freed = (xs: GcEvent[]) =>
    xs.reduce((sum, e) => sum + Math.max(0, e.beforeMb - e.afterMb), 0);
  const [isolate, mine] = [...byIsolate].sort((a, b) => freed(b[1]) - freed(a[1]))[0] ?? [];
  if (!isolate || !mine) return null;
  const scavenges = mine.filter((e) => e.kind === "Scavenge");
  const full = mine.filter((e) => e.kind !== "Scavenge");
  let promotedMb: number | null = null;
  for (let i = 1; i < mine.length; i++) {
    const prev = mine[i - 1] as GcEvent;
    const cur = mine[i] as GcEvent;
    // After a scavenge the heap holds what survived it; after a full GC the baseline resets.
    if (cur.kind === "Scavenge")
      promotedMb = (promotedMb ?? 0) + Math.max(0, cur.afterMb - prev.afterMb);
  }
  const maxOf = (xs: GcEvent[]) => xs.reduce((m, e) => Math.max(m, e.pauseMs), 0);
  return {
    isolate,
    scavenges: scavenges.length,
    scavengeMaxMs: maxOf(scavenges),
    markCompacts: full.length,
    markCompactMaxMs: maxOf(full),
    pauseMs: mine.reduce((s, e) => s + e.pauseMs, 0),
    promotedMb,
  };
}

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/**
 * Sets the environment so that the next Miniflare's workerd traces its GC
 * into `dir`/workerd-gc.log; null where the wrapper cannot run.
 */
export function enableGcTrace(dir: string): GcTrace | null {
  if (process.platform !== "linux" || !has("bash") || !has("stdbuf") || !has("tee") || !has("grep"))
    return null;
  mkdirSync(dir, { recursive: true });
  const log = join(dir, "workerd-gc.log");
  const wrapper = join(dir, "workerd-trace-gc.sh");
  writeFileSync(log, "");
  writeFileSync(
    wrapper,
    [
      "#!/usr/bin/env bash",
      `# Written by scripts/bench/gc-trace.ts: workerd, line-buffered; its stdout is copied to`,
      `# ${log}, and Miniflare gets every line but V8's GC lines (it would print them).`,
      `exec stdbuf -oL -eL ${JSON.stringify(process.env.MINIFLARE_WORKERD_PATH ?? WORKERD)} "$@" \\`,
      `  > >(tee -a ${JSON.stringify(log)} | grep --line-buffered -vE ${JSON.stringify(GC_LINE_START)})`,
      "",
    ].join("\n"),
  );
  chmodSync(wrapper, 0o755);
  process.env.MINIFLARE_WORKERD_PATH = wrapper;
  process.env.MINIFLARE_WORKERD_V8_FLAGS = [process.env.MINIFLARE_WORKERD_V8_FLAGS, "--trace-gc"]
    .filter(Boolean)
    .join(" ");
  return {
    mark: () => statSync(log).size,
    between: (from, to) => {
      const text = readFileSync(log).subarray(from, to).toString("utf8");
      return busiestWindow(parseGcLines(text));
    },
  };
}
