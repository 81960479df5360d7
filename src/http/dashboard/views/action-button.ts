/**
 * An action's button: everything its confirmation needs rides on data
 * attributes (what it does in words, the admin API edit and its arguments,
 * the version it was offered for), so the client script has no logic of
 * its own about what an action means.
 *
 * Layer: HTTP edge (dashboard views).
 */
import type { Action } from "../actions.ts";
import { type Html, html, join } from "./html.ts";

export function actionButton(a: Action, version: number | null): Html {
  return html`<button type="button" class="action${a.danger ? " danger" : ""}"
  data-action="${a.name}" data-args="${JSON.stringify(a.args)}"
  data-title="${a.title}" data-effect="${a.effect}" data-confirm="${a.confirm}"
  ${a.note ? html`data-note="${a.note}"` : ""}
  ${version !== null ? html`data-version="${version}"` : ""}
  ${a.asksShare ? html`data-share-bp="${a.asksShare.currentBp}"` : ""}>${a.label}</button>`;
}

export function actionBar(actions: readonly Action[], version: number | null): Html {
  if (actions.length === 0) return html``;
  return html`<div class="actions">${join(actions.map((a) => actionButton(a, version)))}</div>`;
}
