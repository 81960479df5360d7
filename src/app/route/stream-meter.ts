/**
 * A streamed answer (server-sent events: an LLM's tokens) on its way to the
 * client: passed on chunk by chunk as the client reads it, never gathered,
 * and timed as it passes (first byte, events, bytes, usage in its tail:
 * src/core/answers/event-tally.ts). Two failures are the arm's, and end the
 * client's stream cleanly rather than leaving it hanging or cut mid-frame:
 *   - the origin breaks off mid-answer (reset, closed early): a final
 *     event `data: {"error": {...}}` (what OpenAI's SDKs raise as an
 *     APIError), then the end of the stream;
 *   - no first byte within the origin's timeout after its headers: the
 *     same, after the timeout.
 * Either counts as the arm's error (`broken`) in its metrics. A client that
 * goes away cancels the origin's stream and breaks nothing.
 *
 * Layer: app, the request path. A pull source with no queue of its own
 * (highWaterMark 0): a chunk is read from the origin when the client's side
 * asks for one, so nothing is buffered beyond what the runtime holds. What
 * it costs per chunk: `npm run bench:stream` (docs/performance.md).
 */

import { EventTally } from "../../core/answers/event-tally.ts";
import type { AnswerTiming } from "../../core/answers/stream-sums.ts";

/** The last event of a stream that broke off: an OpenAI-shaped error. */
export function brokenStreamEvent(message: string): Uint8Array {
  const error = { message, type: "router_error", code: "upstream_stream_broken" };
  // The blank line first ends whatever event the origin left unfinished.
  return new TextEncoder().encode(`\n\ndata: ${JSON.stringify({ error })}\n\n`);
}

export interface StreamStart {
  /** performance.now() when the call to the origin began: first byte is timed from it. */
  calledAt: number;
  /** A first chunk already read (failover waits for it), and when it came. */
  first: { chunk: Uint8Array; at: number } | null;
  /** How long to wait for a first byte that has not come yet. */
  firstByteTimeoutMs: number;
}

export interface MeteredStream {
  body: ReadableStream<Uint8Array>;
  /** Settles (never rejects) when the stream ended, broke off or was cancelled. */
  done: Promise<AnswerTiming>;
}

export function meterStream(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  start: StreamStart,
): MeteredStream {
  const tally = new EventTally();
  let firstAt: number | null = null;
  let bytes = 0;
  let settle: (t: AnswerTiming) => void = () => {};
  const done = new Promise<AnswerTiming>((resolve) => {
    settle = resolve;
  });
  let finished = false;
  const finish = (broken: boolean) => {
    if (finished) return;
    finished = true;
    const end = performance.now();
    const { events, usageTokens } = tally.finish();
    settle({
      streamed: true,
      firstByteMs: firstAt === null ? null : firstAt - start.calledAt,
      streamMs: firstAt === null ? 0 : end - firstAt,
      bytes,
      events,
      usageTokens,
      broken,
    });
  };
  const take = (chunk: Uint8Array, at: number) => {
    firstAt ??= at;
    bytes += chunk.byteLength;
    tally.feed(chunk);
  };
  if (start.first) take(start.first.chunk, start.first.at);

  const breakOff = (controller: ReadableStreamDefaultController<Uint8Array>, why: string) => {
    controller.enqueue(brokenStreamEvent(why));
    controller.close();
    void reader.cancel().catch(() => {});
    finish(true);
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (start.first) controller.enqueue(start.first.chunk);
      },
      async pull(controller) {
        let next: ReadableStreamReadResult<Uint8Array> | "timeout";
        try {
          next =
            firstAt === null
              ? await firstRead(reader, start.firstByteTimeoutMs)
              : await reader.read();
        } catch {
          breakOff(controller, `the model's stream broke off after ${bytes} bytes`);
          return;
        }
        if (next === "timeout") {
          breakOff(controller, "the model sent no answer in time after its headers");
          return;
        }
        if (next.done) {
          controller.close();
          finish(false);
          return;
        }
        take(next.value, performance.now());
        controller.enqueue(next.value);
      },
      cancel(reason) {
        finish(false);
        return reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
  return { body, done };
}

/** The first read, given up on after `ms` (its timer cleared either way). */
export async function firstRead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  ms: number,
): Promise<ReadableStreamReadResult<Uint8Array> | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), Math.max(0, ms));
  });
  try {
    return await Promise.race([reader.read(), expired]);
  } finally {
    clearTimeout(timer);
  }
}
