// /app.css: readable on a laptop and on a phone, light and dark, no framework.
export const APP_CSS = String.raw`:root {
  --bg: #f6f7f9;
  --card: #ffffff;
  --text: #1d2330;
  --muted: #5f6b7a;
  --line: #dfe3e8;
  --code: #f0f2f5;
  --critical: #8e1b7c;
  --high: #c62828;
  --medium: #b26a00;
  --low: #52606d;
  --ok: #2e7d32;
  --link: #1c5fb8;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171c;
    --card: #1d2128;
    --text: #e4e8ee;
    --muted: #9aa5b4;
    --line: #2f3540;
    --code: #262b33;
    --critical: #e07ad3;
    --high: #ff7b72;
    --medium: #f0b44c;
    --low: #a3b1c2;
    --ok: #7ee787;
    --link: #79b8ff;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
a { color: var(--link); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
pre { background: var(--code); padding: 6px 10px; border-radius: 6px; margin: 2px 0 6px; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 12em; overflow: auto; }
.muted { color: var(--muted); }
.offscreen { position: fixed; left: -9999px; top: 0; }

header.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 16px; padding: 12px 20px; background: var(--card); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }
header.top h1 { margin: 0; font-size: 20px; }
header.top h1 a { color: inherit; text-decoration: none; }
.target { margin: 0; overflow-wrap: anywhere; }
.live-status { color: var(--muted); font-size: 13px; }
.summary { display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0 8px; }
.summary .badge { text-decoration: none; font-size: 12px; padding: 2px 8px; }
body.live .live-status::before { content: "\25CF\00A0"; color: var(--ok); }
body.offline .live-status::before { content: "\25CB\00A0"; color: var(--muted); }

main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 20px; padding: 20px; max-width: 1500px; margin: 0 auto; }
@media (max-width: 1000px) { main { grid-template-columns: minmax(0, 1fr); padding: 12px; gap: 12px; } }
h2 { margin: 0 0 10px; font-size: 18px; }
h3 { margin: 18px 0 6px; font-size: 16px; }
h4.zone { margin: 10px 0 6px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.count { display: inline-block; min-width: 1.6em; padding: 0 6px; border-radius: 10px; background: var(--code); color: var(--muted); font-size: 13px; text-align: center; font-weight: normal; }

.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; margin-bottom: 10px; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
input, select, button { font: inherit; font-size: 14px; color: var(--text); background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 5px 8px; }
button { cursor: pointer; }
button:hover { border-color: var(--link); }
.filters input { width: 10em; }

.notice { padding: 10px 12px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
.notice.ok { color: var(--ok); }
.incomplete { margin: 8px 0; color: var(--medium); }

.cards { display: grid; gap: 10px; }
.finding { background: var(--card); border: 1px solid var(--line); border-left: 4px solid var(--low); border-radius: 8px; padding: 10px 12px; min-width: 0; }
.finding.sev-critical { border-left-color: var(--critical); }
.finding.sev-high { border-left-color: var(--high); }
.finding.sev-medium { border-left-color: var(--medium); }
.finding.unexplained { border-left-color: var(--high); border-left-style: dashed; }
.finding header { display: flex; flex-wrap: wrap; gap: 6px; align-items: baseline; }
.finding .title { font-weight: 600; text-decoration: none; color: var(--text); }
.finding .title:hover { text-decoration: underline; }
.finding p { margin: 4px 0; overflow-wrap: anywhere; }
.finding .message { margin-top: 6px; }
.badge { display: inline-block; font-size: 11px; font-weight: 700; letter-spacing: .04em; padding: 1px 6px; border-radius: 4px; color: #fff; background: var(--low); }
.badge.sev-critical { background: var(--critical); }
.badge.sev-high { background: var(--high); }
.badge.sev-medium { background: var(--medium); }
.badge.sev-unexplained { background: var(--muted); }
details > summary { cursor: pointer; color: var(--muted); font-size: 13px; margin-top: 6px; }
details.evidence ul { list-style: none; padding: 0; margin: 4px 0; }
.evidence-kind, .step-kind { display: inline-block; font-size: 11px; font-weight: 700; color: var(--muted); text-transform: uppercase; margin-right: 6px; }
ol.steps, details.steps ol { padding-left: 0; list-style: none; margin: 4px 0; }
.step { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; padding: 3px 0; border-top: 1px dashed var(--line); }
.step:first-child { border-top: 0; }
.step code { background: var(--code); padding: 3px 6px; border-radius: 4px; overflow-wrap: anywhere; flex: 1 1 16em; min-width: 0; }
.step .copy { font-size: 12px; padding: 2px 8px; }
.copy-all { font-size: 11px; padding: 0 6px; margin-left: 6px; }
.unfilled { color: var(--medium); flex-basis: 100%; }

.search { display: flex; gap: 8px; margin-bottom: 8px; }
.search input { flex: 1; min-width: 0; }
.hits { margin: 0 0 12px; padding-left: 1.4em; }
.hits li { margin: 2px 0; }
.pitfalls { display: grid; gap: 6px; }
.pitfall { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 6px 10px; }
.pitfall > summary { color: var(--text); font-size: 14px; margin: 0; }
.pitfall-title { font-weight: 600; }
.pitfall-body p { margin: 6px 0; }

footer { padding: 12px 20px 24px; text-align: center; font-size: 13px; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  header.top { padding: 10px 12px; position: static; }
  .filters label { flex: 1 1 40%; }
  .filters input { width: 100%; }
}
`;
