/**
 * "Who gets what": the share of users each arm of a document serves, in
 * plain words, for `router status` and the admin API.
 *
 * Layer: document, edits (pure). Follows decide()'s order (src/core/routing/decide.ts):
 * the canary takes shareBp of users on its own hash; the challengers split
 * the REST on an independent hash, each by its range; live takes what is
 * left, plus every request without a user id. So a 10 % canary next to a
 * 5 % challenger leaves the challenger an expected 4.5 % of all users.
 */
import { BUCKETS } from "../../core/routing/bucket.ts";
import type { RoutingDocument } from "../routing-document.ts";
import { formatBp, rangeText } from "./shares.ts";

export interface ArmShare {
  origin: string;
  role: "live" | "canary" | "challenger";
  /** Expected share of users with an id, in basis points (may be fractional). */
  expectedBp: number;
  /** How the share comes about, in words. */
  detail: string;
}

export interface DocumentSummary {
  service: string;
  version: number;
  updatedAt: string;
  updatedBy: string;
  arms: ArmShare[];
  idle: string[];
  shadow: {
    origin: string;
    shareBp: number;
    enabled: boolean;
    /** Which requests are eligible, in words ("POST /predict"). */
    scope: string;
  } | null;
}

export function summarizeDocument(doc: RoutingDocument): DocumentSummary {
  const arms: ArmShare[] = [];
  const canary = doc.canary;
  const canaryBp = canary && !canary.killed ? canary.shareBp : 0;
  if (canary) {
    arms.push({
      origin: canary.origin,
      role: "canary",
      expectedBp: canaryBp,
      detail: canary.killed
        ? `KILLED (was ${formatBp(canary.shareBp)}); serves nobody`
        : `${rangeText({ startBp: 0, shareBp: canary.shareBp })} of the canary hash (salt ${canary.salt})`,
    });
  }
  let challengerBp = 0;
  for (const c of doc.challengers) {
    const expected = (c.shareBp * (BUCKETS - canaryBp)) / BUCKETS;
    challengerBp += expected;
    arms.push({
      origin: c.origin,
      role: "challenger",
      expectedBp: expected,
      detail: `${rangeText(c)} of the challenger hash (of users not in the canary)`,
    });
  }
  arms.unshift({
    origin: doc.live,
    role: "live",
    expectedBp: BUCKETS - canaryBp - challengerBp,
    detail: "everyone else, and every request without a user id",
  });
  const shadow = doc.shadow;
  return {
    service: doc.service,
    version: doc.version,
    updatedAt: doc.updatedAt,
    updatedBy: doc.updatedBy,
    arms,
    idle: idleOrigins(doc),
    shadow: shadow
      ? {
          origin: shadow.origin,
          shareBp: shadow.shareBp,
          enabled: shadow.enabled !== false,
          scope: shadowScope(shadow),
        }
      : null,
  };
}

function shadowScope(shadow: Record<string, unknown>): string {
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String).join("|") : "");
  return [list(shadow.methods), list(shadow.paths)].filter(Boolean).join(" ") || "all";
}

const percent = (bp: number) => `${(bp / 100).toFixed(2)}%`;

export function formatSummary(s: DocumentSummary): string {
  const width = Math.max(...s.arms.map((a) => a.origin.length), 6);
  const lines = [
    `${s.service}: version ${s.version}, updated ${s.updatedAt} by ${s.updatedBy}`,
    ...s.arms.map(
      (a) =>
        `  ${a.role.padEnd(10)} ${a.origin.padEnd(width)} ${percent(a.expectedBp).padStart(7)}  ${a.detail}`,
    ),
  ];
  if (s.shadow) {
    lines.push(
      `  shadow     ${s.shadow.origin.padEnd(width)} ${formatBp(s.shadow.shareBp).padStart(7)}  of ${s.shadow.scope} requests mirrored; responses discarded${s.shadow.enabled ? "" : " (PAUSED)"}`,
    );
  }
  lines.push(`  idle origins: ${s.idle.length > 0 ? s.idle.join(", ") : "none"}`);
  return lines.join("\n");
}

/**
 * Origins with no role: not live, not canary, not a challenger, not the
 * shadow (a shadow candidate is flipped to only by name).
 */
export function idleOrigins(doc: RoutingDocument): string[] {
  const busy = new Set([doc.live, ...doc.challengers.map((c) => c.origin)]);
  if (doc.canary) busy.add(doc.canary.origin);
  const shadow = doc.shadow;
  if (shadow) busy.add(shadow.origin);
  return Object.keys(doc.origins).filter((name) => !busy.has(name));
}
