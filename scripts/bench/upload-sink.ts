/**
 * The memory benchmark's origin (scripts/bench/upload-sink-server.ts), a
 * child process started like every benchmark origin (origin.ts), and what
 * it answers.
 *
 * Layer: benchmark support.
 */
import { type OriginProcess, startServerProcess } from "./origin.ts";

export type UploadSink = OriginProcess;

/** What the sink answers for each request: the body as it arrived. */
export interface Receipt {
  model: string;
  method: string;
  path: string;
  bytes: number;
  sha256: string;
}

/** The memory benchmark's sink (scripts/bench/upload-sink-server.ts). */
export const startUploadSink = (): Promise<UploadSink> =>
  startServerProcess("./upload-sink-server.ts", "upload sink");
