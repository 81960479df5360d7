/**
 * Calls the shadow origin and reads answers for comparison, each bounded in
 * time and size.
 *
 * Layer: adapter (the shadow's counterpart of origin-client.ts, which only
 * serves users), implementing the ShadowClient port
 * (src/ports/shadow-client.ts) as `shadowClient`. One deadline per pair (startDeadline) covers the whole
 * exchange, headers and bodies, so a shadow that hangs at any point is given
 * up on at shadow.timeoutMs. Failures are values, never exceptions: the
 * caller runs inside ctx.waitUntil and must not reject.
 *
 * Written to allocate little that outlives a young-generation GC: a mirror
 * holds its state for the shadow's whole answer time, and in workerd what
 * is reachable from a native object (an AbortSignal's listeners, a
 * TextDecoder) survives scavenges and waits for a full, stop-the-world
 * mark-compact, which is where the user's p99 went (docs/performance.md,
 * `npm run bench:gc`). So: one timer per pair and no signal listeners, one
 * TextDecoder per isolate (src/core/utf8.ts), native reads of bodies whose length is known,
 * and no race at all on the shadow's own body (its fetch's signal ends it).
 */
import { isEventStream } from "../../core/answers/sse.ts";
import type { ArmAnswer } from "../../core/shadow/compare.ts";
import { decodeUtf8 } from "../../core/utf8.ts";
import type {
  AnswerRead,
  Deadline,
  ReadError,
  ShadowClient,
  ShadowRequest,
} from "../../ports/shadow-client.ts";

/** The largest answer read for comparison when the caller names no bound (shadow.maxAnswerBytes' default). */
export const MAX_PREDICTION_BYTES = 262_144;

export function startDeadline(ms: number): Deadline {
  const controller = new AbortController();
  let expire: (v: "expired") => void = () => {};
  const expired = new Promise<"expired">((resolve) => {
    expire = resolve;
  });
  const timer = setTimeout(() => {
    controller.abort();
    expire("expired");
  }, ms);
  return { signal: controller.signal, expired, stop: () => clearTimeout(timer) };
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
      signal: req.deadline.signal,
    });
  } catch {
    const error = req.deadline.signal.aborted ? "timeout" : "connection";
    return { status: 0, durationMs: elapsed(), error, text: null };
  }
  const headersMs = elapsed();
  // The fetch's signal reaches its body too: workerd errors the read at the deadline.
  const read = await readAnswer(response, req.deadline, { maxBytes: req.maxBytes, race: false });
  return {
    status: response.status,
    durationMs: elapsed(),
    error: read.error,
    text: read.text,
    bytes: read.bytes,
    eventStream: read.eventStream,
    cut: read.cut,
    firstByteMs: read.firstByteAt === null ? headersMs : read.firstByteAt - started,
  };
}

/**
 * Reads an answer for comparison: a JSON (or any) body whole, up to
 * maxBytes, else "too-large"; a stream of server-sent events chunk by
 * chunk, and when it passes maxBytes or the deadline, what arrived so far
 * marked `cut` ("bytes" / "time"), since half an LLM answer is still an
 * answer, unlike half a JSON document. `firstByteAt` is performance.now()
 * at the first chunk of a chunk-by-chunk read (null for a whole read).
 */
export async function readAnswer(
  response: Response,
  deadline: Deadline,
  opts: { maxBytes?: number | undefined; race?: boolean } = {},
): Promise<AnswerRead> {
  const maxBytes = opts.maxBytes ?? MAX_PREDICTION_BYTES;
  const race = opts.race ?? true;
  const eventStream = isEventStream(response.headers.get("content-type"));
  if (!eventStream) {
    const read = await readBytes(response, deadline, race, maxBytes);
    const text = read.bytes === null ? null : decodeUtf8(read.bytes);
    const bytes = read.bytes?.byteLength ?? 0;
    return { text, bytes, error: read.error, eventStream, cut: null, firstByteAt: null };
  }
  if (!response.body) {
    return { text: "", bytes: 0, error: null, eventStream, cut: null, firstByteAt: null };
  }
  const read = await readChunks(response.body.getReader(), deadline, race, maxBytes, true);
  return {
    text: read.bytes === null ? null : decodeUtf8(read.bytes),
    bytes: read.bytes?.byteLength ?? 0,
    error: read.error,
    eventStream,
    cut: read.cut,
    firstByteAt: read.firstByteAt,
  };
}

/**
 * Reads a body: at most MAX_PREDICTION_BYTES, and no longer than the
 * deadline (`race`: against its expiry; without, the caller's fetch signal
 * ends the read). A body that declares its length is read natively in one
 * go (cheaper than a JS read loop, and nothing per chunk); otherwise chunk
 * by chunk, counting bytes.
 */
export async function readBytes(
  response: Response,
  deadline: Deadline,
  race = true,
  maxBytes = MAX_PREDICTION_BYTES,
): Promise<{ bytes: Uint8Array | null; error: ReadError | null }> {
  if (!response.body) return { bytes: new Uint8Array(0), error: null };
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    void response.body.cancel().catch(() => {});
    return { bytes: null, error: "too-large" };
  }
  if (Number.isFinite(declared)) return readWhole(response, deadline, race);
  const read = await readChunks(response.body.getReader(), deadline, race, maxBytes, false);
  return { bytes: read.bytes, error: read.error };
}

/**
 * A teed branch of a request body whose declared length the caller already
 * checked against its own limit (shadow.maxBodyBytes, up to 10 MiB; the
 * runtime delivers exactly that many bytes): read natively in one go.
 */
export function readBranch(
  branch: ReadableStream<Uint8Array>,
  deadline: Deadline,
): Promise<{ bytes: Uint8Array | null; error: ReadError | null }> {
  return readWhole(new Response(branch), deadline, true);
}

async function readWhole(
  response: Response,
  { signal, expired }: Deadline,
  race: boolean,
): Promise<{ bytes: Uint8Array | null; error: ReadError | null }> {
  const bytes = response.arrayBuffer().then(
    (b) => ({ bytes: new Uint8Array(b), error: null }),
    () => ({
      bytes: null,
      error: signal.aborted ? ("timeout" as const) : ("connection" as const),
    }),
  );
  const result = race ? await Promise.race([bytes, expired]) : await bytes;
  if (result !== "expired") return result;
  // Locked by the read: cancelling fails and is ignored; the runtime drops it with the response.
  void response.body?.cancel().catch(() => {});
  return { bytes: null, error: "timeout" };
}

interface ChunksRead {
  bytes: Uint8Array | null;
  error: ReadError | null;
  cut: "bytes" | "time" | null;
  firstByteAt: number | null;
}

/**
 * Reads chunk by chunk, counting bytes. Past maxBytes or the deadline:
 * `keep` (a stream of events) keeps what arrived, marked cut; otherwise
 * the read fails ("too-large", "timeout").
 */
async function readChunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  { signal, expired }: Deadline,
  race: boolean,
  maxBytes: number,
  keep: boolean,
): Promise<ChunksRead> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let firstByteAt: number | null = null;
  let cut: "bytes" | "time" | null = null;
  const failed = (error: ReadError): ChunksRead => ({ bytes: null, error, cut: null, firstByteAt });
  try {
    for (;;) {
      const next = race ? await Promise.race([reader.read(), expired]) : await reader.read();
      if (next === "expired") {
        void reader.cancel().catch(() => {});
        if (!keep) return failed("timeout");
        cut = "time";
        break;
      }
      if (next.done) break;
      firstByteAt ??= performance.now();
      if (size + next.value.byteLength > maxBytes) {
        void reader.cancel().catch(() => {});
        if (!keep) return failed("too-large");
        chunks.push(next.value.subarray(0, maxBytes - size));
        size = maxBytes;
        cut = "bytes";
        break;
      }
      size += next.value.byteLength;
      chunks.push(next.value);
    }
  } catch {
    // The fetch's own signal ended the read at the deadline: a cut stream.
    if (keep && signal.aborted) cut = "time";
    else return failed(signal.aborted ? "timeout" : "connection");
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes, error: null, cut, firstByteAt };
}

/** The ShadowClient port, as the composition root hands it to the shadow dispatch. */
export const shadowClient: ShadowClient = { startDeadline, callShadow, readBranch, readAnswer };
