/**
 * The answer to an isolate's check-in: "current" when it routes by the
 * object's revision, else the object's document, which replaces the
 * isolate's copy at once. Except when the isolate holds a version above
 * every one the object has seen (it read a raw KV put the object has not
 * adopted yet): then it is sent nothing, never an older document, and the
 * object looks in KV at once instead of at its next poll. And when to
 * check in next: the interval grows with the number of isolates, so one
 * object stays under its request budget.
 *
 * Layer: core (pure).
 */

export interface CheckInFacts {
  /** The revision ("version@updatedAt") the isolate routes by; null for none. */
  held: string | null;
  /** The revision of the object's document; null when it has none. */
  current: string | null;
  /** The highest version the object has seen. */
  highest: number;
}

export interface CheckInVerdict {
  /** Answer with the object's document (else "current", or nothing while the isolate is ahead). */
  sendDocument: boolean;
  /** The isolate is ahead of the object: look in KV now. */
  pollKvNow: boolean;
}

export function checkInVerdict(f: CheckInFacts): CheckInVerdict {
  const held = f.held === null ? 0 : Number(f.held.split("@")[0]);
  const ahead = held > f.highest;
  return { sendDocument: !ahead && f.held !== f.current, pollKvNow: ahead };
}

/**
 * The interval the object hands out: the configured one, or longer when
 * `isolates` checking in at it would exceed maxCheckInsPerSecond
 * (10,000 isolates at 500/s: every 20 s).
 */
export function checkInInterval(
  t: { checkInMs: number; maxCheckInsPerSecond: number },
  isolates: number,
): number {
  return Math.max(t.checkInMs, Math.ceil((isolates / t.maxCheckInsPerSecond) * 1000));
}
