/**
 * The control object's alarm: when to set it, which periodic duties are
 * due on a tick, and whether it keeps ticking. The alarm is durable and
 * re-armed after every tick while the object is active (isolates checked
 * in during the last minute, or a rollout runs); any call arms it when
 * none is pending, and an isolate ahead of the object pulls it to now (a
 * KV poll at once).
 *
 * Layer: core (pure; time passed in).
 */

/** Why the alarm is set: any call (a tick `alarmMs` ahead), or a KV poll wanted at once. */
export type AlarmCause = "call" | "poll-now";

/** When to set the alarm, given the one pending (null: none); null to leave it as it is. */
export function nextAlarm(
  pending: number | null,
  now: number,
  cause: AlarmCause,
  alarmMs: number,
): number | null {
  if (cause === "poll-now") return pending !== null && pending <= now + 100 ? null : now;
  return pending === null ? now + alarmMs : null;
}

/** A periodic duty is due `every` ms after it last ran (`every` 0: never). */
export const dutyDue = (last: number, now: number, every: number): boolean =>
  every > 0 && now - last >= every;

/** A rollout evaluation is due one plan interval after the last (250 ms early is on time: alarms fire late). */
export const analysisDue = (last: number, now: number, intervalSeconds: number): boolean =>
  now >= last + intervalSeconds * 1000 - 250;

/** After a tick: keep ticking while isolates checked in during the last minute, or a rollout runs. */
export const keepTicking = (isolatesLastMinute: number, rolloutActive: boolean): boolean =>
  isolatesLastMinute > 0 || rolloutActive;
