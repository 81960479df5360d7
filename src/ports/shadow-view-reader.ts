/**
 * The ShadowViewReader port: the shadow evidence of a document's current
 * shadow, merged over every isolate (null when it has none). Implemented by
 * the control objects (src/adapters/durable-object/control-client.ts).
 *
 * Layer: ports (types only).
 */
import type { ShadowView } from "../core/rollout/metrics-view.ts";
import type { RoutingDocument } from "../document/routing-document.ts";

export interface ShadowViewReader {
  read(doc: RoutingDocument): Promise<ShadowView | null>;
}
