/**
 * Child-process entry for the memory benchmark's origin: one Node HTTP
 * server where every `/<model>/<path>` streams the request body through
 * sha256 without keeping it, then answers what arrived:
 *   {"model", "method", "path", "bytes", "sha256"}
 * so the benchmark can check that an upload reached the origin whole and
 * intact while the origin itself stays flat. Prints `{"port":N}` on stdout
 * and exits when its stdin closes.
 *
 * Layer: benchmark support (scripts/bench/upload-sink.ts starts it). A
 * separate process so hashing does not share the benchmark's event loop,
 * which samples workerd's memory.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://sink");
  const [, model = "", ...rest] = url.pathname.split("/");
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for await (const chunk of req) {
      bytes += (chunk as Buffer).length;
      hash.update(chunk as Buffer);
    }
  } catch {
    return; // the client (the router) gave up mid-body; nobody reads an answer
  }
  const text = JSON.stringify({
    model,
    method: req.method,
    path: `/${rest.join("/")}`,
    bytes,
    sha256: hash.digest("hex"),
  });
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
});
server.keepAliveTimeout = 30_000;
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
