/**
 * Per-arm request metrics of one routing-document version: requests, errors,
 * failovers, latency histogram, and how identified users were split between
 * arms. The rollout analyzer reads them back to judge a canary step.
 *
 * Layer: pure core. Everything is a sum or a fixed-bucket histogram, so
 * metrics recorded by many isolates merge exactly, in any order. Metrics are
 * keyed by document revision (version and updatedAt, so a version number
 * reused by a reseed or a raw put does not mix with old shards): a rollout
 * step changes the canary share, which writes a new version, so "this
 * step's traffic" is exactly "this revision's".
 */

import {
  type AnswerTiming,
  emptyStreamSums,
  mergeStreamSums,
  observeAnswer,
  type StreamSums,
  type StreamView,
  viewStream,
} from "../answers/stream-sums.ts";
import { dict, own } from "../dict.ts";
import {
  emptyHistogram,
  type Histogram,
  LATENCY_MS,
  mergeHistograms,
  observe,
  quantile,
} from "../histogram.ts";
import {
  addSeenUsers,
  addUserSums,
  emptySeenUsers,
  emptyUserSums,
  mergeSeenUsers,
  mergeUserSums,
  observeUser,
  type SeenUsers,
  type UserSums,
} from "./user-sums.ts";

export interface ArmAggregate {
  requests: number;
  /** First-attempt failures: 5xx, timeout, connection error. */
  errors: number;
  failovers: number;
  /** Origin latency of first attempts that answered. */
  latencyMs: Histogram;
  /** Identified requests by user bucket (src/core/rollout/user-sums.ts): what the gates judge. */
  users: UserSums;
  /** Distinct identified users (bitmap): what the split check counts. */
  seen: SeenUsers;
  /** Streamed answers (time to first byte, throughput, broken) and token usage; absent: none. */
  streams?: StreamSums | undefined;
}

/** The revision of a routing document: its version and when it was written. */
export function revisionOf(doc: { version: number; updatedAt: string }): string {
  return `${doc.version}@${Date.parse(doc.updatedAt)}`;
}

/** When a revision was written (epoch ms; NaN for text that is not a revision). */
export function revisionTimeMs(revision: string): number {
  const at = revision.indexOf("@");
  return at < 0 ? Number.NaN : Number(revision.slice(at + 1));
}

export interface VersionMetrics {
  service: string;
  version: number;
  revision: string;
  /** By the origin the decision chose (before any failover). */
  arms: Record<string, ArmAggregate>;
  /** Requests with a user id, by decision role (live, canary, challenger). */
  identified: Record<string, number>;
  firstAt: number;
  lastAt: number;
}

export interface RequestObservation {
  service: string;
  version: number;
  revision: string;
  origin: string;
  role: string;
  identified: boolean;
  /** The user hash (userHashOf) of an identified request, else null. */
  userHash: number | null;
  /** The first attempt's HTTP status, 0 when it did not answer. */
  status: number;
  failed: boolean;
  failover: boolean;
  /**
   * Latency of the first attempt, null when it did not answer: to its
   * response headers, or for a streamed answer what the plan's latency gate
   * measures (to its first byte, or to its last).
   */
  originMs: number | null;
  /** The answer as it streamed past (or its usage), when it streamed or reported one. */
  stream?: AnswerTiming | null | undefined;
  at: number;
}

export function emptyVersionMetrics(
  service: string,
  version: number,
  revision: string,
  at: number,
): VersionMetrics {
  return { service, version, revision, arms: dict(), identified: dict(), firstAt: at, lastAt: at };
}

const emptyArm = (): ArmAggregate => ({
  requests: 0,
  errors: 0,
  failovers: 0,
  latencyMs: emptyHistogram(),
  users: emptyUserSums(),
  seen: emptySeenUsers(),
});

export function observeRequest(m: VersionMetrics, o: RequestObservation): void {
  let arm = own(m.arms, o.origin);
  if (!arm) {
    arm = emptyArm();
    m.arms[o.origin] = arm;
  }
  arm.requests += 1;
  if (o.failed) arm.errors += 1;
  if (o.failover) arm.failovers += 1;
  if (o.originMs !== null) observe(arm.latencyMs, LATENCY_MS, o.originMs);
  if (o.stream) {
    arm.streams ??= emptyStreamSums();
    observeAnswer(arm.streams, o.stream);
  }
  if (o.identified) m.identified[o.role] = (own(m.identified, o.role) ?? 0) + 1;
  if (o.userHash !== null)
    observeUser(arm.users, arm.seen, o.userHash, o.failed, o.status, o.originMs);
  m.firstAt = Math.min(m.firstAt, o.at);
  m.lastAt = Math.max(m.lastAt, o.at);
}

export function mergeVersionMetrics(a: VersionMetrics, b: VersionMetrics): VersionMetrics {
  const arms = dict(a.arms);
  for (const [name, arm] of Object.entries(b.arms)) {
    const mine = own(arms, name);
    arms[name] = mine
      ? {
          requests: mine.requests + arm.requests,
          errors: mine.errors + arm.errors,
          failovers: mine.failovers + arm.failovers,
          latencyMs: mergeHistograms(mine.latencyMs, arm.latencyMs),
          users: mergeUserSums(mine.users ?? emptyUserSums(), arm.users ?? emptyUserSums()),
          seen: mergeSeenUsers(mine.seen ?? emptySeenUsers(), arm.seen ?? emptySeenUsers()),
          streams: mergeStreamSums(mine.streams, arm.streams),
        }
      : arm;
  }
  const identified = dict(a.identified);
  for (const [role, n] of Object.entries(b.identified))
    identified[role] = (own(identified, role) ?? 0) + n;
  return {
    service: a.service,
    version: a.version,
    revision: a.revision,
    arms,
    identified,
    firstAt: Math.min(a.firstAt, b.firstAt),
    lastAt: Math.max(a.lastAt, b.lastAt),
  };
}

/**
 * Adds `from` into `into`, in place: the totals mergeVersionMetrics(into,
 * from) returns, without copying what `into` already holds (the control
 * object's buffer adds a batch per check-in to a revision's totals, whose
 * bitmap may hold thousands of words). `into` is the caller's own; `from`
 * is neither changed nor aliased (an arm `into` lacks starts empty).
 */
export function addVersionMetrics(into: VersionMetrics, from: VersionMetrics): void {
  for (const [name, arm] of Object.entries(from.arms)) {
    let mine = own(into.arms, name);
    if (!mine) {
      mine = emptyArm();
      into.arms[name] = mine;
    }
    mine.requests += arm.requests;
    mine.errors += arm.errors;
    mine.failovers += arm.failovers;
    mine.latencyMs = mergeHistograms(mine.latencyMs, arm.latencyMs);
    if (arm.users) addUserSums(mine.users, arm.users);
    if (arm.seen) addSeenUsers(mine.seen, arm.seen);
    if (arm.streams) mine.streams = mergeStreamSums(mine.streams, arm.streams);
  }
  for (const [role, n] of Object.entries(from.identified))
    into.identified[role] = (own(into.identified, role) ?? 0) + n;
  into.firstAt = Math.min(into.firstAt, from.firstAt);
  into.lastAt = Math.max(into.lastAt, from.lastAt);
}

export function armSummary(
  m: VersionMetrics,
  origin: string,
): { requests: number; errors: number; p95Ms: number | null; stream?: StreamView } {
  const arm = own(m.arms, origin) ?? emptyArm();
  const summary = {
    requests: arm.requests,
    errors: arm.errors,
    p95Ms: quantile(arm.latencyMs, LATENCY_MS, 0.95),
  };
  return arm.streams ? { ...summary, stream: viewStream(arm.streams) } : summary;
}
