/**
 * Child-process entry for the streaming benchmark's origin
 * (scripts/bench/stream.ts): an OpenAI-compatible chat completions endpoint
 * that streams every answer as server-sent events. Prints `{"port":N}` on
 * stdout and exits when its stdin closes (scripts/bench/origin.ts starts it).
 *
 * Any POST, whatever its path: the body is an OpenAI chat request whose
 * `max_tokens` is the number of chunks, and `bench.chunkDelayMs` /
 * `bench.firstChunkDelayMs` the pacing (the same body reaches the origin
 * through every path, the router's shadow copy included). The headers go
 * out at once; chunk i is written at firstChunkDelayMs + i x chunkDelayMs
 * after the request's body ended (on a schedule, so timer drift does not
 * add up), each in its own write with Nagle off, each stamped with its
 * sequence number and send time (stream-events.ts); `data: [DONE]` follows
 * the last chunk.
 *
 * A separate process so its timers do not share an event loop with the
 * client that times the chunks.
 */
import { createServer } from "node:http";
import { chunkEvent, DONE_EVENT, monoMs } from "./stream-events.ts";

interface BenchRequest {
  max_tokens?: unknown;
  bench?: { chunkDelayMs?: unknown; firstChunkDelayMs?: unknown };
}

const count = (value: unknown, fallback: number, max: number) =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max
    ? value
    : fallback;

const server = createServer({ noDelay: true, keepAliveTimeout: 60_000 }, (req, res) => {
  let text = "";
  req.setEncoding("utf8");
  req.on("data", (d: string) => {
    text += d;
  });
  req.on("end", () => {
    let body: BenchRequest;
    try {
      body = JSON.parse(text) as BenchRequest;
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      res.end('{"error":{"message":"the body is not JSON"}}');
      return;
    }
    const chunks = Math.max(1, count(body.max_tokens, 50, 100_000));
    const delay = count(body.bench?.chunkDelayMs, 20, 60_000);
    const first = count(body.bench?.firstChunkDelayMs, 0, 60_000);
    res.socket?.setNoDelay(true);
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    res.flushHeaders();
    const start = monoMs();
    let seq = 0;
    let timer: NodeJS.Timeout | undefined;
    const next = () => {
      res.write(chunkEvent(seq, seq === chunks - 1, monoMs()));
      seq++;
      if (seq === chunks) {
        res.end(DONE_EVENT);
        return;
      }
      timer = setTimeout(next, Math.max(0, start + first + seq * delay - monoMs()));
    };
    // No wait at all for the first chunk unless asked (a 0 ms timer waits 1 ms).
    if (first === 0) next();
    else timer = setTimeout(next, first);
    res.on("close", () => clearTimeout(timer));
  });
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.stdin.resume();
process.stdin.on("end", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
