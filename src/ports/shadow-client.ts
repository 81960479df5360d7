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
  /** The pair's deadline (shadow.timeoutMs): aborts the fetch and the body read. */
  deadline: Deadline;
}

export type ReadError = "timeout" | "connection" | "too-large";

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
  /** A (copy of a) response's body as text. */
  readText(
    response: Response,
    deadline: Deadline,
  ): Promise<{ text: string | null; error: ReadError | null }>;
}
