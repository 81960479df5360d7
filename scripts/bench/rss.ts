/**
 * Resident memory of a process (Linux /proc; elsewhere every reading is
 * null): the current RSS, and the peak over a window, taken two ways that
 * must agree: VmRSS sampled on a timer, and the kernel's own high-water mark
 * VmHWM after resetting it (writing "5" to /proc/<pid>/clear_refs), which
 * cannot miss a spike between two samples.
 *
 * Layer: benchmark support.
 */
import { readFileSync, writeFileSync } from "node:fs";

/** A field of /proc/<pid>/status in kB (e.g. "VmRSS"), or null when unknown. */
function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number | null {
  try {
    const match = readFileSync(`/proc/${pid}/status`, "utf8").match(
      new RegExp(`^${field}:\\s+(\\d+) kB`, "m"),
    );
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Current resident set size in MB (2^20 bytes), or null when unknown. */
export const rssMb = (pid: number): number | null => {
  const kb = statusKb(pid, "VmRSS");
  return kb === null ? null : kb / 1024;
};

export interface PeakWindow {
  /** Ends the window: the highest RSS seen, in MB, and how it was seen. */
  stop: () => { peakMb: number; sampledMb: number; hwmMb: number | null; samples: number };
}

/** Starts watching `pid`'s RSS every `everyMs` until `stop()`. */
export function watchPeak(pid: number, everyMs = 20): PeakWindow {
  let hwmReset = false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5"); // resets VmHWM to the current RSS
    hwmReset = true;
  } catch {}
  let sampledMb = rssMb(pid) ?? 0;
  let samples = 1;
  const timer = setInterval(() => {
    const now = rssMb(pid);
    if (now !== null) sampledMb = Math.max(sampledMb, now);
    samples++;
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sampledMb = Math.max(sampledMb, rssMb(pid) ?? 0);
      const hwmKb = hwmReset ? statusKb(pid, "VmHWM") : null;
      const hwmMb = hwmKb === null ? null : hwmKb / 1024;
      return { peakMb: Math.max(sampledMb, hwmMb ?? 0), sampledMb, hwmMb, samples };
    },
  };
}
