/**
 * A request body that is read at most once.
 *
 * Layer: HTTP edge. Identity (a JSON body field), failover (replaying the
 * request on live) and, later, shadow mirroring all need the bytes; the
 * origin must still receive them intact. When nobody asked for the bytes
 * the original stream is forwarded untouched, so large uploads stream.
 */
export class RequestBody {
  readonly #request: Request;
  #bytes: Promise<ArrayBuffer> | null = null;

  constructor(request: Request) {
    this.#request = request;
  }

  get present(): boolean {
    return this.#request.body !== null;
  }

  /** The whole body, buffered once; later calls share the same bytes. */
  bytes(): Promise<ArrayBuffer> {
    this.#bytes ??= this.#request.arrayBuffer();
    return this.#bytes;
  }

  get buffered(): boolean {
    return this.#bytes !== null;
  }

  /** What to hand to fetch(): the buffered bytes, or the untouched stream. */
  async forForwarding(): Promise<BodyInit | null> {
    if (!this.present) return null;
    return this.#bytes ? await this.#bytes : this.#request.body;
  }
}
