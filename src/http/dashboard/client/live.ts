/**
 * How fresh the page is: "live · updated 3 s ago" while polls answer,
 * "connection lost, retrying" while they fail; and the page's way to
 * refresh at once (after an action), set by whichever page is open.
 *
 * Layer: HTTP edge (dashboard client, in the browser).
 */

const liveEl = document.getElementById("live-state");
let lastOk = 0;
let failing = false;
let refresher: () => void = () => {};

export function renderLive(): void {
  if (!liveEl || !lastOk) return;
  liveEl.hidden = false;
  if (failing) {
    liveEl.textContent = "connection lost, retrying";
    liveEl.classList.add("stale");
    return;
  }
  const s = Math.round((Date.now() - lastOk) / 1000);
  liveEl.textContent = `live \u00b7 updated ${s < 2 ? "just now" : `${s} s ago`}`;
  liveEl.classList.remove("stale");
}

export function markOk(): void {
  lastOk = Date.now();
  failing = false;
  renderLive();
}

export function markFail(): void {
  failing = true;
  renderLive();
}

/** What refreshNow does on this page. */
export function onRefresh(refresh: () => void): void {
  refresher = refresh;
}

export function refreshNow(): void {
  refresher();
}
