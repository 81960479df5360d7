/**
 * The OriginClient port: calls one model origin for the request path, with
 * a timeout, and says what came back. Failures are values, never
 * exceptions, so the request path decides between failover and an error
 * response; a request the runtime refuses to build is "unsendable", told
 * apart from every origin failure. Implemented by
 * src/adapters/fetch/origin-client.ts.
 *
 * Layer: ports (types only).
 */

/**
 * "stream-broken": a streamed answer that died before its first byte (the
 * request path tells, waiting for it before it may still fail over).
 */
export type OriginErrorKind = "timeout" | "connection" | "status-5xx" | "stream-broken";

/** The request was never sent: the runtime refused to build it (not an origin error). */
export type Unsendable = {
  ok: false;
  kind: "unsendable";
  response: null;
  durationMs: 0;
  message: string;
};

export interface OriginRequest {
  url: string;
  method: string;
  headers: Headers;
  body: BodyInit | null;
  timeoutMs: number;
  /** Ends the call early (the client's body failed); the outcome is then "connection". */
  signal?: AbortSignal | undefined;
}

export type OriginOutcome =
  | { ok: true; response: Response; durationMs: number }
  | { ok: false; kind: OriginErrorKind; response: Response | null; durationMs: number }
  | Unsendable;

export type CallOrigin = (req: OriginRequest) => Promise<OriginOutcome>;
