/**
 * What the CLI's commands need from wherever the documents are: a service's
 * state, every service, its history, and one write of a named edit (the
 * registry in src/document/edits/registry.ts) through the one write
 * pipeline. Two implementations: the running router's admin API
 * (scripts/cli/api.ts, the default) and KV through wrangler
 * (scripts/cli/direct.ts, --direct). Both answer with the shapes below,
 * which are the admin API's JSON, so a command prints the same either way.
 *
 * Layer: CLI. Refusals of the write pipeline become one CliError each, with
 * the same words and exit codes in both modes.
 */
import { REFUSALS, type RefusalKind } from "../../src/app/refusals.ts";
import type { CheckOutcome } from "../../src/app/write-service.ts";
import type { DiffLine } from "../../src/document/edits/diff.ts";
import type { EditName, StoredState } from "../../src/document/edits/registry.ts";
import { type FieldError, formatFieldErrors } from "../../src/document/field-errors.ts";
import type { RoutingDocument } from "../../src/document/routing-document.ts";
import type { ControlStatus } from "../../src/ports/control-plane-reader.ts";
import { CliError, EXIT } from "./cli.ts";
import { closest, isNear } from "./suggest.ts";

export type { CheckOutcome, ControlStatus };

import type { HistoryView, ServiceStatus } from "../../src/document/edits/service-view.ts";

export type {
  HistoryView,
  LastGood,
  ServiceStatus,
  VersionRegression,
} from "../../src/document/edits/service-view.ts";

export interface WriteRequest {
  service: string;
  edit: EditName;
  /** The edit's JSON arguments (validated by the registry's schema). */
  args: Record<string, unknown>;
  author: string;
  /** --expect-version: refuse unless the stored document is this version. */
  expectedVersion: number | undefined;
  dryRun: boolean;
}

/** What a write will do (a dry run's answer). */
export interface WritePlan {
  service: string;
  change: string;
  fromVersion: number | null;
  fromState: StoredState;
  version: number;
  diff: DiffLine[];
  document: RoutingDocument;
}

export interface WriteOutcome extends WritePlan {
  written: boolean;
  dryRun: boolean;
  check: CheckOutcome | null;
  forced: boolean;
}

/** The write pipeline's hooks, in its order: plan, check, (dry run stops), confirm. */
export interface WriteHooks {
  onPlan: (plan: WritePlan) => void;
  check?: ((plan: WritePlan) => Promise<CheckOutcome>) | undefined;
  confirm?: ((plan: WritePlan) => Promise<boolean>) | undefined;
}

export interface Backend {
  /** Where it acts, for messages: the router's URL, or "local" / "remote". */
  label: string;
  /** One service; exits 1 (not_found) when nothing at all is stored for it. */
  service(name: string): Promise<ServiceStatus>;
  services(): Promise<ServiceStatus[]>;
  history(name: string, withDocuments: boolean): Promise<HistoryView>;
  write(request: WriteRequest, hooks: WriteHooks): Promise<WriteOutcome>;
  /** The service's control object (isolates checking in, versions); absent in --direct mode. */
  control?(name: string): Promise<ControlStatus | null>;
}

/**
 * Nothing is stored for `service`; with the names that are (`known`), the
 * closest one when it is a likely typo ("frud": did you mean fraud?).
 */
export function notFound(service: string, label: string, known: readonly string[] = []) {
  const guess = closest(service, known);
  const near = guess !== null && isNear(service, guess);
  return new CliError(
    EXIT.refused,
    "not_found",
    `no routing document for "${service}" (${label})${near ? `; did you mean ${guess}?` : known.length ? `; services: ${known.join(", ")}` : ""}`,
    [],
    { service, ...(near ? { didYouMean: guess } : {}) },
  );
}

/** A write's plan as the JSON output and refusals report it. */
export function reportOf(
  r: WritePlan & { check?: CheckOutcome | null; forced?: boolean },
  label: string,
) {
  return {
    service: r.service,
    target: label,
    change: r.change,
    fromState: r.fromState,
    fromVersion: r.fromVersion,
    version: r.version,
    diff: r.diff,
    ...(r.check ? { check: r.check.report, forced: r.forced === true } : {}),
  };
}

export interface RefusalInfo {
  message: string;
  errors?: FieldError[];
  detail?: Record<string, unknown>;
  /** What would have been written, when the refusal came after the plan. */
  report?: ReturnType<typeof reportOf> | null;
}

/**
 * The CLI's words and exit code for each refusal of the write pipeline
 * (`WriteRefused.kind`, or the admin API's code for it), or of an edit's
 * arguments. `concurrent`: a version mismatch on a version this CLI read
 * itself (someone wrote between the dry run and the write), not one given
 * with --expect-version.
 */
export function refusal(
  kind: RefusalKind | "invalid_request",
  info: RefusalInfo,
  service: string,
  label: string,
  concurrent = false,
): CliError {
  const errors = info.errors ?? [];
  const detail = info.detail ?? {};
  switch (kind) {
    case "not_found":
      return notFound(service, label);
    case "stored_document_invalid":
      return new CliError(
        EXIT.refused,
        kind,
        `the stored document of "${service}" fails the schema; \`rollback\` or \`apply\` a fixed one:\n${formatFieldErrors(errors)}`,
        errors,
      );
    case "invalid_change":
    case "invalid_request":
      return new CliError(
        EXIT.refused,
        kind,
        `refused (nothing written):\n${formatFieldErrors(errors)}`,
        errors,
      );
    case "version_mismatch":
    case "version_conflict": {
      const by =
        kind === "version_mismatch" && !concurrent ? "--expect-version" : "re-read before writing";
      return new CliError(
        EXIT.conflict,
        "version_conflict",
        `refused: ${service} is at version ${detail.actualVersion ?? "(none)"}, not ${detail.expectedVersion ?? "(none)"} (${by}); someone else wrote it. Nothing written; re-run to apply your change on top of theirs.`,
        [],
        { expectedVersion: detail.expectedVersion, actualVersion: detail.actualVersion },
      );
    }
    default:
      return new CliError(EXIT.refused, kind, info.message, [], info.report ?? {});
  }
}

/** The admin API's error code of each refusal (src/app/write-service.ts), back to its kind. */
export function refusalKindOf(code: string): RefusalKind | "invalid_request" | null {
  if (code === "invalid_request") return code;
  const kinds = Object.keys(REFUSALS) as RefusalKind[];
  return kinds.find((kind) => REFUSALS[kind].code === code) ?? null;
}
