/**
 * The RouterEvents port (src/ports/router-events.ts) over one Workers
 * Analytics Engine dataset (ROUTER_EVENTS): request events
 * (./request-events.ts) and shadow events (./shadow-events.ts), told apart
 * by their first blob. No dataset bound: every write is a no-op.
 *
 * Layer: adapter. Built once per isolate by the composition root.
 */
import type { RouterEvents } from "../../ports/router-events.ts";
import { writeRequestEvent } from "./request-events.ts";
import { writeShadowPair, writeShadowSkip } from "./shadow-events.ts";

export function analyticsEvents(dataset: AnalyticsEngineDataset | undefined): RouterEvents {
  return {
    request: (e) => writeRequestEvent(dataset, e),
    shadowPair: (pair) => writeShadowPair(dataset, pair),
    shadowSkip: (e) => writeShadowSkip(dataset, e),
  };
}
