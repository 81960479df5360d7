/**
 * A service's traffic as the evidence budget needs it, measured from the
 * current step's own metrics (the revision the gates will judge): identified
 * requests and distinct users per minute over every arm, live's error rate,
 * and how over-dispersed errors are by user.
 *
 * Layer: pure core. The step's metrics rather than the last hour's series:
 * they are exactly what the gates see (identified traffic), and a step that
 * just began reads as "not measured yet" (under a minute of data, or no
 * identified requests) instead of a guess.
 */
import { own } from "../dict.ts";
import { dispersion } from "./dispersion.ts";
import type { Traffic } from "./evidence-budget.ts";
import type { VersionMetrics } from "./request-metrics.ts";
import { distinctUsers, emptySeenUsers, mergeSeenUsers, total } from "./user-sums.ts";

/** Less data than this is not a measurement. */
const MIN_SPAN_MS = 60_000;

export function measuredTraffic(m: VersionMetrics, live: string): Traffic | null {
  const span = m.lastAt - m.firstAt;
  if (!(span >= MIN_SPAN_MS)) return null;
  let requests = 0;
  let seen = emptySeenUsers();
  for (const arm of Object.values(m.arms)) {
    if (!arm.users) continue;
    requests += total(arm.users.requests);
    seen = mergeSeenUsers(seen, arm.seen ?? emptySeenUsers());
  }
  if (requests === 0) return null;
  const minutes = span / 60_000;
  const liveArm = own(m.arms, live);
  const liveRequests = liveArm?.users ? total(liveArm.users.requests) : 0;
  const liveErrors = liveArm?.users ? total(liveArm.users.errors) : 0;
  const users = distinctUsers(seen);
  return {
    requestsPerMinute: requests / minutes,
    ...(users === null ? {} : { usersPerMinute: users / minutes }),
    errorRate: liveRequests > 0 ? liveErrors / liveRequests : 0,
    dispersion: liveArm?.users
      ? dispersion([{ trials: liveArm.users.requests, events: liveArm.users.errors }])
      : 1,
    measuredMinutes: minutes,
  };
}
