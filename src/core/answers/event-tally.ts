/**
 * Counting a stream of server-sent events as it passes, chunk by chunk,
 * without holding it: events that carry data (the first `data:` line of
 * each event), and the last TAIL_BYTES bytes, where an LLM stream puts its
 * token usage and `[DONE]`. What the request path records of a streamed
 * answer (src/app/route/stream-meter.ts) without parsing every event.
 *
 * Layer: pure core. A byte loop with four numbers of state: lines end in
 * LF, CR or CRLF (a CRLF is one line end, also across chunks); a blank line
 * ends an event.
 */
import { decodeUtf8 } from "../utf8.ts";
import { assembleAnswer } from "./sse.ts";

/** The bytes kept from the end of the stream (a usage chunk is a few hundred). */
export const TAIL_BYTES = 4_096;

const DATA = [0x64, 0x61, 0x74, 0x61, 0x3a]; // "data:"
const LF = 0x0a;
const CR = 0x0d;

export class EventTally {
  /** Events with a data line seen so far ("[DONE]" included until `finish`). */
  events = 0;
  #lineLength = 0;
  /** How much of "data:" the current line has matched; -1 once it cannot. */
  #matched = 0;
  #eventHasData = false;
  #afterCr = false;
  #tail = new Uint8Array(TAIL_BYTES);
  #tailLength = 0;

  feed(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === LF && this.#afterCr) {
        this.#afterCr = false;
        continue;
      }
      this.#afterCr = b === CR;
      if (b === LF || b === CR) {
        if (this.#lineLength === 0) this.#eventHasData = false;
        this.#lineLength = 0;
        this.#matched = 0;
        continue;
      }
      this.#lineLength += 1;
      if (this.#matched < 0) continue;
      if (b !== DATA[this.#matched]) {
        this.#matched = -1;
        continue;
      }
      this.#matched += 1;
      if (this.#matched === DATA.length) {
        this.#matched = -1;
        if (!this.#eventHasData) this.events += 1;
        this.#eventHasData = true;
      }
    }
    this.#keepTail(chunk);
  }

  #keepTail(chunk: Uint8Array): void {
    if (chunk.length >= TAIL_BYTES) {
      this.#tail.set(chunk.subarray(chunk.length - TAIL_BYTES));
      this.#tailLength = TAIL_BYTES;
      return;
    }
    const keep = Math.min(this.#tailLength, TAIL_BYTES - chunk.length);
    this.#tail.copyWithin(0, this.#tailLength - keep, this.#tailLength);
    this.#tail.set(chunk, keep);
    this.#tailLength = keep + chunk.length;
  }

  /** The stream's data events ("[DONE]" not counted) and the usage its tail reported. */
  finish(): { events: number; usageTokens: number | null } {
    // The tail may begin mid-event: that fragment reads as one invalid event, ignored.
    const tail = assembleAnswer(decodeUtf8(this.#tail.subarray(0, this.#tailLength)), {
      cut: false,
    });
    return {
      events: Math.max(0, this.events - (tail.done ? 1 : 0)),
      usageTokens: tail.usageTokens,
    };
  }
}
