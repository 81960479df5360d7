/**
 * The actions' confirmations: a button with data-action opens one dialog
 * that says what the action does, runs a dry run of an edit first (the diff
 * it would write, again as the share is typed), and writes only on Confirm,
 * with the version the page showed. Text goes in through textContent only.
 *
 * Layer: HTTP edge (dashboard client, in the browser).
 */
import type { DiffLine } from "../../../document/edits/diff.ts";
import { api, toast } from "./api.ts";
import { refreshNow } from "./live.ts";

/** What an action's route answers (src/http/dashboard/routes.ts). */
interface ActionAnswer {
  version?: number;
  change?: string | null;
  diff?: DiffLine[];
  message?: string | null;
}

interface Dialog {
  d: HTMLDialogElement;
  title: HTMLElement;
  effect: HTMLElement;
  note: HTMLElement;
  shareBox: HTMLElement;
  share: HTMLInputElement;
  preview: HTMLElement;
  problem: HTMLElement;
  confirm: HTMLButtonElement;
}

let dialog: Dialog | null = null;
let previewSeq = 0;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function ensureDialog(): Dialog {
  if (dialog) return dialog;
  const d = el("dialog");
  d.id = "confirm";
  const form = el("form");
  form.method = "dialog";
  const title = el("h2");
  const effect = el("p", "effect");
  const note = el("p", "note");
  const shareBox = el("div", "share-input");
  const shareLabel = el("label", "", "New share ");
  const share = el("input");
  share.type = "number";
  share.min = "0";
  share.max = "100";
  share.step = "0.01";
  share.name = "share";
  shareLabel.appendChild(share);
  shareBox.appendChild(shareLabel);
  shareBox.appendChild(el("span", "muted", "% of users"));
  const preview = el("div", "preview-box");
  const problem = el("p", "problem");
  problem.setAttribute("role", "alert");
  const buttons = el("div", "buttons");
  const cancel = el("button", "secondary", "Cancel");
  cancel.type = "button";
  cancel.value = "cancel";
  const confirm = el("button", "primary", "Confirm");
  confirm.type = "button";
  confirm.value = "confirm";
  buttons.appendChild(cancel);
  buttons.appendChild(confirm);
  for (const x of [title, effect, note, shareBox, preview, problem, buttons]) form.appendChild(x);
  d.appendChild(form);
  document.body.appendChild(d);
  cancel.addEventListener("click", () => {
    d.close();
  });
  dialog = { d, title, effect, note, shareBox, share, preview, problem, confirm };
  return dialog;
}

function diffList(lines: DiffLine[] | undefined): HTMLUListElement {
  const ul = el("ul", "diff");
  for (const l of lines || []) {
    const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
    const text =
      l.kind === "added"
        ? `+ ${l.path}: ${show(l.after)}`
        : l.kind === "removed"
          ? `- ${l.path}: ${show(l.before)}`
          : `~ ${l.path}: ${show(l.before)} \u2192 ${show(l.after)}`;
    const li = el("li", l.kind);
    li.appendChild(el("code", "", text));
    ul.appendChild(li);
  }
  return ul;
}

function openAction(button: HTMLElement, service: string): void {
  const g = ensureDialog();
  const action = button.dataset.action ?? "";
  const baseArgs = JSON.parse(button.dataset.args || "{}");
  const version = button.dataset.version ? Number(button.dataset.version) : undefined;
  const isEdit = !action.startsWith("rollout.");
  const path = `/services/${encodeURIComponent(service)}/actions/${action}`;
  const asksShare = button.dataset.shareBp !== undefined;
  g.title.textContent = button.dataset.title ?? null;
  g.effect.textContent = button.dataset.effect ?? null;
  g.note.textContent = button.dataset.note || "";
  g.note.hidden = !button.dataset.note;
  g.confirm.textContent = button.dataset.confirm ?? null;
  g.confirm.className = `primary${button.classList.contains("danger") ? " danger" : ""}`;
  g.confirm.disabled = false;
  g.problem.textContent = "";
  g.problem.hidden = true;
  g.shareBox.hidden = !asksShare;
  g.preview.hidden = true;
  g.preview.textContent = "";
  if (asksShare) g.share.value = String(Number(button.dataset.shareBp) / 100);
  function args(): unknown {
    if (!asksShare) return baseArgs;
    return Object.assign({}, baseArgs, { shareBp: Math.round(Number(g.share.value) * 100) });
  }
  async function preview(): Promise<void> {
    if (!isEdit) return;
    const seq = ++previewSeq;
    g.preview.hidden = false;
    g.preview.textContent = "Checking what this writes\u2026";
    g.confirm.disabled = true;
    const res = await api<ActionAnswer>(path, {
      method: "POST",
      body: { args: args(), expectedVersion: version, dryRun: true },
    });
    if (seq !== previewSeq) return;
    g.preview.textContent = "";
    if (res.ok) {
      g.preview.appendChild(el("p", "", `Writes version ${res.body.version}: ${res.body.change}`));
      g.preview.appendChild(diffList(res.body.diff));
      g.confirm.disabled = false;
    } else {
      g.preview.appendChild(el("p", "problem", res.body.message || `refused (${res.status})`));
    }
  }
  let typing: number | undefined;
  g.share.oninput = () => {
    clearTimeout(typing);
    typing = setTimeout(preview, 250);
  };
  g.confirm.onclick = async () => {
    g.confirm.disabled = true;
    g.problem.hidden = true;
    try {
      const res = await api<ActionAnswer>(path, {
        method: "POST",
        body: { args: args(), expectedVersion: version },
      });
      if (res.ok) {
        g.d.close();
        toast(res.body.message || "done");
        refreshNow();
      } else {
        g.problem.textContent = res.body.message || `refused (${res.status})`;
        g.problem.hidden = false;
        if (res.status !== 409 && res.status !== 412) g.confirm.disabled = false;
      }
    } catch {
      g.problem.textContent = "The router did not answer; check the service before trying again.";
      g.problem.hidden = false;
      g.confirm.disabled = false;
    }
  };
  g.d.showModal();
  preview().catch(() => {
    g.preview.textContent = "Could not check what this writes.";
  });
}

/** A click on any button with data-action (now or later on the page) opens its dialog. */
export function initActions(service: string): void {
  document.addEventListener("click", (ev) => {
    const target = ev.target;
    const button = target instanceof Element ? target.closest("button[data-action]") : null;
    if (!(button instanceof HTMLElement)) return;
    ev.preventDefault();
    openAction(button, service);
  });
}
