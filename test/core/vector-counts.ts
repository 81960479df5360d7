/**
 * Resolves the shared histogram counts of the generated vectors
 * (scripts/tools/sequential_vectors.py stores each bucket -> count map once
 * under "counts" and names it "@n" where it is used).
 */
export function resolveCounts<T>(doc: { counts: Record<string, Record<string, number>> }, x: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string" && v.startsWith("@")) {
      const counts = doc.counts[v];
      if (!counts) throw new Error(`vector refers to unknown counts ${v}`);
      return { ...counts };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, walk(e)]));
    return v;
  };
  return walk(x) as T;
}
