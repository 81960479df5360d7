/**
 * The history section of a service page: every version, newest first, with
 * who wrote it, when, through what (CLI, admin API or dashboard, the
 * rollout analyzer, a raw KV put), what it changed as a diff, and "Roll back
 * to this version" where the version can be restored.
 *
 * Layer: HTTP edge (dashboard views). The diff of an entry is between the
 * document it replaced and the one it wrote (the next entry's replaced
 * document, or the current document for the write that made it).
 */
import { type DiffLine, diffDocuments } from "../../../document/edits/diff.ts";
import { rollbackAction } from "../actions.ts";
import type { AdminAnswer } from "../admin-calls.ts";
import type { GateWire, HistoryView } from "../wire.ts";
import { actionButton } from "./action-button.ts";
import { ago, utc } from "./format.ts";
import { gateList } from "./gates.ts";
import { type Html, html, join } from "./html.ts";

const SOURCE: Record<string, string> = {
  cli: "CLI",
  admin: "admin API",
  rollout: "rollout analyzer",
  kv: "raw KV put",
  policy: "challenger policy",
  earlier: "before the history",
};

export interface HistoryItem {
  version: number;
  updatedAt: string;
  updatedBy: string;
  change: string;
  source: string;
  forced: boolean;
  current: boolean;
  restorable: boolean;
  diff: DiffLine[] | null;
  evidence: Record<string, unknown> | null;
  /** Not a write of the history: the document its oldest write replaced. */
  earlier: boolean;
}

/** The entries with their diffs (documents left out: the page never needs them). */
export function historyItems(view: HistoryView, current: unknown): HistoryItem[] {
  const items: HistoryItem[] = view.entries.map((e, i) => {
    const after = i === view.currentIndex ? current : i > 0 ? view.entries[i - 1]?.document : null;
    return {
      version: e.version,
      updatedAt: e.updatedAt,
      updatedBy: e.updatedBy,
      change: e.change,
      source: e.source,
      forced: e.forced === true,
      current: i === view.currentIndex,
      restorable: view.restorable.includes(e.version) && i !== view.currentIndex,
      diff: after ? diffDocuments(e.document ?? {}, after) : null,
      evidence: e.evidence ?? null,
      earlier: false,
    };
  });
  // The document the oldest recorded write replaced (a seeded or raw-put
  // version the history has no entry for) can be restored too.
  const first = view.entries.at(-1)?.document as Record<string, unknown> | undefined;
  const version = typeof first?.version === "number" ? first.version : null;
  if (first && version !== null && !items.some((i) => i.version === version)) {
    items.push({
      version,
      updatedAt: typeof first.updatedAt === "string" ? first.updatedAt : "",
      updatedBy: typeof first.updatedBy === "string" ? first.updatedBy : "?",
      change: "written before the recorded history",
      source: "earlier",
      forced: false,
      current: false,
      restorable: view.restorable.includes(version),
      diff: null,
      evidence: null,
      earlier: true,
    });
  }
  return items;
}

const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

function diffList(lines: DiffLine[] | null): Html {
  if (lines === null)
    return html`<p class="muted small">No diff: the document this write made is not in the history.</p>`;
  if (lines.length === 0) return html`<p class="muted small">No routing change (stamps only).</p>`;
  return html`<ul class="diff">${join(
    lines.map((l) =>
      l.kind === "added"
        ? html`<li class="added"><code>+ ${l.path}: ${show(l.after)}</code></li>`
        : l.kind === "removed"
          ? html`<li class="removed"><code>- ${l.path}: ${show(l.before)}</code></li>`
          : html`<li class="changed"><code>~ ${l.path}: ${show(l.before)} &rarr; ${show(l.after)}</code></li>`,
    ),
  )}</ul>`;
}

function evidenceOf(e: Record<string, unknown> | null): Html {
  if (!e) return html``;
  const gates = Array.isArray(e.gates) ? (e.gates as GateWire[]) : null;
  return gates ? gateList(gates) : html`<pre class="small">${JSON.stringify(e, null, 2)}</pre>`;
}

export function historySection(
  answer: AdminAnswer<HistoryView>,
  current: unknown,
  now: number,
): Html {
  if (!answer.ok) {
    return html`<p class="problem">The history could not be read: ${answer.message}</p>`;
  }
  const view = answer.body;
  const items = historyItems(view, current);
  if (items.length === 0) {
    return html`<p class="empty">No writes recorded yet. Every write made through the CLI, the admin API or this dashboard lands here with its author.</p>`;
  }
  return html`<ol class="history">${join(
    items.map((item) => {
      const at = Date.parse(item.updatedAt);
      return html`<li class="history-entry${item.current ? " current" : ""}" data-version="${item.version}">
  <details data-key="v${item.version}-${item.updatedAt}">
    <summary>
      <span class="version">v${item.version}</span>
      <span class="change">${item.change}</span>
      <span class="who">${item.updatedBy}</span>
      <span class="source badge info">${SOURCE[item.source] ?? item.source}</span>
      ${item.forced ? html`<span class="badge warn">forced</span>` : ""}
      ${item.current ? html`<span class="badge good">current</span>` : ""}
      <span class="when" title="${utc(at)}">${ago(at, now)}</span>
    </summary>
    ${item.earlier ? html`<p class="muted small">The version the oldest recorded write replaced.</p>` : diffList(item.diff)}
    ${evidenceOf(item.evidence)}
    ${
      item.restorable
        ? actionButton(
            rollbackAction(view.service, item.version, view.currentVersion, view.nextVersion),
            view.currentVersion,
          )
        : ""
    }
  </details>
</li>`;
    }),
  )}</ol>${view.dropped > 0 ? html`<p class="muted small">${view.dropped} unreadable entries left out.</p>` : ""}`;
}
