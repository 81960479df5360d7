/**
 * Shadow mode on the request path, in two steps:
 *   1. planShadow, before production is called: is this request mirrored?
 *      If so it takes a copy of the body (the same bytes go to both
 *      origins): a tee of the stream when its declared length is within
 *      shadow.maxBodyBytes (nothing read on the request path), else the
 *      bytes, read up to that limit; a body over it is not mirrored and is
 *      counted, and never buffered past the limit.
 *   2. mirrorToShadow, started inside ctx.waitUntil once the user's
 *      response is ready: reads the production copy (a tee of the user's
 *      body; the first await, so nothing else runs before the response is
 *      handed back), sends the copy (marked with x-router-shadow: 1) under
 *      the pair's deadline, reads the shadow's answer, compares, and records
 *      one AE data point plus the summary and log of the service's control
 *      object.
 * The user's response never waits for, and cannot be failed by, the shadow:
 * step 2 never throws and runs after the response is handed back. What it
 * costs the isolate per mirrored request is measured by `npm run
 * bench:shadow` (docs/shadow.md).
 *
 * Layer: app (use case) over the pure shadow core (select, compare)
 * and its ports (ShadowClient, RouterEvents, ShadowRecorder: src/ports/),
 * which src/index.ts fills with the adapters (shadow-client, Analytics
 * Engine, the check-in link).
 */

import { fieldAt } from "../../core/json-path.ts";
import { joinOriginUrl } from "../../core/routing/service-match.ts";
import {
  type ArmAnswer,
  asLabel,
  comparePair,
  readPrediction,
  type ShadowPair,
} from "../../core/shadow/compare.ts";
import { selectForShadow } from "../../core/shadow/select.ts";
import { decodeUtf8 } from "../../core/utf8.ts";
import type { RoutingDocument, Shadow } from "../../document/routing-document.ts";
import type { OriginErrorKind } from "../../ports/origin-client.ts";
import type { RouterEvents } from "../../ports/router-events.ts";
import type { Deadline, ShadowClient } from "../../ports/shadow-client.ts";
import type { ShadowRecorder } from "../../ports/shadow-recorder.ts";
import type { WaitUntil } from "../../ports/wait-until.ts";
import type { BodyCopy, RequestBody } from "../route/request-body.ts";

/** Tells the shadow origin that a request is a mirrored copy. */
export const SHADOW_HEADER = "x-router-shadow";

export interface ShadowDeps {
  /** The pair summaries and notable pairs, sent to the service's control object. */
  log: ShadowRecorder;
  /** One event per pair, and per skip. */
  events: RouterEvents;
  /** Calls the shadow and reads the pair's bodies under one deadline. */
  client: ShadowClient;
  /** Uniform draw in [0, 1) for per-request sampling. */
  random: () => number;
}

export interface ShadowFactsIn {
  service: string;
  method: string;
  originPath: string;
  search: string;
  /** The production arm chosen for the user, its role and the user's bucket. */
  arm: string;
  role: string;
  bucket: number | null;
  userId: string | null;
  headers: Headers;
  body: RequestBody;
}

export interface ShadowPlan {
  config: Shadow;
  service: string;
  version: number;
  url: string;
  method: string;
  sampleBucket: number;
  /** The bytes, or a teed branch of the client's stream to read in the background. */
  body: BodyCopy | null;
}

export async function planShadow(
  doc: RoutingDocument,
  facts: ShadowFactsIn,
  deps: ShadowDeps | undefined,
  waitUntil: WaitUntil,
): Promise<ShadowPlan | null> {
  const config = doc.shadow;
  if (!config || !deps) return null;
  const selection = selectForShadow(config, {
    method: facts.method,
    originPath: facts.originPath,
    arm: facts.arm,
    userId: facts.userId,
    draw: config.sampling === "request" ? deps.random() : 0,
  });
  const origin = doc.origins[config.origin];
  if (!selection.mirror || !origin) return null;

  // Never buffers past maxBodyBytes: a larger body (declared or chunked) is
  // not mirrored; production still gets it whole.
  const copy = facts.body.present ? facts.body.copyUpTo(config.maxBodyBytes) : null;
  const body = copy instanceof Promise ? await copy : copy;
  if (facts.body.present && body === null) {
    const size = facts.body.declaredLength ?? facts.body.bytesRead;
    const skip = { service: facts.service, shadow: config.origin, version: doc.version };
    deps.events.shadowSkip({
      ...skip,
      production: facts.arm,
      role: facts.role,
      reason: "body-too-large",
      bucket: facts.bucket,
      bodyBytes: size,
    });
    deps.log.recordSkip({ ...skip, reason: "body-too-large" }, waitUntil);
    return null;
  }
  return {
    config,
    service: facts.service,
    version: doc.version,
    url: joinOriginUrl(origin.url, facts.originPath, facts.search),
    method: facts.method,
    sampleBucket: selection.sampleBucket,
    body,
  };
}

export interface ProductionResult {
  /** A copy of the origin's response (its body is a tee of the user's), or null. */
  copy: Response | null;
  /** Time to the origin's response headers, failover included. */
  originMs: number;
  /** Transport failure of the served call, when it produced no response. */
  errorKind: OriginErrorKind | "";
  served: string;
  role: string;
  bucket: number | null;
}

export async function mirrorToShadow(
  plan: ShadowPlan,
  production: ProductionResult,
  headers: Headers,
  deps: ShadowDeps,
  waitUntil: WaitUntil,
): Promise<void> {
  // One deadline for the pair: the shadow's call and reading every body.
  const { client } = deps;
  const deadline = client.startDeadline(plan.config.timeoutMs);
  let copy = plan.body instanceof ReadableStream ? plan.body : null;
  try {
    // Production's answer first: reading it is the first await, so the
    // request's own work is over before any of the shadow's starts.
    const productionAnswer = await readProduction(
      client,
      production,
      deadline,
      plan.config.maxAnswerBytes,
    );
    const body = copy ? await readCopy(client, copy, deadline) : (plan.body as Uint8Array | null);
    copy = null;
    // The production call is sent and failover is over: these headers are
    // the router's own copy, free to mark for the shadow.
    headers.set(SHADOW_HEADER, "1");
    const shadowAnswer = await client.callShadow({
      url: plan.url,
      method: plan.method,
      headers,
      body,
      maxBytes: plan.config.maxAnswerBytes,
      deadline,
    });
    const fields = plan.config;
    const pair: ShadowPair = {
      at: Date.now(),
      service: plan.service,
      production: production.served,
      role: production.role,
      shadow: plan.config.origin,
      bucket: production.bucket,
      sampleBucket: plan.sampleBucket,
      version: plan.version,
      inputId: inputIdOf(body, plan.config.inputIdField),
      bodyBytes: body?.byteLength ?? 0,
      comparison: comparePair(
        readPrediction(productionAnswer, fields),
        readPrediction(shadowAnswer, fields),
        fields.compare,
      ),
    };
    deps.events.shadowPair(pair);
    deps.log.recordPair(pair, waitUntil);
  } catch (err) {
    console.error(JSON.stringify({ message: "shadow comparison failed", error: String(err) }));
  } finally {
    deadline.stop();
    // A branch nobody read would hold its bytes until collected.
    if (copy) void copy.cancel().catch(() => {});
  }
}

/** The teed copy of the client's body (within maxBodyBytes by its declared length). */
async function readCopy(
  client: ShadowClient,
  copy: ReadableStream<Uint8Array>,
  deadline: Deadline,
): Promise<Uint8Array> {
  const read = await client.readBranch(copy, deadline);
  if (read.bytes === null)
    throw new Error(`the request body copy could not be read (${read.error})`);
  return read.bytes;
}

async function readProduction(
  client: ShadowClient,
  p: ProductionResult,
  deadline: Deadline,
  maxBytes: number,
): Promise<ArmAnswer> {
  if (!p.copy) {
    const error = p.errorKind === "timeout" ? "timeout" : "connection";
    return { status: 0, durationMs: p.originMs, error, text: null };
  }
  // The copy is a tee of what the user is sent: its chunks arrive as theirs do.
  const started = performance.now();
  const read = await client.readAnswer(p.copy, deadline, { maxBytes });
  const since = (at: number) => p.originMs + (at - started);
  return {
    status: p.copy.status,
    durationMs: since(performance.now()),
    error: read.error,
    text: read.text,
    bytes: read.bytes,
    eventStream: read.eventStream,
    cut: read.cut,
    firstByteMs: read.firstByteAt === null ? p.originMs : since(read.firstByteAt),
  };
}

function inputIdOf(body: Uint8Array | null, path: string): string | null {
  if (!body || body.byteLength === 0) return null;
  try {
    return asLabel(fieldAt(JSON.parse(decodeUtf8(body)), path));
  } catch {
    return null;
  }
}
