/**
 * Field-level differences between two routing documents, for the diff the
 * CLI prints before every write and the admin API returns after one.
 *
 * Layer: document, edits (pure). Documents are flattened to leaf paths
 * ("canary.shareBp", "challengers.0.origin"); each path is added, removed
 * or changed. Output is ordered by path, so equal changes print alike.
 */

export interface DiffLine {
  path: string;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

/** Stamps every write changes; left out of diffs unless asked for. */
export const STAMP_FIELDS = ["version", "updatedAt", "updatedBy"] as const;

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  const isContainer = value !== null && typeof value === "object";
  const entries = isContainer ? Object.entries(value as Record<string, unknown>) : [];
  if (!isContainer || entries.length === 0) {
    if (prefix !== "") out.set(prefix, value);
    return;
  }
  for (const [key, child] of entries) flatten(child, prefix ? `${prefix}.${key}` : key, out);
}

export function diffDocuments(
  before: unknown,
  after: unknown,
  options: { stamps?: boolean } = {},
): DiffLine[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(before ?? {}, "", a);
  flatten(after ?? {}, "", b);
  const skip = (path: string) =>
    !options.stamps && (STAMP_FIELDS as readonly string[]).includes(path);
  const lines: DiffLine[] = [];
  for (const [path, value] of a) {
    if (skip(path)) continue;
    if (!b.has(path)) lines.push({ path, kind: "removed", before: value });
    else if (JSON.stringify(b.get(path)) !== JSON.stringify(value))
      lines.push({ path, kind: "changed", before: value, after: b.get(path) });
  }
  for (const [path, value] of b) {
    if (!skip(path) && !a.has(path)) lines.push({ path, kind: "added", after: value });
  }
  return lines.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** "~ live: "blue" -> "green"", "+ canary.shareBp: 500", "- canary.salt: "s"". */
export function formatDiff(lines: readonly DiffLine[]): string {
  if (lines.length === 0) return "  (no changes)";
  const show = (v: unknown) => JSON.stringify(v);
  return lines
    .map((l) => {
      if (l.kind === "added") return `  + ${l.path}: ${show(l.after)}`;
      if (l.kind === "removed") return `  - ${l.path}: ${show(l.before)}`;
      return `  ~ ${l.path}: ${show(l.before)} -> ${show(l.after)}`;
    })
    .join("\n");
}
