/**
 * CPU time of the benchmark's processes (Linux /proc; elsewhere every
 * reading is null), to show where each request's CPU goes: workerd (the
 * Worker under test), the origin process, and the load generator (wrk, a
 * child that has exited: its CPU is in this process's "children" time).
 * On a small machine these compete for the same cores, so CPU per request is
 * a steadier signal than req/s.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * user + system CPU milliseconds of a process (or of its exited, waited-for
 * children), or null when unknown.
 */
export function cpuMs(pid: number, whose: "self" | "children" = "self"): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime, stime; cutime, cstime
    const at = whose === "self" ? 11 : 13;
    const ticks = Number(fields[at]) + Number(fields[at + 1]);
    return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}

/** The first descendant of this process named `comm` (e.g. "workerd"), or null. */
export function findDescendant(comm: string, root = process.pid): number | null {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${root}/task`);
  } catch {
    return null;
  }
  for (const task of tasks) {
    let children: number[] = [];
    try {
      const text = readFileSync(`/proc/${root}/task/${task}/children`, "utf8").trim();
      children = text ? text.split(/\s+/).map(Number) : [];
    } catch {}
    for (const child of children) {
      try {
        if (readFileSync(`/proc/${child}/comm`, "utf8").trim() === comm) return child;
      } catch {}
      const found = findDescendant(comm, child);
      if (found !== null) return found;
    }
  }
  return null;
}
