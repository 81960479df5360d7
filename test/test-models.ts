/**
 * The models the test origin server hosts: healthy versions plus origins
 * that fail in every way the router must survive, and shadows with known
 * answers.
 */
import type { OriginModel } from "./support/stack/demo-origins.ts";

export const testModels: Record<string, OriginModel> = {
  blue: { version: "v1-blue", family: "t", noise: 0 },
  green: { version: "v2-green", family: "t", noise: 0.05 },
  canary: { version: "v3-canary", family: "t", noise: 0.05 },
  "challenger-a": { version: "ca", family: "t", noise: 0.1 },
  "challenger-b": { version: "cb", family: "t", noise: 0.1 },
  failing: { version: "failing", family: "t", noise: 0, behaviour: "error" },
  hanging: { version: "hanging", family: "t", noise: 0, behaviour: "hang" },
  stalling: { version: "stalling", family: "t", noise: 0, behaviour: "stall" },
  garbage: { version: "garbage", family: "t", noise: 0, behaviour: "garbage" },
  reset: { version: "reset", family: "t", noise: 0, behaviour: "reset" },
  // Shadow mode: a twin of blue (always agrees), one that labels everything
  // positive (same scores as blue), and a slow copy of blue.
  twin: { version: "v1-twin", family: "t", noise: 0 },
  "all-positive": { version: "v1-all-positive", family: "t", noise: 0, threshold: 0 },
  slow: { version: "v1-slow", family: "t", noise: 0, delayMs: 200 },
};
