/**
 * The ShadowClient port: calls the shadow origin and reads the bodies a
 * shadow pair compares, all under one deadline per pair, each read bounded
 * in size. Failures are values, never exceptions: the caller runs inside
 * waitUntil and must not reject. Implemented by
 * src/adapters/fetch/shadow-client.ts.
 *
 * Layer: ports (types only).
 */
import type { ArmAnswer } from "../core/shadow/compare.ts";

/** A pair's time limit: one timer, nothing registered on the signal. */
export interface Deadline {
  /** Aborted at the deadline: given to fetch, which then also errors the body it is reading. */
  readonly signal: AbortSignal;
  /** Settles at the deadline (never rejects): what reads the signal does not reach race against. */
  readonly expired: Promise<"expired">;
  /** Clears the timer (the pair is over). */
  stop(): void;
}

export interface ShadowRequest {
  url: string;
  method: string;
  headers: Headers;
  body: Uint8Array | null;
  /** The most of the answer read for comparison (shadow.maxAnswerBytes). */
  maxBytes: number;
  /** The pair's deadline (shadow.timeoutMs): aborts the fetch and the body read. */
  deadline: Deadline;
}

export type ReadError = "timeout" | "connection" | "too-large";

/** An answer read for comparison. */
export interface AnswerRead {
  text: string | null;
  /** Bytes of the body read (0 when none). */
  bytes: number;
  error: ReadError | null;
  /** Server-sent events (Content-Type text/event-stream). */
  eventStream: boolean;
  /** A stream of events past the byte bound or the deadline: what arrived, kept. */
  cut: "bytes" | "time" | null;
  /** performance.now() at its first chunk, when read chunk by chunk. */
  firstByteAt: number | null;
}

export interface ShadowClient {
  /** Starts one pair's deadline. */
  startDeadline(ms: number): Deadline;
  /** Sends the mirrored copy and reads the shadow's answer. */
  callShadow(req: ShadowRequest): Promise<ArmAnswer>;
  /** A teed branch of the client's body, already within the shadow's size limit. */
  readBranch(
    branch: ReadableStream<Uint8Array>,
    deadline: Deadline,
  ): Promise<{ bytes: Uint8Array | null; error: ReadError | null }>;
  /** A (copy of a) response's answer: whole, or a stream of events, cut at the bounds. */
  readAnswer(
    response: Response,
    deadline: Deadline,
    opts: { maxBytes: number },
  ): Promise<AnswerRead>;
}
