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
import type { ArmAnswer } from "../../core/shadow/compare.ts";
import { decodeUtf8 } from "../../core/utf8.ts";
import type {
  Deadline,
  ReadError,
  ShadowClient,
  ShadowRequest,
} from "../../ports/shadow-client.ts";

/** Largest prediction body read for comparison; larger answers count as "too-large". */
export const MAX_PREDICTION_BYTES = 1_048_576;

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
  // The fetch's signal reaches its body too: workerd errors the read at the deadline.
  const body = await readText(response, req.deadline, false);
  return { status: response.status, durationMs: elapsed(), error: body.error, text: body.text };
}

/** Reads a (copy of a) response body as text, as readBytes reads it. */
export async function readText(
  response: Response,
  deadline: Deadline,
  race = true,
): Promise<{ text: string | null; error: ReadError | null }> {
  const read = await readBytes(response, deadline, race);
  return { text: read.bytes === null ? null : decodeUtf8(read.bytes), error: read.error };
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
): Promise<{ bytes: Uint8Array | null; error: ReadError | null }> {
  if (!response.body) return { bytes: new Uint8Array(0), error: null };
  const { signal, expired } = deadline;
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > MAX_PREDICTION_BYTES) {
    void response.body.cancel().catch(() => {});
    return { bytes: null, error: "too-large" };
  }
  if (Number.isFinite(declared)) return readWhole(response, deadline, race);
  return readChunks(response.body.getReader(), signal, race ? expired : null);
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

async function readChunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal,
  expired: Promise<"expired"> | null,
): Promise<{ bytes: Uint8Array | null; error: ReadError | null }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = expired ? await Promise.race([reader.read(), expired]) : await reader.read();
      if (next === "expired") {
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

/** The ShadowClient port, as the composition root hands it to the shadow dispatch. */
export const shadowClient: ShadowClient = { startDeadline, callShadow, readBranch, readText };
