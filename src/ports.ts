/**
 * Not a port: the ports live in src/ports/, one module each. This file only
 * re-exports the ones src/app/rollout/analyzer.ts imports from here, because
 * that module is being rewritten on another branch and is not edited on
 * this one; delete this file once the analyzer imports from src/ports/.
 *
 * Layer: ports (re-exports only).
 */
export type { MetricsReader } from "./ports/metrics-reader.ts";
export type { Notifier } from "./ports/notifier.ts";
export type { RolloutStore } from "./ports/rollout-store.ts";
export type { ServiceStore } from "./ports/service-store.ts";
export type { ShadowViewReader } from "./ports/shadow-view-reader.ts";
export type { WaitUntil } from "./ports/wait-until.ts";
