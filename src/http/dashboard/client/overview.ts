/**
 * The overview page: each service's row is filled (and its sparklines
 * drawn) while it is within reach of the viewport, polled in batches of 25,
 * and the filter box hides rows by name.
 *
 * Layer: HTTP edge (dashboard client, in the browser).
 */
import type { ChartSpec, PageData, RowModel } from "../page-data.ts";
import { api } from "./api.ts";
import { drawChart, sweepCharts } from "./charts.ts";
import { markFail, markOk, onRefresh } from "./live.ts";

const OVERVIEW_POLL_MS = 5000;

function drawSparks(tr: HTMLElement | undefined, sparks: ChartSpec[] | undefined): void {
  if (!tr || !sparks) return;
  for (const spec of sparks) {
    drawChart(tr.querySelector<HTMLElement>(`[data-spark="${spec.id}"]`), spec, true);
  }
}

/** Puts the server's cells in a row: same columns, only what changed; else all anew. */
function fillRow(tr: HTMLElement, cellsHtml: string): void {
  const tpl = document.createElement("template");
  tpl.innerHTML = `<table><tbody><tr>${cellsHtml}</tr></tbody></table>`;
  const fresh = Array.from(tpl.content.querySelectorAll("td"));
  const old = Array.from(tr.querySelectorAll("td"));
  const sameShape =
    old.length === fresh.length &&
    fresh.every((td, i) => old[i]?.dataset.col === td.dataset.col && td.dataset.col);
  if (!sameShape) {
    for (const td of old) td.remove();
    for (const td of fresh) tr.appendChild(td);
    sweepCharts();
    return;
  }
  fresh.forEach((td, i) => {
    const was = old[i] as HTMLTableCellElement;
    if (td.querySelector(".spark")) {
      const v = was.querySelector(".spark-value");
      const nv = td.querySelector(".spark-value");
      if (v && nv) v.textContent = nv.textContent;
    } else if (was.innerHTML !== td.innerHTML) {
      was.replaceWith(td);
    }
  });
}

export function initOverview(page: Extract<PageData, { kind: "overview" }>): void {
  const rows = Array.from(document.querySelectorAll<HTMLElement>("tr[data-service]"));
  const byName = new Map(rows.map((r) => [r.dataset.service, r]));
  const fetchedAt = new Map<string, number>();
  const visible = new Set<string>();
  for (const r of page.rows || []) {
    fetchedAt.set(r.service, Date.now());
    drawSparks(byName.get(r.service), r.sparks);
  }
  if (page.rows?.length) markOk();
  let busy = false;
  let timer: number | undefined;
  async function refresh(force: boolean): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      const now = Date.now();
      const due = Array.from(visible).filter(
        (n) => force || now - (fetchedAt.get(n) || 0) > OVERVIEW_POLL_MS - 500,
      );
      for (let i = 0; i < due.length; i += 25) {
        const batch = due.slice(i, i + 25);
        const res = await api<{ rows?: RowModel[] }>(
          `/overview?services=${batch.map(encodeURIComponent).join(",")}`,
        );
        if (!res.ok) {
          markFail();
          break;
        }
        markOk();
        for (const r of res.body.rows || []) {
          const tr = byName.get(r.service);
          if (!tr) continue;
          fetchedAt.set(r.service, Date.now());
          fillRow(tr, r.cells);
          tr.dataset.filled = "1";
          drawSparks(tr, r.sparks);
        }
      }
    } catch {
      markFail();
    } finally {
      busy = false;
    }
  }
  function schedule(): void {
    clearTimeout(timer);
    timer = setTimeout(() => {
      refresh(false);
    }, 80);
  }
  const io = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        const name = (e.target as HTMLElement).dataset.service ?? "";
        if (e.isIntersecting) visible.add(name);
        else visible.delete(name);
      }
      schedule();
    },
    { rootMargin: "300px 0px" },
  );
  for (const r of rows) io.observe(r);
  const filter = document.getElementById("filter") as HTMLInputElement | null;
  if (filter) {
    filter.addEventListener("input", () => {
      const q = filter.value.trim().toLowerCase();
      for (const r of rows) {
        r.classList.toggle(
          "hidden",
          q !== "" && !(r.dataset.service ?? "").toLowerCase().includes(q),
        );
      }
    });
  }
  onRefresh(() => {
    refresh(true);
  });
  setInterval(() => {
    if (!document.hidden) refresh(false);
  }, OVERVIEW_POLL_MS);
}
