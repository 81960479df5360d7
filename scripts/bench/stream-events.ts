/**
 * The pure parts of the streaming benchmark (scripts/bench/stream.ts):
 *   - the bench origin's server-sent events: an OpenAI-style
 *     `chat.completion.chunk` per chunk, stamped with its sequence number
 *     and the origin's send time, then `data: [DONE]`;
 *   - the client's reading of a stream as it arrives: each event timed by
 *     the read that completed it;
 *   - the check of one stream (every chunk, once, in order; time to the
 *     first chunk; each chunk's delay from its send; chunks that arrived
 *     bunched) and the summary of a path's streams.
 *
 * Times are milliseconds on one clock that every process of the machine
 * shares (CLOCK_MONOTONIC, `monoMs`), so the origin's send time and the
 * client's arrival time of a chunk can be subtracted across processes.
 */
import { percentile } from "./load.ts";

/** Milliseconds of the system's monotonic clock: the same clock in every process of the machine. */
export const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** What the bench origin puts in each chunk beside OpenAI's fields. */
export interface ChunkStamp {
  seq: number;
  /** `monoMs()` in the origin just before the write. */
  sentMs: number;
}

/** One chunk event as the bench origin writes it (one write per event). */
export function chunkEvent(seq: number, last: boolean, sentMs: number): string {
  const chunk = {
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: 1_796_000_000,
    model: "bench-sse",
    choices: [
      {
        index: 0,
        delta: seq === 0 ? { role: "assistant", content: "tok0 " } : { content: `tok${seq} ` },
        finish_reason: last ? "stop" : null,
      },
    ],
    bench: { seq, sentMs } satisfies ChunkStamp,
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

export const DONE_EVENT = "data: [DONE]\n\n";

/** An event as the client saw it: which chunk (or the end), when, in which read. */
export interface TimedEvent {
  /** The chunk's sequence number, or "done" for `[DONE]`, or "bad" for an event not understood. */
  seq: number | "done" | "bad";
  sentMs: number;
  atMs: number;
  /** 0-based index of the body read that completed the event. */
  read: number;
}

/** Splits a body into server-sent events as its reads arrive (`\n\n` or `\r\n\r\n` between events). */
export class EventReader {
  readonly events: TimedEvent[] = [];
  reads = 0;
  private buffer = "";
  private readonly decoder = new TextDecoder();

  feed(bytes: Uint8Array, atMs: number): void {
    const read = this.reads++;
    this.buffer += this.decoder.decode(bytes, { stream: true });
    for (;;) {
      const end = /\r?\n\r?\n/.exec(this.buffer);
      if (!end) return;
      const block = this.buffer.slice(0, end.index);
      this.buffer = this.buffer.slice(end.index + end[0].length);
      if (block.trim() !== "") this.events.push({ ...parseEvent(block), atMs, read });
    }
  }

  /** Bytes received after the last complete event (a stream cut mid-event). */
  get leftover(): string {
    return this.buffer;
  }
}

function parseEvent(block: string): Pick<TimedEvent, "seq" | "sentMs"> {
  const data = block
    .split(/\r?\n/)
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).replace(/^ /, ""))
    .join("\n");
  if (data === "[DONE]") return { seq: "done", sentMs: Number.NaN };
  try {
    const stamp = (JSON.parse(data) as { bench?: Partial<ChunkStamp> }).bench;
    if (typeof stamp?.seq === "number" && typeof stamp.sentMs === "number") {
      return { seq: stamp.seq, sentMs: stamp.sentMs };
    }
  } catch {}
  return { seq: "bad", sentMs: Number.NaN };
}

/** One streamed answer as the client received it. */
export interface StreamRecord {
  status: number;
  contentType: string;
  /** `monoMs()` just before the request was sent. */
  startMs: number;
  /** When the response's headers had arrived (fetch resolved). */
  headersMs: number;
  /** When the body ended (or failed). */
  endMs: number;
  events: TimedEvent[];
  reads: number;
  leftover: string;
  /** A transport error, if the request or the body failed. */
  error: string | null;
}

export interface StreamCheck {
  /** Why the stream is not a complete, ordered answer, or null. */
  problem: string | null;
  /** Time to the response headers, ms after the request started. */
  headersMs: number;
  /** Time to the first chunk, ms after the request started. */
  ttfcMs: number;
  /** The whole stream: request start to the end of the body. */
  totalMs: number;
  /** Per chunk after the first: arrival minus the origin's send time. */
  delaysMs: number[];
  /**
   * Chunks that arrived more than half a chunk interval closer to the one
   * before than the origin sent them: held on the way and released
   * together (the origin's own late timers do not count).
   */
  bunched: number;
  reads: number;
}

/** Checks one stream of `chunks` chunks sent `chunkDelayMs` apart (the first one excepted). */
export function checkStream(s: StreamRecord, chunks: number, chunkDelayMs: number): StreamCheck {
  const data = s.events.filter((e) => typeof e.seq === "number");
  const problem = streamProblem(s, chunks);
  const first = data[0];
  let bunched = 0;
  for (let i = 1; i < data.length; i++) {
    const [a, b] = [data[i - 1] as TimedEvent, data[i] as TimedEvent];
    if (b.sentMs - a.sentMs - (b.atMs - a.atMs) > chunkDelayMs / 2) bunched++;
  }
  return {
    problem,
    headersMs: s.headersMs - s.startMs,
    ttfcMs: first ? first.atMs - s.startMs : Number.NaN,
    totalMs: s.endMs - s.startMs,
    delaysMs: data.slice(1).map((e) => e.atMs - e.sentMs),
    bunched,
    reads: s.reads,
  };
}

function streamProblem(s: StreamRecord, chunks: number): string | null {
  if (s.error) return `failed: ${s.error}`;
  if (s.status !== 200) return `HTTP ${s.status}`;
  if (!/^text\/event-stream\b/i.test(s.contentType)) return `content-type "${s.contentType}"`;
  const bad = s.events.findIndex((e) => e.seq === "bad");
  if (bad !== -1) return `event ${bad} not understood`;
  const seqs = s.events.map((e) => e.seq);
  for (let i = 0; i < chunks; i++) {
    if (seqs[i] !== i) return `event ${i} is ${String(seqs[i] ?? "missing")}, expected chunk ${i}`;
  }
  if (seqs[chunks] !== "done") return `no [DONE] after chunk ${chunks - 1}`;
  if (seqs.length > chunks + 1) return `${seqs.length - chunks - 1} events after [DONE]`;
  if (s.leftover.trim() !== "") return "the body ends mid-event";
  return null;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** Nearest-rank percentiles (load.ts) of any list of numbers. */
export function percentiles(values: number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

/** A path's streams, summed up. */
export interface PathSummary {
  streams: number;
  failed: number;
  /** The first problems seen (at most 3). */
  problems: string[];
  headers: Percentiles;
  ttfc: Percentiles;
  delay: Percentiles;
  total: Percentiles;
  /** Chunks (after each stream's first) that arrived bunched with the one before. */
  bunched: number;
  chunks: number;
  readsP50: number;
}

export function summarizePath(checks: StreamCheck[]): PathSummary {
  const ok = checks.filter((c) => c.problem === null);
  const problems = checks.flatMap((c) => (c.problem ? [c.problem] : []));
  return {
    streams: checks.length,
    failed: problems.length,
    problems: [...new Set(problems)].slice(0, 3),
    headers: percentiles(ok.map((c) => c.headersMs)),
    ttfc: percentiles(ok.map((c) => c.ttfcMs)),
    delay: percentiles(ok.flatMap((c) => c.delaysMs)),
    total: percentiles(ok.map((c) => c.totalMs)),
    bunched: ok.reduce((sum, c) => sum + c.bunched, 0),
    chunks: ok.reduce((sum, c) => sum + c.delaysMs.length, 0),
    readsP50: percentiles(ok.map((c) => c.reads)).p50,
  };
}

/**
 * Per round, `value` of a path's stream minus the same of the baseline's
 * stream in that round (streams paired by position; a failed one skipped):
 * differences measured seconds apart, free of the drift between rounds.
 */
export function pairedDifferences(
  path: StreamCheck[][],
  base: StreamCheck[][],
  value: (c: StreamCheck) => number,
): number[] {
  return path.flatMap((round, r) =>
    round.flatMap((c, i) => {
      const b = base[r]?.[i];
      return c.problem === null && b && b.problem === null ? [value(c) - value(b)] : [];
    }),
  );
}
