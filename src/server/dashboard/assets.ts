/**
 * The dashboard's only static files, held as strings so the bundle and the sources serve the same bytes with no
 * path to resolve: one stylesheet (light and dark from `prefers-color-scheme`, one column at phone width) and one
 * script that only enhances the overview with the server-sent event stream. Pages work without the script; the CSP
 * allows scripts and styles from 'self' only, so nothing here may rely on inline code or style attributes.
 */
import { createHash } from 'node:crypto';

export const DASHBOARD_CSS = `
:root{color-scheme:light dark;--bg:#ffffff;--fg:#111827;--muted:#4b5563;--line:#d1d5db;--card:#f3f4f6;--link:#1d4ed8;
--ok-bg:#dcfce7;--ok-fg:#14532d;--prog-bg:#dbeafe;--prog-fg:#1e3a8a;--deg-bg:#fef3c7;--deg-fg:#78350f;--stall-bg:#fee2e2;--stall-fg:#7f1d1d;--none-bg:#e5e7eb;--none-fg:#1f2937;
--bar-ok:#15803d;--bar-fail:#b91c1c;--bar-stall:#b45309;--bar-none:#6b7280;--add:#14532d;--del:#7f1d1d}
@media (prefers-color-scheme:dark){:root{--bg:#0b1220;--fg:#e5e7eb;--muted:#9ca3af;--line:#374151;--card:#111a2e;--link:#93c5fd;
--ok-bg:#14532d;--ok-fg:#dcfce7;--prog-bg:#1e3a8a;--prog-fg:#dbeafe;--deg-bg:#78350f;--deg-fg:#fef3c7;--stall-bg:#7f1d1d;--stall-fg:#fee2e2;--none-bg:#374151;--none-fg:#f3f4f6;
--bar-ok:#4ade80;--bar-fail:#f87171;--bar-stall:#fbbf24;--bar-none:#9ca3af;--add:#86efac;--del:#fca5a5}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
a{color:var(--link)}
header{position:sticky;top:0;z-index:10;background:var(--card);border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1rem;padding:.5rem 1rem}
header .brand{font-weight:700;text-decoration:none;color:var(--fg)}
header nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.6rem;margin:0 0 1rem;padding:0;list-style:none}
.cards li{background:var(--card);border:1px solid var(--line);border-radius:.4rem;padding:.6rem .8rem}
.cards .n{display:block;font-size:1.6rem;font-weight:700}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:break-word}
th{font-weight:600;color:var(--muted)}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.88em}
pre{background:var(--card);border:1px solid var(--line);padding:.6rem;overflow-x:auto;max-width:100%;white-space:pre-wrap;overflow-wrap:anywhere}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:.3rem;font-size:.85rem;font-weight:600;white-space:nowrap}
.s-ready{background:var(--ok-bg);color:var(--ok-fg)}.s-progressing{background:var(--prog-bg);color:var(--prog-fg)}
.s-degraded{background:var(--deg-bg);color:var(--deg-fg)}.s-stalled{background:var(--stall-bg);color:var(--stall-fg)}.s-neutral{background:var(--none-bg);color:var(--none-fg)}
.live{align-self:start;background:var(--card);border:1px solid var(--line);border-radius:.4rem;padding:.7rem .9rem}
.live progress{width:100%;height:.9rem}
.live ol{margin:.4rem 0 0;padding-left:1.2rem;max-height:10rem;overflow-y:auto;font-size:.88rem}
svg{max-width:100%;height:auto;display:block}svg.graph{max-width:none}
header nav a[aria-current]{font-weight:700;text-decoration:none;color:var(--fg)}
svg text{fill:var(--fg);font:13px system-ui,"DejaVu Sans",sans-serif}
svg .axis{stroke:var(--line)}svg .edge{stroke:var(--muted);fill:none}
svg .node rect{fill:var(--card);stroke:var(--line)}svg .node.self rect{stroke:var(--link);stroke-width:2}
svg a:focus rect{stroke:var(--link);stroke-width:3}
.bar-Succeeded,.bar-NoChanges{fill:var(--bar-ok)}.bar-Failed{fill:var(--bar-fail)}.bar-Stalled,.bar-Waiting{fill:var(--bar-stall)}.bar-other{fill:var(--bar-none)}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.85rem;margin:.3rem 0;padding:0;list-style:none}
.sw{display:inline-block;width:.8rem;height:.8rem;border-radius:.15rem;margin-right:.3rem;vertical-align:-.1rem}
.sw-ok{background:var(--bar-ok)}.sw-fail{background:var(--bar-fail)}.sw-stall{background:var(--bar-stall)}.sw-none{background:var(--bar-none)}
.diff .before{color:var(--del)}.diff .after{color:var(--add)}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem}
@media (min-width:40.01rem){.key{white-space:nowrap}}
@media (max-width:40rem){main{padding:.6rem}.grid2{grid-template-columns:1fr}th,td{padding:.3rem .3rem}
.stack thead{display:none}.stack tr{display:block;border-bottom:1px solid var(--line);padding:.3rem 0}.stack td{display:block;border:0;padding:.1rem .2rem}
.stack td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-weight:600}}
`;

/** Follows the server-sent stream on pages with a `#live` box; nothing else changes without it. */
export const DASHBOARD_JS = `"use strict";
(function () {
  var box = document.getElementById("live");
  if (!box || !window.EventSource) return;
  var src = new EventSource(box.getAttribute("data-events"));
  var title = box.querySelector("[data-live=title]");
  var bar = box.querySelector("progress");
  var list = box.querySelector("ol");
  function text(el, t) { if (el) el.textContent = t; }
  function line(t) {
    if (!list) return;
    var li = document.createElement("li");
    li.textContent = t;
    list.appendChild(li);
    while (list.children.length > 30) list.removeChild(list.firstChild);
  }
  src.addEventListener("progress", function (ev) {
    var d = JSON.parse(ev.data);
    box.setAttribute("data-state", "running");
    box.setAttribute("data-run", d.id);
    text(title, "Run " + d.id.slice(0, 8) + " at " + d.revision.slice(0, 12) + ": " + d.tasksDone + " / " + d.tasksTotal + " tasks");
    text(document.querySelector("[data-rev=head] code"), d.revision.slice(0, 12));
    if (bar) { bar.max = Math.max(1, d.tasksTotal); bar.value = d.tasksDone; bar.hidden = false; }
    if (d.text) line((d.key ? d.key + ": " : "") + d.text);
  });
  src.addEventListener("run-end", function (ev) {
    var d = JSON.parse(ev.data);
    box.setAttribute("data-state", "finished");
    box.setAttribute("data-outcome", d.outcome);
    text(title, "Run " + d.id.slice(0, 8) + " finished: " + d.outcome + " in " + (d.durationMs / 1000).toFixed(1) + " s");
    if (bar) bar.value = bar.max;
    var more = box.querySelector("[data-live=reload]");
    if (more) more.hidden = false;
    var link = box.querySelector("[data-live=run]");
    if (link) { link.href = "/ui/runs/" + encodeURIComponent(d.id); link.hidden = false; }
  });
})();
`;

const etag = (s: string): string => `"${createHash('sha256').update(s).digest('base64url').slice(0, 22)}"`;

/** Asset path -> body, type and a content hash (ETag), so browsers revalidate cheaply. */
export const ASSETS: Record<string, { body: string; type: string; etag: string }> = {
  'dashboard.css': { body: DASHBOARD_CSS, type: 'text/css; charset=utf-8', etag: etag(DASHBOARD_CSS) },
  'dashboard.js': { body: DASHBOARD_JS, type: 'text/javascript; charset=utf-8', etag: etag(DASHBOARD_JS) },
};
