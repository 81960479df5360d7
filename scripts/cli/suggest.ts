/**
 * "Did you mean ...?": the closest of some names to what was typed, by
 * Levenshtein distance (ties go to the earlier name).
 *
 * Layer: CLI (pure).
 */

/** Edits (insert, delete, substitute one character) to turn `a` into `b`. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(substitute, (previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/** The name closest to `typed`; null when there are no names. */
export function closest(typed: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const d = levenshtein(typed.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/** A likely typo of `name`: a few edits away (two, or a third of its length). */
export const isNear = (typed: string, name: string) =>
  levenshtein(typed.toLowerCase(), name.toLowerCase()) <= Math.max(2, name.length / 3);

/** "unknown command flp; did you mean flip?" (no guess when nothing is near). */
export function unknownMessage(what: string, typed: string, names: readonly string[]): string {
  const guess = closest(typed, names);
  return `unknown ${what} ${typed}${guess && isNear(typed, guess) ? `; did you mean ${guess}?` : ""}`;
}
