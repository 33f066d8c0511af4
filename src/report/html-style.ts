// Inline stylesheet of leaderboard.html (system fonts only: the page must render offline).
export const REPORT_CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d8dee4; --bg-alt: #f6f8fa; --ok: #1a7f37; --bad: #cf222e; --accent: #4c78a8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 24px 0 6px; }
h4 { font-size: 12px; margin: 0 0 4px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.meta, .note, .sub { color: var(--muted); }
.note { font-size: 13px; margin: 4px 0 10px; }
.sub { font-size: 12px; font-weight: normal; }
.mono, code, pre { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; }
code { background: var(--bg-alt); padding: 1px 5px; border-radius: 4px; font-size: 90%; }
nav { margin-top: 8px; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th.num { text-align: right; }
thead th { background: var(--bg-alt); font-weight: 600; white-space: nowrap; position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #fbfcfd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.strong { font-weight: 700; }
td.up { color: var(--ok); font-weight: 600; }
td.down { color: var(--bad); font-weight: 600; }
table.leaderboard tbody th { font-weight: 600; white-space: nowrap; }
.ci { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.ci-track { position: relative; display: inline-block; width: 90px; height: 10px; background: #eef1f4; border-radius: 5px; }
.ci-band { position: absolute; top: 0; bottom: 0; background: #a9c4e2; border-radius: 5px; }
.ci-point { position: absolute; top: -2px; width: 3px; height: 14px; margin-left: -1px; background: var(--accent); border-radius: 1px; }
.ci-text { color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
table.leaderboard .sub, table.needle .sub { margin-left: 18px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 3px; margin-right: 7px; vertical-align: -1px; }
details.pairs-by-category { margin-top: 10px; }
details.pairs-by-category summary { cursor: pointer; color: #0969da; font-size: 13px; margin-bottom: 6px; }
.vs { color: var(--muted); font-weight: normal; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; margin-top: 18px; }
figure.chart { margin: 0; padding: 12px; border: 1px solid var(--line); border-radius: 8px; overflow-x: auto; background: #fff; }
figure.chart.no-data { align-self: start; }
figure.chart svg { max-width: 100%; height: auto; }
.empty { color: var(--muted); font-style: italic; }
li.absent { margin: 4px 0; }
.filters { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; margin: 8px 0 12px; padding: 10px 12px; background: var(--bg-alt); border: 1px solid var(--line); border-radius: 8px; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
.filters select, .filters input { font: inherit; font-size: 13px; padding: 4px 6px; border: 1px solid #c5ccd3; border-radius: 6px; background: #fff; min-width: 140px; }
.filters button { font: inherit; padding: 5px 12px; border: 1px solid #c5ccd3; border-radius: 6px; background: #fff; cursor: pointer; }
#case-more { font: inherit; padding: 6px 16px; border: 1px solid #c5ccd3; border-radius: 6px; background: #fff; cursor: pointer; }
.count { margin-left: auto; color: var(--muted); font-size: 13px; }
#cases tr.case { cursor: pointer; }
#cases tr.case:hover, #cases tr.open { background: #eef4fb; }
#cases td.reason { max-width: 460px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--muted); }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.ok { background: var(--ok); }
.badge.bad { background: var(--bad); }
tr.detail td { background: #fafbfc; }
.detail-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 12px; }
.detail-block pre { margin: 0; padding: 8px; background: #fff; border: 1px solid var(--line); border-radius: 6px; white-space: pre-wrap; word-break: break-word; max-height: 320px; overflow: auto; font-size: 12px; }
footer { margin-top: 40px; font-size: 13px; }
`;
