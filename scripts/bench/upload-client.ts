/**
 * One large upload over its own connection (node:http, no agent), framed
 * either chunked (no Content-Length: the server cannot know the size up
 * front) or with a declared Content-Length, written in pieces with
 * backpressure. Resolves with the status, the x-model-variant header and
 * the origin's receipt (scripts/bench/upload-sink-server.ts); a dropped
 * connection is a result (status 0 and the error), never a throw.
 *
 * Layer: benchmark support.
 */
import { request } from "node:http";
import type { Receipt } from "./upload-sink.ts";

export type Framing = "chunked" | "content-length";

export interface UploadResult {
  status: number;
  variant: string | null;
  receipt: Receipt | null;
  error: string | null;
  ms: number;
}

const PIECE_BYTES = 64 * 1024;

export function upload(
  url: string,
  body: Buffer,
  framing: Framing,
  headers: Record<string, string>,
): Promise<UploadResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Omit<UploadResult, "ms">) => {
      if (settled) return;
      settled = true;
      resolve({ ...r, ms: performance.now() - started });
    };
    const req = request(url, {
      method: "POST",
      agent: false,
      headers: {
        ...headers,
        ...(framing === "content-length" ? { "content-length": String(body.length) } : {}),
      },
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (e) => done({ status: 0, variant: null, receipt: null, error: e.message }));
      res.on("end", () => {
        let receipt: Receipt | null = null;
        try {
          const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Partial<Receipt>;
          if (typeof parsed.sha256 === "string") receipt = parsed as Receipt;
        } catch {}
        const variant = res.headers["x-model-variant"];
        done({
          status: res.statusCode ?? 0,
          variant: typeof variant === "string" ? variant : null,
          receipt,
          error: null,
        });
      });
    });
    req.on("error", (e) => done({ status: 0, variant: null, receipt: null, error: e.message }));

    let offset = 0;
    const write = () => {
      while (offset < body.length) {
        const piece = body.subarray(offset, offset + PIECE_BYTES);
        offset += piece.length;
        if (!req.write(piece)) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
}
