/**
 * Number formats of the gates' sentences ("error rate 2.9% vs 1.0% live,
 * worse by 1.9 pp"): the same text in Node and workerd (no Intl).
 *
 * Layer: pure core.
 */

/** 4100 -> "4,100". */
export const count = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** 0.029 -> "2.9%", 0.0035 -> "0.35%" (two decimals below 1%). */
export const pct = (x: number) => `${(x * 100).toFixed(Math.abs(x) < 0.01 ? 2 : 1)}%`;

/** Percentage points with a sign: 0.019 -> "+1.9 pp", 0.0004 -> "+0.04 pp". */
export const pp = (x: number) => {
  const text = (Math.abs(x) * 100).toFixed(x !== 0 && Math.abs(x) < 0.001 ? 2 : 1);
  return `${x < 0 && Number(text) !== 0 ? "-" : "+"}${text} pp`;
};

/** Percentage points without a sign: 0.019 -> "1.9 pp". */
export const ppAbs = (x: number) => pp(Math.abs(x)).slice(1);

/** 184.2 -> "184 ms", 2.14 -> "2.1 ms". */
export const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;

/** A plain number with up to 4 significant digits: 0.071234 -> "0.07123". */
export const num = (x: number) =>
  Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);

/** 5400 -> "1h30m", 45 -> "45s", 0 -> "0s". */
export function duration(seconds: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(seconds));
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return parts.join("");
}
