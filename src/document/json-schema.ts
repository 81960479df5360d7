/**
 * JSON Schema for routing documents, generated from the zod schema (the
 * committed copy is src/document/routing-document.schema.json).
 *
 * Layer: document (pure). Cross-field rules (live origin exists, ranges do not
 * overlap) cannot be expressed in JSON Schema; `router validate`
 * and the worker check those.
 */

import { RoutingDocument } from "./routing-document.ts";
import * as z from "./zod.ts";

export function routingDocumentJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(RoutingDocument, { io: "input", unrepresentable: "any" }),
    $id: "https://github.com/edge-model-router/routing-document.schema.json",
    title: "Edge model router: routing document",
  };
}
