/**
 * A request body read at most once, and never held past a limit.
 *
 * Layer: app, the request path. Identity (a JSON body field), failover (replaying the
 * request on live) and shadow mirroring each need the bytes, each up to its
 * own limit; the origin must still receive them intact. `upTo(limit)` reads
 * the stream until it ends or passes `limit` (a declared Content-Length over
 * the limit reads nothing), so the router holds at most the largest limit
 * asked for plus one chunk, whatever the framing (chunked or not). What was
 * read is replayed in front of the unread rest when the body is forwarded;
 * the rest streams one chunk at a time, pulled only as fast as the origin
 * takes it, so large uploads stream and nothing more is held.
 *
 * Reading the client's body can fail by the client's doing: an abort, bad
 * chunk framing, fewer bytes than declared, or bytes trickled slower than
 * the request's time allows. Such a failure is never the arm's: a buffered
 * read refuses the request itself (400 request_body_incomplete, 408
 * request_body_timeout), and the forwarded stream is pumped so that
 * `clientFault` can tell, once an origin call failed, whether the client's
 * body was the cause (its read failed, or the origin was waiting for the
 * client's next bytes when the timeout fired) or the origin was.
 *
 * The shadow's copy (`copyUpTo`) is taken without reading on the request
 * path when it can be: a body whose declared length is within the limit is
 * teed natively, production streams one branch and the shadow reads the
 * other in the background (an await on the request path is an event-loop
 * turn the user waits for, behind whatever else the isolate has queued).
 * The refusal itself is ./client-body-error.ts; what the headers declare,
 * ./declared-length.ts.
 */

import { RouterError } from "../errors.ts";
import { type ClientFault, clientBodyError } from "./client-body-error.ts";
import { declaredLength, hasBody } from "./declared-length.ts";

/** A body declared at most this long is read whole before it is forwarded (readIfSmall). */
export const READ_WHOLE_BYTES = 65_536;

/** A copy of the body: the bytes, or a teed branch of the stream to read later. */
export type BodyCopy = Uint8Array | ReadableStream<Uint8Array>;

export class RequestBody {
  readonly #request: Request;
  /** How long a read of the client's body may take before it is the client's fault (ms). */
  readonly #readTimeoutMs: number;
  /** The service, for the refusal's detail and log line. */
  readonly #service: string | undefined;
  /** The client's body failed to arrive whole (abort, framing, short). */
  #failed = false;
  /** The forwarded stream is waiting for the client's next bytes. */
  #waitingOnClient = false;
  /** Aborted when the client's body fails while it is forwarded (ends the origin call). */
  #failure: AbortController | null = null;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #chunks: Uint8Array[] = [];
  #size = 0;
  #done = false;
  /** Some of the body was taken (read, or being read) from the request's stream. */
  #started = false;
  /** Production's branch once the body was teed for a copy (copyUpTo). */
  #forward: ReadableStream<Uint8Array> | null = null;
  /** Reads run one at a time (identity, failover and shadow ask in turn). */
  #reading: Promise<unknown> = Promise.resolve();

  constructor(request: Request, options: { readTimeoutMs?: number; service?: string } = {}) {
    this.#request = request;
    this.#service = options.service;
    this.#readTimeoutMs = options.readTimeoutMs ?? Number.POSITIVE_INFINITY;
  }

  /**
   * After an origin call failed: was the client's body the cause? Its read
   * failed ("incomplete"), or the call timed out while the origin was
   * waiting for more of the client's bytes ("slow"); else null (the
   * origin's failure, counted against its arm).
   */
  /**
   * Fires when the forwarded client body fails: the origin call must be
   * aborted then (workerd would otherwise end a chunked upload as if it
   * were complete, and the origin would take a truncated body for a whole one).
   */
  get failureSignal(): AbortSignal | undefined {
    return this.#failure?.signal;
  }

  clientFault(originTimedOut: boolean): ClientFault | null {
    if (this.#failed) return "incomplete";
    return originTimedOut && this.#waitingOnClient ? "slow" : null;
  }

  /** A body with bytes in it (a declared Content-Length of 0 is no body). */
  get present(): boolean {
    return hasBody(this.#request);
  }

  /**
   * Reads a small body whole now when its length is declared (one native
   * read): a client that fails to deliver it is then refused before any
   * origin is called, and origins get bytes instead of a stream the router
   * must watch (pumping every body through a JS stream doubled the
   * router's CPU per request, `npm run bench`). Larger and chunked bodies
   * stream (forForwarding).
   */
  readIfSmall(): Promise<unknown> | null {
    const declared = this.declaredLength;
    if (this.#started || declared === null || declared > READ_WHOLE_BYTES || !this.present) {
      return null; // nothing to wait for: no await, no event-loop turn
    }
    return this.upTo(READ_WHOLE_BYTES);
  }

  /** The declared Content-Length, or null when absent or malformed (chunked). */
  get declaredLength(): number | null {
    return declaredLength(this.#request.headers);
  }

  /** Bytes read so far (for reports on refused bodies). */
  get bytesRead(): number {
    return this.#size;
  }

  /**
   * The whole body if it is at most `limit` bytes, else null. Reads at most
   * `limit` bytes plus one chunk; a body declared longer is not read at all.
   * A body that is absent is empty.
   */
  upTo(limit: number): Promise<Uint8Array | null> {
    // After a tee the bytes belong to the two branches (copyUpTo is the last reader).
    if (this.#forward) return Promise.resolve(null);
    const next = this.#reading.then(() => this.#readUpTo(limit));
    this.#reading = next.catch(() => {});
    return next;
  }

  async #readUpTo(limit: number): Promise<Uint8Array | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      if (Number.isFinite(this.#readTimeoutMs)) {
        timer = setTimeout(
          () => reject(clientBodyError("slow", this.#service)),
          this.#readTimeoutMs,
        );
      }
    });
    try {
      return await Promise.race([this.#readWithin(limit), late]);
    } catch (err) {
      if (err instanceof RouterError) throw err;
      this.#failed = true;
      throw clientBodyError("incomplete", this.#service);
    } finally {
      clearTimeout(timer);
    }
  }

  async #readWithin(limit: number): Promise<Uint8Array | null> {
    const body = this.#request.body;
    if (!body || !this.present) return new Uint8Array(0);
    const declared = this.declaredLength;
    if (declared !== null && declared > limit) return null;
    // Read whole already (by an earlier reader, up to its own limit).
    if (this.#done) return this.#size <= limit ? this.#whole() : null;
    if (declared !== null && !this.#started) {
      // Declared within the limit (the runtime delivers exactly that many
      // bytes): one native read instead of a JS read loop (~100 µs less
      // per buffered request in workerd, `npm run bench`).
      this.#started = true;
      const bytes = new Uint8Array(await this.#request.arrayBuffer());
      this.#chunks = bytes.byteLength > 0 ? [bytes] : [];
      this.#size = bytes.byteLength;
      this.#done = true;
      return this.#whole();
    }
    this.#started = true;
    this.#reader ??= body.getReader();
    while (!this.#done && this.#size <= limit) {
      const { done, value } = await this.#reader.read();
      if (done) this.#done = true;
      else if (value.byteLength > 0) {
        this.#chunks.push(value);
        this.#size += value.byteLength;
      }
    }
    return this.#done && this.#size <= limit ? this.#whole() : null;
  }

  /**
   * A copy of the body if it is at most `limit` bytes, else null; an absent
   * body is empty. A body declared within the limit and not read yet is teed
   * (no read here: the runtime keeps the declared length on both branches,
   * and neither holds more than `limit`); otherwise it is read as upTo does.
   * The caller must read or cancel a branch it gets.
   */
  copyUpTo(limit: number): BodyCopy | null | Promise<Uint8Array | null> {
    const body = this.#request.body;
    if (!body || !this.present) return new Uint8Array(0);
    const declared = this.declaredLength;
    if (this.#started || this.#forward || declared === null || declared > limit) {
      return this.upTo(limit);
    }
    const [forward, copy] = body.tee();
    this.#forward = forward;
    return copy;
  }

  /** The chunks read so far as one array (kept as the only chunk). */
  #whole(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0] as Uint8Array;
    const whole = new Uint8Array(this.#size);
    let at = 0;
    for (const chunk of this.#chunks) {
      whole.set(chunk, at);
      at += chunk.byteLength;
    }
    this.#chunks = [whole];
    return whole;
  }

  /** The whole body was read, so it can be sent more than once (failover). */
  get replayable(): boolean {
    return !this.present || (this.#done && !this.#forward);
  }

  /**
   * What to hand to fetch(): the bytes when all were read; else a stream of
   * the bytes read so far followed by the rest of the client's stream (or
   * production's teed branch), pumped so that a failure of the client's
   * body is seen (clientFault), with its declared length kept, so the
   * origin still sees a Content-Length, not a chunked body.
   */
  forForwarding(): BodyInit | null {
    const body = this.#request.body;
    if (!body || !this.present) return null;
    if (this.#forward) return this.#pumped(this.#forward.getReader(), []);
    if (this.#done) return this.#whole();
    if (this.#started && !this.#reader) {
      // A whole read that failed: nothing to forward (its error already refused the request).
      return null;
    }
    this.#started = true;
    this.#reader ??= body.getReader();
    return this.#pumped(this.#reader, [...this.#chunks]);
  }

  /** `read` then the rest of `source`, into a stream fetch() can send, watching the client's side. */
  #pumped(
    source: ReadableStreamDefaultReader<Uint8Array>,
    read: Uint8Array[],
  ): ReadableStream<Uint8Array> {
    const declared = this.declaredLength;
    let received = 0;
    const pending = [...read];
    const failure = new AbortController();
    this.#failure = failure;
    const fail = (controller: ReadableStreamDefaultController<Uint8Array>, err: unknown) => {
      this.#failed = true;
      failure.abort(err); // first: the origin call ends before the stream does
      controller.error(err);
    };
    const stream = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          const ready = pending.shift();
          if (ready) {
            received += ready.byteLength;
            controller.enqueue(ready);
            return;
          }
          let next: ReadableStreamReadResult<Uint8Array>;
          // Only called when the origin's side wants more: waiting here is the client's doing.
          this.#waitingOnClient = true;
          try {
            next = await source.read();
          } catch (err) {
            fail(controller, err);
            return;
          } finally {
            this.#waitingOnClient = false;
          }
          if (next.done) {
            if (declared !== null && received < declared) {
              // Fewer bytes than the declared Content-Length: the client's body was short.
              fail(controller, new Error("request body shorter than its Content-Length"));
            } else controller.close();
            return;
          }
          received += next.value.byteLength;
          controller.enqueue(next.value);
        },
        cancel: (reason) => source.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return declared === null ? stream : stream.pipeThrough(new FixedLengthStream(declared));
  }
}
