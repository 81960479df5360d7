/**
 * `router challenger status <service>`: the champion-challenger
 * leaderboard (GET /_router/admin/services/<s>/challengers): for each
 * challenger and metric, champion and challenger, the difference with its
 * anytime-valid interval, the verdict and what is still needed.
 *
 * Layer: CLI (router only: the sums live in the service's control object).
 */
import { adminCall, servicePath } from "../api.ts";
import { output, parse, positional } from "../cli.ts";
import type { Command } from "../command.ts";
import { apiTarget, ROUTER_HELP, ROUTER_OPTIONS } from "../target.ts";

interface Standing {
  metric: string;
  better: "higher" | "lower";
  unit: "rate" | "log-ms" | "number";
  champion: { n: number; mean: number | null };
  challenger: { n: number; mean: number | null };
  effect: number | null;
  lo: number | null;
  hi: number | null;
  verdict: "better" | "worse" | "undecided";
  moreNeeded: number | null;
  minutes: number | null;
}

export interface Board {
  service: string;
  champion: string;
  revision: string;
  alpha: number;
  challengers: { challenger: string; shareBp: number; verdict: string; metrics: Standing[] }[];
}

const sig = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
const signed = (text: string, x: number) => (x >= 0 ? `+${text}` : text);

function value(unit: Standing["unit"], mean: number | null): string {
  if (mean === null) return "–";
  if (unit === "rate") return `${(mean * 100).toFixed(1)}%`;
  if (unit === "log-ms") return `${sig(Math.exp(mean / 100))} ms`;
  return sig(mean);
}

function difference(unit: Standing["unit"], x: number): string {
  if (unit === "rate") return signed(`${(x * 100).toFixed(1)} pp`, x);
  if (unit === "log-ms") return `x${Math.exp(x / 100).toFixed(2)}`;
  return signed(sig(x), x);
}

function needs(s: Standing): string {
  if (s.verdict !== "undecided") return "decided";
  if (s.moreNeeded === null) return s.effect === null ? "no data yet" : "cannot tell (at 0)";
  const more = `about ${s.moreNeeded.toLocaleString("en-US")} more`;
  return s.minutes === null ? more : `${more} (~${Math.ceil(s.minutes)} min)`;
}

export function formatBoard(b: Board): string {
  const lines = [
    `Challengers of "${b.service}" against the champion ${b.champion} (revision ${b.revision})`,
    `Each interval holds at any look; an identical challenger is called better or worse on any metric with probability <= ${b.alpha * 100}%.`,
  ];
  if (b.challengers.length === 0) lines.push("", "no challengers: add one with `challenger add`");
  for (const c of b.challengers) {
    lines.push("", `${c.challenger} (${c.shareBp / 100}% of users): ${c.verdict.toUpperCase()}`);
    const rows = [
      ["metric", "champion", "challenger", "difference (interval)", "verdict", "needs"],
    ];
    for (const m of c.metrics) {
      const diff =
        m.effect === null || m.lo === null || m.hi === null
          ? "–"
          : `${difference(m.unit, m.effect)} (${difference(m.unit, m.lo)} to ${difference(m.unit, m.hi)})`;
      rows.push([
        `${m.metric} (${m.better} is better)`,
        `${value(m.unit, m.champion.mean)} of ${m.champion.n.toLocaleString("en-US")}`,
        `${value(m.unit, m.challenger.mean)} of ${m.challenger.n.toLocaleString("en-US")}`,
        diff,
        m.verdict,
        needs(m),
      ]);
    }
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
    for (const r of rows)
      lines.push(`  ${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd());
  }
  return lines.join("\n");
}

export const challengerStatus: Command = {
  name: "status",
  summary: "the leaderboard: each challenger against the champion, per metric, with its verdict",
  help: `Usage: npm run router -- challenger status <service> [options]

Asks the running router for every challenger against the champion (live)
on the current revision: its error rate and latency (identified requests)
and each outcome metric sent back to POST /_router/outcomes with the
answers' receipts. Each row: both means, the difference with an interval
that holds at any look, the verdict (better / worse / undecided), and how
many more of the challenger's observations (and minutes at its traffic)
it needs if the estimate stays where it is.

No --direct: the sums live in the service's control object.

${ROUTER_HELP}

Example:
  npm run router -- challenger status fraud`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, ROUTER_OPTIONS);
    const service = positional(positionals, 0, "service");
    const board = await adminCall<Board>(
      apiTarget(values, false),
      "GET",
      servicePath(service, "/challengers"),
    );
    output(values.json === true, board, formatBoard(board));
  },
};
