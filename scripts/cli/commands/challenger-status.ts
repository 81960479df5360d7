/**
 * `router challenger status <service>`: the champion-challenger
 * leaderboard (GET /_router/admin/services/<s>/challengers): for each
 * challenger and metric, champion and challenger, the difference with its
 * anytime-valid interval, the verdict and what is still needed.
 *
 * Layer: CLI (router only: the sums live in the service's control object).
 */
import type { ChallengerBoard } from "../../../src/app/outcomes/challenger-board.ts";
import { intervalWords, meanWords, needsWords } from "../../../src/core/outcomes/standing-words.ts";
import { adminCall, servicePath } from "../api.ts";
import { output, parse, positional, type Values } from "../cli.ts";
import type { Command } from "../command.ts";
import { apiTarget, ROUTER_HELP, ROUTER_OPTIONS } from "../target.ts";

export type Board = ChallengerBoard;

/**
 * The evidence on one challenger, for `challenger promote` to print before
 * it writes (null: the board cannot be read, e.g. with --direct).
 */
export async function evidenceFor(values: Values, service: string, origin: string) {
  if (values.direct !== undefined) return null;
  try {
    const board = await adminCall<Board>(
      apiTarget(values, false),
      "GET",
      servicePath(service, "/challengers"),
    );
    const mine = board.challengers.filter((c) => c.challenger === origin);
    if (mine.length === 0) return null;
    const text = formatBoard({ ...board, challengers: mine });
    const verdict = mine[0]?.verdict;
    const warning =
      verdict === "better"
        ? null
        : `${origin} is ${verdict === "worse" ? "shown WORSE than" : "not shown better than"} the champion ${board.champion} on the evidence above.`;
    return { text, warning };
  } catch {
    return null;
  }
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
      rows.push([
        `${m.metric} (${m.better} is better)`,
        `${meanWords(m.unit, m.champion.mean)} of ${m.champion.n.toLocaleString("en-US")}`,
        `${meanWords(m.unit, m.challenger.mean)} of ${m.challenger.n.toLocaleString("en-US")}`,
        intervalWords(m),
        m.verdict,
        needsWords(m),
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
  help: `Usage: router challenger status <service> [options]

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
  router challenger status fraud`,
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
