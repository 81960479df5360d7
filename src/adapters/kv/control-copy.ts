/**
 * KV's copy of a service as its control object sees it: the texts it
 * imports and adopts, the document key it polls for raw puts, and its
 * mirror of an accepted document and of the shadow data (read by `npm run
 * shadow:report` and `wrangler kv key get`). Counts its KV reads and
 * writes for the object's status and the benchmark. Implements the KvCopy
 * port (src/ports/kv-copy.ts) structurally.
 *
 * Layer: adapter. The binding is looked up at each call: the object's
 * `env` holds it.
 */
import { shadowLogKey, shadowSummaryKey } from "../../document/kv-keys.ts";
import type { MirrorTexts } from "../../ports/kv-copy.ts";
import { mirrorServiceTexts, readDocumentText, readServiceTexts } from "./service-store.ts";

interface Summary {
  shadow: string;
}

export class KvControlCopy {
  readonly #kv: () => KVNamespace;
  readonly #ops = { reads: 0, writes: 0 };

  constructor(kv: () => KVNamespace) {
    this.#kv = kv;
  }

  texts(service: string) {
    this.#ops.reads += 3;
    return readServiceTexts(this.#kv(), service);
  }

  document(service: string): Promise<string | null> {
    this.#ops.reads += 1;
    return readDocumentText(this.#kv(), service);
  }

  mirror(service: string, texts: MirrorTexts): Promise<void> {
    this.#ops.writes += texts.documentInKv ? 2 : 3;
    return mirrorServiceTexts(this.#kv(), service, texts);
  }

  /** One key per summary (`shadow-summary:<service>:<shadow>:control`, 7 days), one log batch (1 day). */
  async mirrorShadow(
    service: string,
    summaries: Summary[],
    records: unknown[],
    now: number,
  ): Promise<void> {
    const kv = this.#kv();
    this.#ops.writes += summaries.length + (records.length > 0 ? 1 : 0);
    await Promise.all(
      summaries.map((s) =>
        kv.put(shadowSummaryKey(service, s.shadow, "control"), JSON.stringify(s), {
          expirationTtl: 7 * 86_400,
        }),
      ),
    );
    if (records.length > 0) {
      await kv.put(shadowLogKey(service, now, "control"), JSON.stringify(records), {
        expirationTtl: 86_400,
      });
    }
  }

  ops(): { reads: number; writes: number } {
    return { ...this.#ops };
  }
}
