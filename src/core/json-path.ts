/**
 * Reading a value out of parsed JSON by a dot path ("result.label",
 * "choices.0.delta.content"): each key an own property (an array index is
 * one), so a path never reaches Object.prototype.
 *
 * Layer: pure core.
 */

/** The value at a dot path, or undefined. */
export function fieldAt(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
