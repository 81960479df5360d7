/**
 * What the steps of the request path share: the ports they run on
 * (`RouterDeps`, src/ports/: built once per isolate from the adapters by
 * src/index.ts; the request path imports no adapter) and the one
 * `RouteContext` each request makes, which the steps fill in as they go.
 *
 * Layer: app, the request path. Every field is set when the context is made
 * (the ones a later step decides start empty), so each request allocates
 * this one object and its shape never changes on the hot path.
 */

import type { AnswerTiming } from "../../core/answers/stream-sums.ts";
import type { Decision } from "../../core/routing/decide.ts";
import type { RequestUrl } from "../../core/routing/request-url.ts";
import type { HostMap, ServiceMatch } from "../../core/routing/service-match.ts";
import type { RoutingDocument } from "../../document/routing-document.ts";
import type { CheckIns } from "../../ports/check-ins.ts";
import type { MetricsRecorder } from "../../ports/metrics-recorder.ts";
import type { CallOrigin, OriginErrorKind, OriginOutcome } from "../../ports/origin-client.ts";
import type { ReceiptSigner } from "../../ports/receipt-signer.ts";
import type { RequestEvent, RouterEvents } from "../../ports/router-events.ts";
import type { RoutingDocuments } from "../../ports/routing-documents.ts";
import type { WaitUntil } from "../../ports/wait-until.ts";
import type { ShadowDeps, ShadowPlan } from "../shadow/shadow-dispatch.ts";
import { RequestBody } from "./request-body.ts";
import type { Identity } from "./resolve-identity.ts";

export interface RouterDeps {
  store: RoutingDocuments;
  hosts: HostMap;
  /** The model origins: one call, its outcome a value. */
  callOrigin: CallOrigin;
  /** One event per request and per shadow pair (Analytics Engine). */
  events: RouterEvents;
  overrideToken: string | undefined;
  jwtSecret: string | undefined;
  /** Shadow mode (mirroring + comparison); absent = never mirror. */
  shadow?: ShadowDeps;
  /** Per-arm request metrics for the rollout analyzer (sent to the control object at check-in). */
  metrics?: MetricsRecorder;
  /** Keeps the service's document current (a check-in with its control object is due). */
  checkIns?: CheckIns;
  /** Signs assignment receipts (RECEIPT_SECRET set); absent = no receipts. */
  receipts?: ReceiptSigner | null;
}

export type { WaitUntil };

/** Writes the request's event through the RouterEvents port (report.ts's call). */
export const writeRequestEvent = (events: RouterEvents, e: RequestEvent): void => events.request(e);

/** An origin call that was sent (an unsendable request is refused before it counts). */
export type Sent = Exclude<OriginOutcome, { kind: "unsendable" }>;

export class RouteContext {
  readonly request: Request;
  readonly url: RequestUrl;
  readonly match: ServiceMatch;
  readonly doc: RoutingDocument;
  readonly deps: RouterDeps;
  readonly waitUntil: WaitUntil;
  /** performance.now() when the request arrived. */
  readonly started: number;
  /** Read at most once, by identity, failover and shadow in turn. */
  readonly body: RequestBody;

  // chooseArm
  /** The origin an authenticated override forces, or null. */
  override: string | null = null;
  /** The user the request is routed by; null routes it to live. */
  identity: Identity | null = null;
  /** Set by chooseArm, before any other step reads it. */
  decision!: Decision;
  /** The assignment receipt being signed while the origin answers, or null. */
  receipt: Promise<string> | null = null;

  // planReplays, before production is called
  /** The arm fails over if it can: a non-live arm of a service safe to replay. */
  wantsFailover = false;
  /** It can: the body was buffered within retry.maxBodyBytes. */
  mayFailOver = false;
  /** The mirrored copy to send once the user has the answer, or null. */
  shadow: ShadowPlan | null = null;

  // forwardWithFailover
  /** What the origins are sent (also the shadow's copy). Set by forwardWithFailover. */
  headers!: Headers;
  /** performance.now() when the (last) origin call began. */
  calledAt = 0;
  /** A streamed answer's first chunk, read before committing to an arm that may fail over. */
  firstChunk: {
    reader: ReadableStreamDefaultReader<Uint8Array>;
    chunk: Uint8Array;
    at: number;
  } | null = null;
  /** The arm that answered: the decided one, or live after a failover. */
  served = "";
  /** Time to the origin's response headers, failover included. */
  originMs = 0;
  /** The decided arm's time to headers, or null when it gave no response. */
  firstAttemptMs: number | null = null;
  /** The decided arm's HTTP status, 0 when it gave no response. */
  firstAttemptStatus = 0;
  failover = false;
  /** The decided arm's transport failure, "" when it answered. */
  errorKind: OriginErrorKind | "" = "";
  /** From arrival to the origin's (last) response headers. */
  totalMs = 0;

  // respond
  /** A tee of the served response's body for the shadow comparison, or null. */
  productionCopy: Response | null = null;
  /** A streamed answer's timing, settled when it ends (src/app/route/stream-meter.ts), or null. */
  streamDone: Promise<AnswerTiming> | null = null;
  /** A JSON answer's copy, read for its token usage (tokenUsage "all"), or null. */
  usageCopy: Response | null = null;

  constructor(
    request: Request,
    url: RequestUrl,
    match: ServiceMatch,
    doc: RoutingDocument,
    deps: RouterDeps,
    waitUntil: WaitUntil,
    started: number,
  ) {
    this.request = request;
    this.url = url;
    this.match = match;
    this.doc = doc;
    this.deps = deps;
    this.waitUntil = waitUntil;
    this.started = started;
    // A body read before forwarding gets as long as the slowest origin would.
    this.body = new RequestBody(request, {
      readTimeoutMs: longestTimeoutMs(doc),
      service: match.service,
    });
  }
}

function longestTimeoutMs(doc: RoutingDocument): number {
  let longest = 0;
  for (const name in doc.origins) longest = Math.max(longest, doc.origins[name]?.timeoutMs ?? 0);
  return longest;
}
