/**
 * The named edits: every write the CLI and the admin API make, by name, each
 * with a zod schema of its JSON arguments and the pure operation it runs.
 * `POST /_router/admin/services/:service/edits/:name` runs an entry inside
 * the write pipeline (src/app/write-service.ts); the CLI sends the same name
 * and arguments to it, or with --direct runs the same entry over wrangler,
 * so the CLI and the API cannot drift. The older endpoints (flip,
 * canary/kill, rollback, PUT, PATCH) are aliases of entries.
 *
 * Layer: document, edits (pure). Two kinds of entry:
 *   - "edit": a change of a valid stored document (flip, canary.*, ...);
 *   - "compute": may create the document or replace an invalid or deleted
 *     one (apply, rollback); it sees everything stored for the service.
 * Argument errors carry field paths under `args.` (what the API's body
 * calls them); the operations' own refusals keep document paths.
 */
import { BUCKETS } from "../../core/routing/bucket.ts";
import { Gates, RolloutPlan } from "../rollout-plan.ts";
import type { RoutingDocument } from "../routing-document.ts";
import type { FieldError } from "../validate.ts";
import * as z from "../zod.ts";
import { canaryKill, canaryRamp, canaryRemove, canarySet } from "./canary.ts";
import { challengerAdd, challengerPromote, challengerRemove, challengerSet } from "./challenger.ts";
import { flip } from "./flip.ts";
import type { OperationMeta, OperationResult } from "./operation.ts";
import { patchDocument, replaceDocument } from "./replace.ts";
import { rollback } from "./rollback.ts";
import { removeRolloutPlan, setRolloutPlan } from "./rollout.ts";
import { shadowOff, shadowOn, shadowRemove, shadowSet } from "./shadow.ts";
import type { StoredService } from "./stored-service.ts";

/** A share in basis points (100 = 1 %). */
const Bp = z.number().check(z.int(), z.gte(0), z.lte(BUCKETS));
const Name = z.string().check(z.minLength(1));
const None = z.strictObject({});
const OriginOnly = z.strictObject({ origin: Name });
const ShadowArgs = z.strictObject({ origin: z.optional(Name), shareBp: z.optional(Bp) });
/** The schema inside a default: the same field without its default. */
const unwrap = <T extends z.core.SomeType>(field: z.ZodMiniDefault<T>): T =>
  field._zod.def.innerType;

/**
 * Gate settings to change, without the plan's defaults: a gate left out
 * keeps the current plan's value (Gates.partial() would fill in defaults).
 */
const GateArgs = z.strictObject({
  minRequests: z.optional(unwrap(Gates.shape.minRequests)),
  errorRate: z.optional(unwrap(Gates.shape.errorRate)),
  latencyP95Ratio: z.optional(unwrap(Gates.shape.latencyP95Ratio)),
  shadow: Gates.shape.shadow,
  srm: z.optional(unwrap(Gates.shape.srm)),
});

interface DocumentEdit<A> {
  kind: "edit";
  summary: string;
  args: z.ZodMiniType<A>;
  apply: (doc: RoutingDocument, args: A, meta: OperationMeta) => OperationResult;
}

interface StoredCompute<A> {
  kind: "compute";
  summary: string;
  args: z.ZodMiniType<A>;
  apply: (stored: StoredService, args: A, meta: OperationMeta) => OperationResult;
}

const edit = <A>(
  summary: string,
  args: z.ZodMiniType<A>,
  apply: DocumentEdit<A>["apply"],
): DocumentEdit<A> => ({ kind: "edit", summary, args, apply });

const compute = <A>(
  summary: string,
  args: z.ZodMiniType<A>,
  apply: StoredCompute<A>["apply"],
): StoredCompute<A> => ({ kind: "compute", summary, args, apply });

export const EDITS = {
  flip: edit(
    "blue-green: make `to` (default: the one idle origin) live",
    z.strictObject({ to: z.optional(Name) }),
    flip,
  ),
  "canary.set": edit(
    "start a canary or change its origin, share or salt (resumes a killed one)",
    z.strictObject({
      origin: z.optional(Name),
      url: z.optional(z.string()),
      shareBp: Bp,
      salt: z.optional(Name),
    }),
    canarySet,
  ),
  "canary.ramp": edit(
    "raise the canary to the next ladder step, or to toBp",
    z.strictObject({ toBp: z.optional(Bp) }),
    canaryRamp,
  ),
  "canary.kill": edit("kill switch: every canary user back to live", None, (doc, _a, meta) =>
    canaryKill(doc, meta),
  ),
  "canary.remove": edit("remove the canary block", None, (doc, _a, meta) =>
    canaryRemove(doc, meta),
  ),
  "challenger.add": edit(
    "add a challenger with a fixed share (first free range unless startBp)",
    z.strictObject({
      origin: Name,
      shareBp: Bp,
      startBp: z.optional(Bp),
      url: z.optional(z.string()),
    }),
    challengerAdd,
  ),
  "challenger.set": edit(
    "change a challenger's share or start",
    z.strictObject({ origin: Name, shareBp: z.optional(Bp), startBp: z.optional(Bp) }),
    challengerSet,
  ),
  "challenger.remove": edit("remove a challenger", OriginOnly, challengerRemove),
  "challenger.promote": edit(
    "the challenger becomes live; the old live stays an origin",
    OriginOnly,
    challengerPromote,
  ),
  "shadow.on": edit("mirror requests to a shadow origin, or resume", ShadowArgs, shadowOn),
  "shadow.set": edit("change the shadow origin or share", ShadowArgs, shadowSet),
  "shadow.off": edit("pause mirroring (settings kept)", None, (doc, _a, meta) =>
    shadowOff(doc, meta),
  ),
  "shadow.remove": edit("drop the shadow block", None, (doc, _a, meta) => shadowRemove(doc, meta)),
  "rollout.plan": edit(
    "write the rollout plan (steps; gates, onSuccess, notify, alpha, beta, onInconclusive, maxExtensionSeconds and analysisIntervalSeconds as given, else kept)",
    z.strictObject({
      steps: RolloutPlan.shape.steps,
      gates: z.optional(GateArgs),
      onSuccess: z.optional(z.enum(["flip", "stay"])),
      notify: z.optional(z.boolean()),
      // The plan's own fields, without their defaults: absent keeps the current value.
      analysisIntervalSeconds: z.optional(unwrap(RolloutPlan.shape.analysisIntervalSeconds)),
      alpha: z.optional(unwrap(RolloutPlan.shape.alpha)),
      maxExtensionSeconds: z.optional(unwrap(RolloutPlan.shape.maxExtensionSeconds)),
      beta: z.optional(unwrap(RolloutPlan.shape.beta)),
      onInconclusive: z.optional(unwrap(RolloutPlan.shape.onInconclusive)),
    }),
    setRolloutPlan,
  ),
  "rollout.remove": edit("remove the rollout plan (the canary stays)", None, (doc, _a, meta) =>
    removeRolloutPlan(doc, meta),
  ),
  patch: edit(
    "an RFC 7386 JSON merge patch of the document",
    z.strictObject({ patch: z.unknown() }),
    (doc, args, meta) => patchDocument(doc, args.patch, meta),
  ),
  apply: compute(
    "replace (or create) the whole document",
    z.strictObject({ document: z.unknown() }),
    (stored, args, meta) => replaceDocument(stored.service, stored.doc, args.document, meta),
  ),
  rollback: compute(
    "restore the previous document (or toVersion) as a new version; also a deleted one",
    z.strictObject({ toVersion: z.optional(z.number().check(z.int(), z.gte(1))) }),
    rollback,
  ),
} as const;

export type EditName = keyof typeof EDITS;
export const EDIT_NAMES = Object.keys(EDITS) as EditName[];

/** The arguments of each edit, as JSON (what the API's body carries under `args`). */
export type EditArgs<N extends EditName> = z.input<(typeof EDITS)[N]["args"]>;

export const isEditName = (name: string): name is EditName => Object.hasOwn(EDITS, name);

/**
 * The steps an entry gives the write pipeline, shaped like its EditWrite /
 * ComputeWrite fields (src/app/write-service.ts) without naming them.
 */
export type EditSteps =
  | { edit: (doc: RoutingDocument, meta: OperationMeta) => OperationResult }
  | {
      compute: (stored: StoredService, meta: OperationMeta) => OperationResult;
      allowMissing: true;
      allowInvalid: true;
    };

export type PreparedEdit =
  | { ok: true; name: EditName; steps: EditSteps }
  | { ok: false; reason: "unknown_edit"; message: string }
  | { ok: false; reason: "invalid_args"; errors: FieldError[] };

/** Looks up `name` and validates its arguments: the steps to write, or why not. */
export function prepareEdit(name: string, args: unknown): PreparedEdit {
  if (!isEditName(name)) {
    return {
      ok: false,
      reason: "unknown_edit",
      message: `no edit named "${name}" (${EDIT_NAMES.join(", ")})`,
    };
  }
  // One entry at a time: TypeScript cannot pair a union's schema with its apply.
  const entry = EDITS[name] as DocumentEdit<unknown> | StoredCompute<unknown>;
  const parsed = entry.args.safeParse(args ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      reason: "invalid_args",
      errors: parsed.error.issues.map((i) => ({
        path: ["args", ...i.path.map(String)].join("."),
        message: i.message,
      })),
    };
  }
  const a = parsed.data;
  const steps: EditSteps =
    entry.kind === "edit"
      ? { edit: (doc, meta) => entry.apply(doc, a, meta) }
      : {
          compute: (stored, meta) => entry.apply(stored, a, meta),
          allowMissing: true,
          allowInvalid: true,
        };
  return { ok: true, name, steps };
}

/**
 * What was stored before a write, in one word (the CLI's "version (deleted)
 * -> 15"): a valid or invalid document, text that is not a JSON object, a
 * deleted document (history or last-good copy left), or nothing at all.
 */
export type StoredState = "valid" | "invalid" | "unreadable" | "deleted" | "missing";

export function storedState(
  stored: Pick<StoredService, "raw" | "json" | "doc" | "history" | "lastGood">,
): StoredState {
  if (stored.raw !== null) return stored.doc ? "valid" : stored.json ? "invalid" : "unreadable";
  return stored.history.length > 0 || stored.lastGood !== null ? "deleted" : "missing";
}
