/**
 * Compile-time proof that the schema's documents satisfy the shapes the pure
 * core reads (the core never imports the schema; the schema imports the core).
 * `npm run typecheck` fails here when a field the core needs changes type.
 *
 * Layer: document. No runtime code.
 */
import type { PlanRules } from "../core/rollout/plan.ts";
import type { RoutingRules } from "../core/routing/decide.ts";
import type { SelectRules } from "../core/shadow/select.ts";
import type { RolloutPlan } from "./rollout-plan.ts";
import type { RoutingDocument, Shadow } from "./routing-document.ts";

type Satisfies<T extends U, U> = T;

export type DocumentRoutingRules = Satisfies<RoutingDocument, RoutingRules>;
export type DocumentSelectRules = Satisfies<Shadow, SelectRules>;
export type DocumentPlanRules = Satisfies<RolloutPlan, PlanRules>;
