/**
 * `npm run bench:outcomes`: outcome ingestion measured locally: the router
 * (bundled src/index.ts) in Miniflare with its control objects, in front of
 * local demo origins. It first collects `--receipts` real receipts per
 * service (identified predictions), then sends every receipt's outcome for
 * up to 32 metrics (each counts once: no duplicates) to POST /_router/outcomes
 * in batches of 100 and of 1,000, `--concurrency` calls at a time, and
 * prints outcomes per second one control object takes and the p50/p99 of
 * the ingest call, and what a million outcomes cost (SQLite rows written,
 * Durable Object and Worker requests) at Cloudflare's list prices.
 */

import { demoModels } from "../../test/support/stack/demo-models.ts";
import { startDemoOrigins } from "../../test/support/stack/demo-origins.ts";
import { startLocalRouter } from "../../test/support/stack/local-router.ts";
import { fmt, parseCommand, positiveInt, progress } from "./cli.ts";

const HELP = `Usage: npm run bench:outcomes -- [options]

Starts the router in Miniflare with local demo origins, collects real
assignment receipts, and sends their outcomes to POST /_router/outcomes in
batches of 100 and 1,000: outcomes per second one control object takes,
p50/p99 of the ingest call, and the cost of a million outcomes.

Options:
  --receipts <n>      receipts collected per batch size (default 2000)
  --metrics <n>       metrics per receipt, at most 32 (default 16)
  --concurrency <n>   ingest calls in flight (default 4)
  -h, --help          show this help
`;

const values = parseCommand(HELP, {
  receipts: { type: "string", default: "2000" },
  metrics: { type: "string", default: "16" },
  concurrency: { type: "string", default: "4" },
});
const receipts = positiveInt(HELP, "receipts", values.receipts);
const metrics = Math.min(32, positiveInt(HELP, "metrics", values.metrics));
const concurrency = positiveInt(HELP, "concurrency", values.concurrency);
const TOKEN = "bench-outcomes-token";

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
};

progress("starting the demo origins and the router (Miniflare)...");
const origins = await startDemoOrigins(demoModels, { port: 0 });
const router = await startLocalRouter({
  bindings: { OUTCOMES_TOKEN: TOKEN, RECEIPT_SECRET: "bench-receipt-secret" },
  quiet: true,
});

async function collect(service: string): Promise<string[]> {
  await router.kv.put(
    `service:${service}`,
    JSON.stringify({
      service,
      version: 1,
      updatedAt: new Date().toISOString(),
      updatedBy: "bench",
      origins: {
        blue: { url: origins.url("fraud-blue") },
        "challenger-a": { url: origins.url("fraud-challenger-a") },
      },
      live: "blue",
      challengerSalt: `${service}-salt`,
      challengers: [{ origin: "challenger-a", startBp: 0, shareBp: 2000 }],
    }),
  );
  const out: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < receipts) {
      const i = next++;
      const res = await fetch(`${router.url}/${service}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user-id": `${service}-u${i}` },
        body: JSON.stringify({ id: `tx-${i}`, features: { amount: i } }),
      });
      await res.arrayBuffer();
      const receipt = res.headers.get("x-router-assignment");
      if (!receipt) throw new Error("no receipt: is RECEIPT_SECRET set?");
      out.push(receipt);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return out;
}

interface Row {
  batch: number;
  outcomes: number;
  calls: number;
  seconds: number;
  p50: number;
  p99: number;
}

async function ingest(service: string, batchSize: number): Promise<Row> {
  const collected = await collect(service);
  const all = collected.flatMap((receipt, i) =>
    Array.from({ length: metrics }, (_, m) => ({
      receipt,
      metric: `m${m}`,
      value: (i + m) % 3 === 0,
    })),
  );
  const batches: (typeof all)[] = [];
  for (let k = 0; k < all.length; k += batchSize) batches.push(all.slice(k, k + batchSize));
  const latencies: number[] = [];
  let accepted = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++] as typeof all;
      const t0 = performance.now();
      const res = await fetch(`${router.url}/_router/outcomes`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ outcomes: batch }),
      });
      const body = (await res.json()) as { accepted?: number };
      latencies.push(performance.now() - t0);
      accepted += body.accepted ?? 0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (accepted !== all.length) throw new Error(`${accepted} of ${all.length} accepted`);
  return {
    batch: batchSize,
    outcomes: all.length,
    calls: batches.length,
    seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

const rows: Row[] = [];
for (const size of [100, 1000]) {
  progress(
    `batches of ${size}: collecting ${fmt(receipts)} receipts, then ${fmt(receipts * metrics)} outcomes...`,
  );
  rows.push(await ingest(`bench-outcomes-${size}`, size));
}
await router.dispose();
await origins.close();

console.log(
  `\nOutcome ingestion, Miniflare/workerd on this machine: ${fmt(receipts)} receipts x ${metrics} metrics per batch size, ${concurrency} calls in flight, one control object per run.\n`,
);
console.log("| batch | outcomes | calls | outcomes/s | p50 ms | p99 ms |");
console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  console.log(
    `| ${fmt(r.batch)} | ${fmt(r.outcomes)} | ${fmt(r.calls)} | ${fmt(r.outcomes / r.seconds)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} |`,
  );
}
// Cost of a million outcomes in batches of 1,000 (list prices, beyond the included amounts):
// one Worker request and one Durable Object RPC per batch; SQLite rows: one dedup row per
// outcome and at most one sums row per (arm, metric, user bucket) a batch touches.
const perMillion = 1_000_000;
const callsPerMillion = perMillion / 1000;
const sumsRowsPerBatch = Math.min(1000, 2 * metrics * 64);
const rowsWritten = perMillion + callsPerMillion * sumsRowsPerBatch;
const cost =
  (callsPerMillion * 0.3) / 1e6 + (callsPerMillion * 0.15) / 1e6 + (rowsWritten * 1.0) / 1e6;
console.log(
  `\nA million outcomes in batches of 1,000: ${fmt(callsPerMillion)} Worker requests ($0.30/M), ${fmt(callsPerMillion)} Durable Object requests ($0.15/M), at most ${fmt(rowsWritten)} SQLite rows written ($1.00/M): about $${cost.toFixed(2)}; the dedup rows (~70 bytes each) are kept for the receipt window.`,
);
console.log(
  `\nReproduce: npm run bench:outcomes -- --receipts ${receipts} --metrics ${metrics} --concurrency ${concurrency}`,
);
