/**
 * How a shadow's answer is compared with production's, beyond exact
 * equality of labels (issue 24: free text from an LLM agrees or not by
 * meaning, not bytes). Each comparator says whether two values agree and
 * how similar they are, from 0 (nothing alike) to 1 (the same), so a
 * similarity distribution can stand where there is no score:
 *   - exact: the values' JSON text is equal (what the shadow does today);
 *   - number: both are numbers (or numeric strings) within `tolerance`;
 *     similarity 1 - |a - b| / max(|a|, |b|) (0 at opposite signs);
 *   - text: equal after normalizing (Unicode NFKC, case, punctuation as
 *     space, runs of whitespace);
 *   - tokens: the Jaccard similarity of the normalized words' sets, agreeing
 *     at `threshold` or more;
 *   - json: structurally equal, object keys in any order.
 * Not wired into the shadow yet (the `compare` setting of a shadow block
 * comes with the streamed-answer work); pure and total: any JSON values in,
 * never throws.
 *
 * Layer: pure core.
 */

export type Comparator =
  | { kind: "exact" }
  | { kind: "number"; tolerance: number }
  | { kind: "text" }
  | { kind: "tokens"; threshold: number }
  | { kind: "json" };

export interface ValueComparison {
  agree: boolean;
  /** 0 (nothing alike) to 1 (the same). */
  similarity: number;
}

/** NFKC, lower case, punctuation and symbols as spaces, whitespace collapsed. */
export function normalizeText(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, " ")
    .replace(/\s+/gu, " ")
    .trim();
}

const asText = (v: unknown): string =>
  typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v);

/** The Jaccard similarity of two texts' sets of normalized words (two empty texts: 1). */
export function tokenSimilarity(a: string, b: string): number {
  const words = (t: string) => new Set(normalizeText(t).split(" ").filter(Boolean));
  const x = words(a);
  const y = words(b);
  if (x.size === 0 && y.size === 0) return 1;
  let both = 0;
  for (const w of x) if (y.has(w)) both++;
  return both / (x.size + y.size - both);
}

/** JSON text with object keys sorted at every level: equal for structurally equal values. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

const numberOf = (v: unknown): number | null => {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

const same = (agree: boolean): ValueComparison => ({ agree, similarity: agree ? 1 : 0 });

export function compareValues(
  c: Comparator,
  production: unknown,
  shadow: unknown,
): ValueComparison {
  switch (c.kind) {
    case "exact":
      return same(asText(production) === asText(shadow));
    case "json":
      return same(canonicalJson(production) === canonicalJson(shadow));
    case "text":
      return same(normalizeText(asText(production)) === normalizeText(asText(shadow)));
    case "tokens": {
      const similarity = tokenSimilarity(asText(production), asText(shadow));
      return { agree: similarity >= c.threshold, similarity };
    }
    case "number": {
      const a = numberOf(production);
      const b = numberOf(shadow);
      if (a === null || b === null) return same(false);
      const gap = Math.abs(a - b);
      const scale = Math.max(Math.abs(a), Math.abs(b));
      return {
        agree: gap <= c.tolerance,
        similarity: scale === 0 ? 1 : Math.max(0, 1 - gap / scale),
      };
    }
  }
}
