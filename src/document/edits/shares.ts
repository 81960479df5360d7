/**
 * Traffic shares as people write them ("5%", "0.5%", "0.07%") and as the
 * routing document stores them (integer basis points, 100 bp = 1 %).
 *
 * Layer: document, edits (pure). Conversion is exact, digit by digit, never
 * through floating point: "0.07%" is 7 bp, and anything finer than one basis
 * point ("0.005%") is refused rather than rounded, because a share silently
 * rounded is a share nobody asked for.
 */
import { BUCKETS } from "../../core/routing/bucket.ts";

export type ShareParse = { ok: true; bp: number } | { ok: false; message: string };

const PERCENT = /^(\d{1,3})(?:\.(\d+))?%$/;

/** "5%" -> 500, "0.5%" -> 50, "100%" -> 10000. */
export function parsePercent(text: string): ShareParse {
  const match = PERCENT.exec(text.trim());
  if (!match) return { ok: false, message: `"${text}" is not a percentage like 5% or 0.5%` };
  const whole = Number(match[1]);
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > 2) {
    return {
      ok: false,
      message: `"${text}" is finer than one basis point (0.01%); shares are whole basis points`,
    };
  }
  const bp = whole * 100 + Number(fraction.padEnd(2, "0"));
  return checkRange(bp, text);
}

/** "500" -> 500 (basis points given directly). */
export function parseBasisPoints(text: string): ShareParse {
  if (!/^\d+$/.test(text.trim())) {
    return { ok: false, message: `"${text}" is not a whole number of basis points` };
  }
  return checkRange(Number(text), `${text} bp`);
}

function checkRange(bp: number, label: string): ShareParse {
  if (bp > BUCKETS) return { ok: false, message: `${label} is more than 100% (${BUCKETS} bp)` };
  return { ok: true, bp };
}

/** 500 -> "5%", 7 -> "0.07%", 10000 -> "100%". */
export function formatBp(bp: number): string {
  const whole = Math.floor(bp / 100);
  const rest = bp % 100;
  if (rest === 0) return `${whole}%`;
  return `${whole}.${String(rest).padStart(2, "0").replace(/0$/, "")}%`;
}

/** "5%, buckets 0-499": a challenger's range of buckets. */
export const rangeText = (r: { startBp: number; shareBp: number }) =>
  r.shareBp === 0
    ? "0%, no buckets"
    : `${formatBp(r.shareBp)}, buckets ${r.startBp}-${r.startBp + r.shareBp - 1}`;
