/**
 * Numbers as the dashboard shows them, one unit per kind everywhere: shares
 * and rates in %, latency in ms, traffic in req/s, durations as "1m 30s",
 * times as "12 s ago" with the exact UTC time on hover.
 *
 * Layer: HTTP edge (dashboard views), pure.
 */

/** A share in basis points (may be fractional): 1000 -> "10%", 472.5 -> "4.73%". */
export function share(bp: number): string {
  const pct = bp / 100;
  if (Number.isInteger(pct)) return `${pct}%`;
  return `${Number(pct.toFixed(2))}%`;
}

/** A rate 0..1 as a percentage with two decimals: 0.0123 -> "1.23%". */
export function rate(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "–" : `${(x * 100).toFixed(2)}%`;
}

export function ms(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  if (x < 10) return `${x.toFixed(1)} ms`;
  return `${Math.round(x)} ms`;
}

export function perSecond(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  return `${x < 10 ? x.toFixed(1) : Math.round(x)} req/s`;
}

export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** Seconds as "45s", "10m", "1h 30m", "2d 4h". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const units: [number, string][] = [
    [86_400, "d"],
    [3_600, "h"],
    [60, "m"],
    [1, "s"],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago" (or "in 5 s" for the future). */
export function ago(atMs: number, nowMs: number): string {
  const d = Math.round((nowMs - atMs) / 1000);
  const future = d < 0;
  const a = Math.abs(d);
  const text =
    a < 60
      ? `${a} s`
      : a < 3600
        ? `${Math.round(a / 60)} min`
        : a < 86_400
          ? `${Math.round(a / 3600)} h`
          : `${Math.round(a / 86_400)} d`;
  return future ? `in ${text}` : `${text} ago`;
}

/** The exact time, for a title attribute: "2026-12-02 01:16:41 UTC". */
export function utc(atMs: number): string {
  if (!Number.isFinite(atMs)) return "";
  return `${new Date(atMs).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

/** A number from the evidence of a gate, readable: 0.0025 -> "0.0025", 125256 -> "125,256". */
export function evidenceNumber(x: number): string {
  if (Number.isInteger(x)) return count(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(1);
  if (a >= 0.01) return x.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
  return x.toPrecision(3);
}
