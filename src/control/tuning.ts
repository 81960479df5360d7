/**
 * The control plane's timing, from the Worker's vars: how often isolates
 * check in, how the interval grows with the number of isolates (so one
 * object stays under its request budget), and the object's alarm cadence.
 *
 * Layer: control (reads Env vars, like the composition root does, which
 * takes numberVar and checkInMs from here: each var is parsed in one place).
 */

export interface ControlTuning {
  /** Check-in interval with few isolates (CHECKIN_INTERVAL_MS, default 2000). */
  checkInMs: number;
  /** Check-ins per second one object aims to stay under (CONTROL_MAX_CHECKINS_PER_SECOND, 500). */
  maxCheckInsPerSecond: number;
  /** The object's alarm tick while active (CONTROL_ALARM_MS, default 5000). */
  alarmMs: number;
  /** How often the object looks in KV for a raw put (CONTROL_KV_POLL_MS, default 10000). */
  kvPollMs: number;
  /** How often the shadow summary and log are mirrored to KV (SHADOW_KV_MIRROR_MS, 300000; 0: never). */
  shadowMirrorMs: number;
  /** How often the challenger policy looks at the leaderboard (CHALLENGER_POLICY_MS, 60000). */
  challengerPolicyMs: number;
  /** Fan-in through location aggregators (FANIN: "on", "off", else "auto"). */
  fanIn: FanInMode;
}

type Vars = Partial<
  Record<
    | "CHECKIN_INTERVAL_MS"
    | "CONTROL_MAX_CHECKINS_PER_SECOND"
    | "CONTROL_ALARM_MS"
    | "CONTROL_KV_POLL_MS"
    | "SHADOW_KV_MIRROR_MS"
    | "CHALLENGER_POLICY_MS"
    | "FANIN",
    string
  >
>;

import { type FanInMode, fanInMode } from "../core/control/fan-in.ts";

/** CHECKIN_INTERVAL_MS: the object's base interval, and each isolate's first one. */
export const checkInMs = (vars: Vars): number =>
  Math.max(100, numberVar(vars.CHECKIN_INTERVAL_MS, 2_000));

export function tuningFrom(vars: Vars): ControlTuning {
  return {
    checkInMs: checkInMs(vars),
    maxCheckInsPerSecond: Math.max(1, numberVar(vars.CONTROL_MAX_CHECKINS_PER_SECOND, 500)),
    alarmMs: Math.max(100, numberVar(vars.CONTROL_ALARM_MS, 5_000)),
    kvPollMs: Math.max(100, numberVar(vars.CONTROL_KV_POLL_MS, 10_000)),
    shadowMirrorMs: numberVar(vars.SHADOW_KV_MIRROR_MS, 300_000),
    challengerPolicyMs: Math.max(100, numberVar(vars.CHALLENGER_POLICY_MS, 60_000)),
    fanIn: fanInMode(vars.FANIN),
  };
}

/** The interval the object hands out (a check-in decision, src/core/control/check-in.ts). */
export { checkInInterval } from "../core/control/check-in.ts";

/** A non-negative number var; unset, empty or anything else gives the fallback. */
export function numberVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
}
