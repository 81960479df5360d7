/**
 * Calls the shadow origin and reads answers for comparison, each bounded in
 * time and size.
 *
 * Layer: adapter (the shadow's counterpart of origin-client.ts, which only
 * serves users). One AbortSignal deadline (the caller's) covers the whole
 * exchange, headers and body, so a shadow that hangs at any point is given
 * up on at shadow.timeoutMs. Failures are values, never exceptions: the caller runs
 * inside ctx.waitUntil and must not reject.
 */
import type { ArmAnswer } from "../../core/shadow/compare.ts";

/** Largest prediction body read for comparison; larger answers count as "too-large". */
export const MAX_PREDICTION_BYTES = 1_048_576;

export interface ShadowRequest {
  url: string;
  method: string;
  headers: Headers;
  body: Uint8Array | null;
  /** The pair's deadline (shadow.timeoutMs): aborts the fetch and the body read. */
  signal: AbortSignal;
}

export async function callShadow(req: ShadowRequest): Promise<ArmAnswer> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  let response: Response;
  try {
    response = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      signal: req.signal,
    });
  } catch {
    const error = req.signal.aborted ? "timeout" : "connection";
    return { status: 0, durationMs: elapsed(), error, text: null };
  }
  const body = await readText(response, req.signal);
  return { status: response.status, durationMs: elapsed(), error: body.error, text: body.text };
}

type ReadError = "timeout" | "connection" | "too-large";

/** Reads a (copy of a) response body as text, as readBytes reads it. */
export async function readText(
  response: Response,
  signal: AbortSignal,
): Promise<{ text: string | null; error: ReadError | null }> {
  const read = await readBytes(response, signal);
  return {
    text: read.bytes === null ? null : new TextDecoder().decode(read.bytes),
    error: read.error,
  };
}

/**
 * Reads a body: at most MAX_PREDICTION_BYTES, and no longer than until
 * `signal` aborts. A body that declares its length is read natively in one
 * go (cheaper than a JS read loop); otherwise chunk by chunk, counting
 * bytes.
 */
export async function readBytes(
  response: Response,
  signal: AbortSignal,
): Promise<{ bytes: Uint8Array | null; error: ReadError | null }> {
  if (!response.body) return { bytes: new Uint8Array(0), error: null };
  const aborted = new Promise<"aborted">((resolve) => {
    if (signal.aborted) resolve("aborted");
    signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > MAX_PREDICTION_BYTES) {
    void response.body.cancel().catch(() => {});
    return { bytes: null, error: "too-large" };
  }
  if (Number.isFinite(declared)) {
    const bytes = response.arrayBuffer().then(
      (b) => ({ bytes: new Uint8Array(b), error: null }),
      () => ({
        bytes: null,
        error: signal.aborted ? ("timeout" as const) : ("connection" as const),
      }),
    );
    const result = await Promise.race([bytes, aborted]);
    if (result !== "aborted") return result;
    void response.body.cancel().catch(() => {});
    return { bytes: null, error: "timeout" };
  }
  return readChunks(response.body.getReader(), signal, aborted);
}

async function readChunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal,
  aborted: Promise<"aborted">,
): Promise<{ bytes: Uint8Array | null; error: ReadError | null }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), aborted]);
      if (next === "aborted") {
        void reader.cancel().catch(() => {});
        return { bytes: null, error: "timeout" };
      }
      if (next.done) break;
      size += next.value.byteLength;
      if (size > MAX_PREDICTION_BYTES) {
        void reader.cancel().catch(() => {});
        return { bytes: null, error: "too-large" };
      }
      chunks.push(next.value);
    }
  } catch {
    return { bytes: null, error: signal.aborted ? "timeout" : "connection" };
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes, error: null };
}
