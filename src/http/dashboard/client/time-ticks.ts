/**
 * The time axis of the dashboard's charts: tick steps and labels. Whole
 * seconds and round minutes, never a fraction (the 30-second chart read
 * ":27.000 :27.500" with uPlot's defaults); a clock time with seconds on a
 * span under 10 minutes, without them above.
 *
 * Layer: HTTP edge (dashboard client; no DOM, so Node tests import it).
 */

/** Seconds between time ticks: whole seconds and round minutes, never fractions (":27.500"). */
export const TIME_INCREMENTS = [
  1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
];
const two = (n: number) => String(n).padStart(2, "0");

/** A tick's clock time: with seconds on a span under 10 minutes ("14:03:25"), else "14:03". */
export function clockTick(seconds: number, span: number): string {
  const d = new Date(seconds * 1000);
  const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
  return span < 600 ? `${hm}:${two(d.getSeconds())}` : hm;
}
