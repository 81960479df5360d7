/**
 * The RoutingDocuments port: the routing document an isolate routes a
 * service's requests by, as fresh as its memo policy allows, and what it
 * holds (for the health endpoint). Implemented by
 * src/adapters/kv/routing-store.ts, kept current by the check-ins.
 *
 * Layer: ports (types only).
 */
import type { RoutingDocument } from "../document/routing-document.ts";
import type { FieldError } from "../document/validate.ts";
import type { WaitUntil } from "./wait-until.ts";

export interface LoadedDocument {
  status: "ok";
  doc: RoutingDocument;
  source: "kv" | "last-good" | "control";
  /** Why the last good copy is served: the stored one was deleted, or failed the schema. */
  fallback?: "deleted" | "invalid";
}

export type LoadResult =
  | LoadedDocument
  | { status: "missing" }
  | { status: "invalid"; errors: FieldError[] };

export interface RoutingDocuments {
  /** The routing document for a service (a background refresh goes to `waitUntil`). */
  load(service: string, waitUntil: WaitUntil): Promise<LoadResult>;
  /** What the isolate holds, for the health endpoint. */
  stats(): unknown;
}
