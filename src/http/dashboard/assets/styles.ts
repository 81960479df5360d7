/**
 * The dashboard's stylesheet (served as /_router/dashboard/assets/dashboard.css).
 * System fonts, one accent per arm role, readable down to a phone's width:
 * wide tables scroll sideways inside their card, charts take the full width.
 *
 * Layer: HTTP edge (dashboard assets).
 */
export const DASHBOARD_CSS = `
:root {
  --bg: #f6f7f9; --card: #fff; --ink: #111827; --muted: #6b7280; --line: #e5e7eb;
  --accent: #2563eb; --good: #15803d; --good-bg: #dcfce7; --bad: #b91c1c; --bad-bg: #fee2e2;
  --warn: #a16207; --warn-bg: #fef9c3; --info: #1d4ed8; --info-bg: #dbeafe;
  --live: #2563eb; --canary: #ea580c; --challenger: #7c3aed; --other: #64748b;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
/* hidden wins over any display rule (.share-input is a flex box) */
[hidden] { display: none !important; }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code.cmd { background: #f1f5f9; border: 1px solid var(--line); border-radius: 4px; padding: 1px 5px; user-select: all; word-break: break-all; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 16px; margin: 0 0 12px; }
h3 { font-size: 14px; margin: 16px 0 8px; }
.muted { color: var(--muted); }
.small { font-size: 12.5px; }
.problem { color: var(--bad); }
.topbar { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; padding: 10px 20px; background: #0f172a; color: #e2e8f0; }
.topbar a { color: #e2e8f0; }
.brand { display: inline-flex; align-items: center; gap: 8px; font-weight: 600; }
.crumbs { color: #94a3b8; }
.crumbs a { color: #cbd5e1; }
.spacer { flex: 1; }
.user { color: #cbd5e1; }
.live-state { font-size: 12.5px; color: #86efac; }
.live-state.stale { color: #fca5a5; }
.sign-out { margin: 0; }
button.link { background: none; border: 0; color: #cbd5e1; cursor: pointer; font: inherit; padding: 0; }
button.link:hover { text-decoration: underline; }
main { max-width: 1280px; margin: 0 auto; padding: 20px; }
.page-head { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; margin-bottom: 16px; }
.page-head h1 { flex: 1; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-bottom: 16px; }
.card.flush { padding: 0; }
.card.narrow { max-width: 480px; margin: 48px auto; }
.empty { color: var(--muted); }
.empty strong { color: var(--ink); }
.scroll { overflow-x: auto; }
table.data { border-collapse: collapse; width: 100%; }
table.data th, table.data td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
table.data thead th { font-weight: 600; color: var(--muted); font-size: 12.5px; white-space: nowrap; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data td.detail { color: var(--muted); font-size: 12.5px; min-width: 240px; }
table.overview td.spark-cell, table.overview td[data-col="live"], table.arms td:not(.detail), table.records td { white-space: nowrap; }
table.overview td[data-col="change"], table.overview td[data-col="rollout"] { min-width: 130px; }
table.overview th[scope=row] { white-space: nowrap; }
table.overview tr.hidden { display: none; }
.spark-cell { white-space: nowrap; }
.spark { display: inline-block; width: 120px; height: 32px; vertical-align: middle; }
.spark-value { display: inline-block; min-width: 70px; text-align: right; font-variant-numeric: tabular-nums; margin-left: 6px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 999px; font-size: 12px; font-weight: 600; line-height: 20px; white-space: nowrap; }
.badge.good { background: var(--good-bg); color: var(--good); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.info { background: var(--info-bg); color: var(--info); }
.role { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; color: #fff; }
.role.live { background: var(--live); } .role.canary { background: var(--canary); }
.role.challenger { background: var(--challenger); } .role.other { background: var(--other); }
.kpis { display: flex; flex-wrap: wrap; gap: 24px; }
.kpi { display: flex; flex-direction: column; min-width: 110px; }
.kpi-value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.kpi-label { color: var(--muted); font-size: 12.5px; }
.grid.two { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
.grid.two > *, .charts > * { min-width: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(340px, 100%), 1fr)); gap: 16px; }
.chart { position: relative; min-height: 240px; }
.chart.small { min-height: 180px; }
.chart .chart-title { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
.chart .chart-empty { position: absolute; inset: 40px 0 40px 0; display: flex; align-items: center; justify-content: center; text-align: center; color: var(--muted); font-size: 12.5px; pointer-events: none; padding: 0 24px; }
.uplot .u-legend { font-size: 12px; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; }
button { font: inherit; }
button.action, button.primary, button.secondary { border: 1px solid var(--line); background: #fff; border-radius: 6px; padding: 6px 12px; cursor: pointer; }
button.action:hover, button.secondary:hover { border-color: #9ca3af; }
button.action.danger { border-color: #fca5a5; color: var(--bad); }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary.danger { background: var(--bad); border-color: var(--bad); }
button:disabled { opacity: .55; cursor: progress; }
.steps { display: flex; flex-wrap: wrap; gap: 0; list-style: none; padding: 0; margin: 12px 0; }
.step { display: flex; flex-direction: column; padding: 8px 14px; border: 1px solid var(--line); margin-right: -1px; min-width: 110px; background: #fff; }
.step:first-child { border-radius: 6px 0 0 6px; } .step:last-child { border-radius: 0 6px 6px 0; }
.step.done { background: var(--good-bg); }
.step.current { background: var(--info-bg); border-color: var(--info); position: relative; z-index: 1; }
.step.failed { background: var(--bad-bg); border-color: var(--bad); position: relative; z-index: 1; }
.step.skipped { color: var(--muted); text-decoration: line-through; }
.evidence-more, .gate-summary { grid-column: 3; font-size: 12px; }
.evidence-more > summary, .gate-summary > summary { cursor: pointer; color: var(--muted); }
.step-share { font-weight: 600; font-size: 16px; }
.step-note { color: var(--muted); font-size: 12px; }
.step-budget { display: block; color: var(--muted); font-size: 11px; }
.step-budget.warn { color: var(--warn, #b45309); }
.rollout-state { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.preview { border-left: 3px solid var(--info); padding-left: 12px; }
.timeline { list-style: none; padding: 0; margin: 0; }
.evaluation { border-top: 1px solid var(--line); padding: 8px 0; }
.evaluation p { margin: 2px 0; }
.evaluation .reason { color: var(--ink); }
.gates { list-style: none; padding: 0; margin: 6px 0; }
.gate { display: grid; grid-template-columns: auto auto 1fr; gap: 2px 10px; align-items: baseline; padding: 4px 0; }
.gate-name { font-weight: 600; font-family: ui-monospace, monospace; font-size: 12.5px; }
.gate-detail { color: var(--ink); }
.evidence { grid-column: 3; display: flex; flex-wrap: wrap; gap: 4px 12px; margin: 0; font-size: 12px; color: var(--muted); }
.evidence div { display: flex; gap: 4px; }
.evidence dt { margin: 0; } .evidence dt::after { content: ":"; }
.evidence dd { margin: 0; color: var(--ink); font-variant-numeric: tabular-nums; }
.history { list-style: none; padding: 0; margin: 0; }
.history-entry { border-top: 1px solid var(--line); }
.history-entry.current summary .version { color: var(--good); }
.history-entry summary { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; padding: 8px 0; cursor: pointer; }
.history-entry .version { font-weight: 600; min-width: 40px; }
.history-entry .change { flex: 1 1 260px; }
.history-entry .who { color: var(--ink); }
.history-entry .when { color: var(--muted); }
.diff { list-style: none; padding: 0 0 0 52px; margin: 0 0 8px; }
.diff li code { white-space: pre-wrap; word-break: break-all; }
.diff .added { color: var(--good); } .diff .removed { color: var(--bad); } .diff .changed { color: var(--warn); }
.history-entry .action { margin: 0 0 10px 52px; }
.stack { display: flex; flex-direction: column; gap: 12px; }
.stack label { display: flex; flex-direction: column; gap: 4px; font-weight: 600; }
.stack label .muted { font-weight: 400; }
input[type=password], input[type=text], input[type=search], input[type=number], select { font: inherit; padding: 7px 9px; border: 1px solid #d1d5db; border-radius: 6px; background: #fff; }
input[type=search] { min-width: 220px; }
.window { color: var(--muted); display: flex; gap: 6px; align-items: center; }
dialog { border: 1px solid var(--line); border-radius: 10px; padding: 20px; max-width: min(560px, 94vw); width: 100%; box-shadow: 0 20px 50px rgba(0,0,0,.25); }
dialog::backdrop { background: rgba(15, 23, 42, .45); }
dialog h2 { margin-bottom: 8px; }
dialog .effect { font-size: 15px; }
dialog .preview-box { background: #f8fafc; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin: 10px 0; font-size: 13px; }
dialog .preview-box .diff { padding-left: 0; }
dialog .buttons { display: flex; justify-content: flex-end; gap: 8px; margin-top: 16px; }
dialog .share-input { display: flex; align-items: center; gap: 8px; margin: 8px 0; }
dialog .share-input input { width: 110px; }
dialog .note { background: var(--warn-bg); color: var(--warn); border-radius: 6px; padding: 8px 10px; margin: 10px 0; }
.toasts { position: fixed; right: 16px; bottom: 16px; display: flex; flex-direction: column; gap: 8px; z-index: 10; }
.toast { background: #0f172a; color: #fff; padding: 10px 14px; border-radius: 8px; max-width: 420px; box-shadow: 0 8px 24px rgba(0,0,0,.2); }
.toast.bad { background: var(--bad); }
pre.small { background: #f8fafc; padding: 8px; border-radius: 6px; overflow-x: auto; }
@media (max-width: 760px) {
  main { padding: 12px; }
  .grid.two { grid-template-columns: 1fr; }
  .charts { grid-template-columns: 1fr; }
  .topbar { padding: 8px 12px; gap: 8px 12px; }
  .kpis { gap: 14px; }
  .gate { grid-template-columns: auto 1fr; }
  .gate-detail, .evidence { grid-column: 1 / -1; }
  .diff { padding-left: 0; }
  .history-entry .action { margin-left: 0; }
  input[type=search] { min-width: 0; width: 100%; }
}
`;
