/**
 * String-keyed maps without a prototype, for keys that come from documents
 * or clients (origin names, roles, hosts): with these, `constructor` or
 * `__proto__` are ordinary keys, never Object.prototype's members.
 *
 * Layer: pure core. JSON round-trips keep working (JSON.stringify ignores
 * the prototype; `dict(JSON.parse(...))` restores one).
 */
export type Dict<T> = Record<string, T>;

/** A prototype-free copy of `from` (or an empty one). */
export function dict<T>(from?: Readonly<Record<string, T>>): Dict<T> {
  const out: Dict<T> = Object.create(null);
  if (from) for (const key of Object.keys(from)) out[key] = from[key] as T;
  return out;
}

/** `record[key]` only when it is the record's own property. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
