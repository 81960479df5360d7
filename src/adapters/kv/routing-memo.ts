/**
 * The routing store's memo: the documents an isolate holds and the unknown
 * names it remembers as missing, each with the KV text behind it and the
 * read under way. Bounded: at most `maxEntries` services are memoized
 * (oldest evicted), and `maxAbsent` unknown names apart (least recently
 * asked for evicted), so made-up names evict no document. When an entry
 * is fresh enough is the store's policy (./routing-store.ts), not this.
 *
 * Layer: adapter (in-memory, per isolate; no binding).
 */
import type { LoadResult } from "../../ports/routing-documents.ts";

export interface MemoEntry {
  result: LoadResult;
  /** Raw KV text behind `result`, to skip re-parsing an unchanged value. */
  raw: string | null;
  loadedAt: number;
  /** A KV read for this service is under way (started then); past the bound requests await it. */
  refreshing: { startedAt: number; read: Promise<LoadResult> } | null;
  /** Missing, and its `:last-good` key not looked at yet: the next read looks there. */
  probeLastGood?: boolean;
}

export class RoutingMemo {
  readonly #memo = new Map<string, MemoEntry>();
  readonly #absent = new Map<string, MemoEntry>();
  readonly #maxEntries: number;
  readonly #maxAbsent: number;

  constructor(maxEntries: number, maxAbsent: number) {
    this.#maxEntries = maxEntries;
    this.#maxAbsent = maxAbsent;
  }

  /** The entry of a service with a document (ok or invalid), if held. */
  document(service: string): MemoEntry | undefined {
    return this.#memo.get(service);
  }

  /** A request's lookup: the service's entry, or its missing entry marked as just asked (LRU). */
  lookup(service: string): MemoEntry | undefined {
    const held = this.#memo.get(service);
    if (held) return held;
    const entry = this.#absent.get(service);
    if (entry) {
      this.#absent.delete(service);
      this.#absent.set(service, entry);
    }
    return entry;
  }

  /** The service's entry, documents or missing, without marking it. */
  peek(service: string): MemoEntry | undefined {
    return this.#memo.get(service) ?? this.#absent.get(service);
  }

  /**
   * Documents and absent services are kept apart, each bounded: requests for
   * made-up service names fill only the absent map (at most maxAbsent names,
   * about 100 bytes each) and can never evict a real service's document.
   */
  remember(service: string, entry: MemoEntry): void {
    const [into, other] =
      entry.result.status === "missing" ? [this.#absent, this.#memo] : [this.#memo, this.#absent];
    other.delete(service);
    into.delete(service);
    into.set(service, entry);
    if (into.size > (into === this.#absent ? this.#maxAbsent : this.#maxEntries)) {
      const oldest = into.keys().next().value;
      if (oldest !== undefined) into.delete(oldest);
    }
  }

  /** Forgets everything (tests). */
  clear(): void {
    this.#memo.clear();
    this.#absent.clear();
  }

  counts(): { services: number; absent: number } {
    return { services: this.#memo.size, absent: this.#absent.size };
  }

  /** The services served from their last good copy, and why. */
  fallbacks(): { service: string; version: number; reason: "deleted" | "invalid" }[] {
    const found = [];
    for (const [service, { result }] of this.#memo) {
      if (result.status === "ok" && result.fallback) {
        found.push({ service, version: result.doc.version, reason: result.fallback });
      }
    }
    return found;
  }
}
