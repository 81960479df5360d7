/**
 * The service page's challenger leaderboard (GET .../challengers): each
 * challenger's verdict against the champion, and per metric both means,
 * the difference with its anytime-valid interval, the verdict and what it
 * still needs. The words are the CLI's (src/core/outcomes/standing-words.ts).
 *
 * Layer: HTTP edge (dashboard view).
 */
import type { ChallengerBoard } from "../../../app/outcomes/challenger-board.ts";
import { intervalWords, meanWords, needsWords } from "../../../core/outcomes/standing-words.ts";
import type { AdminAnswer } from "../admin-calls.ts";
import { count, share } from "./format.ts";
import { type Html, html, join } from "./html.ts";

const TONE = { better: "good", worse: "bad", undecided: "info" } as const;

export function challengersSection(answer: AdminAnswer<ChallengerBoard>): Html {
  if (!answer.ok) return html`<p class="problem">${answer.message}</p>`;
  const b = answer.body;
  if (b.challengers.length === 0)
    return html`<p class="muted">No challengers. Add one with <code>router challenger add ${b.service} &lt;origin&gt; --share 5%</code>.</p>`;
  const boards = b.challengers.map(
    (c) => html`<div class="leader" data-challenger="${c.challenger}" data-verdict="${c.verdict}">
<h3>${c.challenger} <span class="muted small">${share(c.shareBp)} of users</span> <span class="badge ${TONE[c.verdict]}">${c.verdict}</span></h3>
<div class="scroll"><table class="data">
<thead><tr><th>metric</th><th class="num">${b.champion} (champion)</th><th class="num">${c.challenger}</th><th>difference (interval)</th><th>verdict</th><th>needs</th></tr></thead>
<tbody>${join(
      c.metrics.map(
        (m) => html`<tr data-metric="${m.metric}" data-verdict="${m.verdict}">
  <td>${m.metric} <span class="muted small">${m.better} is better</span></td>
  <td class="num">${meanWords(m.unit, m.champion.mean)} <span class="muted small">of ${count(m.champion.n)}</span></td>
  <td class="num">${meanWords(m.unit, m.challenger.mean)} <span class="muted small">of ${count(m.challenger.n)}</span></td>
  <td>${intervalWords(m)}</td>
  <td><span class="badge ${TONE[m.verdict]}">${m.verdict}</span></td>
  <td class="small">${needsWords(m)}</td>
</tr>`,
      ),
    )}</tbody></table></div></div>`,
  );
  return html`${join(boards)}
<p class="muted small">Against the champion ${b.champion} on revision ${b.revision}: each interval holds at any look; an identical challenger is called better or worse on any metric with probability at most ${b.alpha * 100}%. Outcomes come from <code>POST /_router/outcomes</code> with the answers' receipts.</p>`;
}
