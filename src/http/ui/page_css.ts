/**
 * The search page's style sheet, served at `ui/page.css`. Plain CSS: a system font stack, one
 * column on a phone (filters above the results), a sidebar beside the results from 46rem up,
 * light and dark colours from `prefers-color-scheme`.
 *
 * It is a string here, not a file read at run time, so that quire works bundled or compiled and
 * on Deno without read permission on its own source. ASCII only (`\D7` for a multiplication
 * sign): Bun's transpiler writes other characters of a template's raw text as `\u` escapes.
 *
 * @module
 */

/** The style sheet. */
export const PAGE_CSS = String.raw`
:root {
  color-scheme: light dark;
  --bg: #ffffff;
  --fg: #1c1f23;
  --muted: #5f6670;
  --line: #dde1e6;
  --panel: #f5f7f9;
  --accent: #1f5fbf;
  --accent-fg: #ffffff;
  --mark: #ffe58a;
  --mark-fg: #1c1f23;
  --error-bg: #fdecec;
  --error-fg: #8a1c1c;
  --radius: 6px;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15181c;
    --fg: #e6e9ed;
    --muted: #9aa3ad;
    --line: #2e343b;
    --panel: #1d2126;
    --accent: #6ea8ff;
    --accent-fg: #0b1320;
    --mark: #6b5a12;
    --mark-fg: #fff6d5;
    --error-bg: #3a1a1a;
    --error-fg: #ffb4b4;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans",
    "Liberation Sans", Arial, sans-serif;
}
[hidden] { display: none !important; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
.wrap { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
button, input, select { font: inherit; color: inherit; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }

.top { border-bottom: 1px solid var(--line); background: var(--panel); }
.bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; min-height: 3rem; padding-top: 0.4rem; padding-bottom: 0.4rem; }
.brand { font-weight: 700; letter-spacing: 0.02em; color: var(--fg); text-decoration: none; }
.about { color: var(--muted); font-size: 0.9rem; flex: 1 1 auto; }
.pick { display: flex; align-items: center; gap: 0.4rem; font-size: 0.9rem; color: var(--muted); }
.pick select { padding: 0.2rem 0.4rem; border: 1px solid var(--line); border-radius: var(--radius); background: var(--bg); }

.search { display: flex; gap: 0.5rem; margin: 1.25rem 0 1rem; }
.search input {
  flex: 1 1 auto; min-width: 0; padding: 0.6rem 0.8rem; font-size: 1.05rem;
  border: 1px solid var(--line); border-radius: var(--radius); background: var(--bg);
}
.search input:focus { border-color: var(--accent); }
.button, .search button {
  padding: 0.55rem 1rem; border: 1px solid var(--accent); border-radius: var(--radius);
  background: var(--accent); color: var(--accent-fg); cursor: pointer; font-weight: 600;
}

.auth {
  margin: 0 0 1rem; padding: 1rem; border: 1px solid var(--line); border-radius: var(--radius);
  background: var(--panel); display: flex; flex-wrap: wrap; align-items: end; gap: 0.5rem 0.75rem;
}
.auth p { margin: 0; flex: 1 1 100%; }
.auth label { display: flex; flex-direction: column; font-size: 0.9rem; color: var(--muted); flex: 1 1 14rem; }
.auth input { padding: 0.45rem 0.6rem; border: 1px solid var(--line); border-radius: var(--radius); background: var(--bg); }
.auth .note { color: var(--error-fg); font-size: 0.9rem; }

.layout { display: grid; grid-template-columns: 1fr; gap: 1rem; padding-bottom: 3rem; }
@media (min-width: 46rem) {
  .layout { grid-template-columns: 15rem minmax(0, 1fr); gap: 2rem; }
}

.filters { font-size: 0.95rem; }
.filters fieldset { border: 0; padding: 0; margin: 0 0 1.1rem; min-width: 0; }
.filters legend { padding: 0; margin-bottom: 0.35rem; font-weight: 600; font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); }
.facet-list { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 0.15rem; }
.facet {
  width: 100%; display: flex; justify-content: space-between; align-items: baseline; gap: 0.5rem;
  padding: 0.25rem 0.5rem; border: 1px solid transparent; border-radius: var(--radius);
  background: none; text-align: left; cursor: pointer;
}
.facet:hover { background: var(--panel); }
.facet[aria-pressed="true"] { border-color: var(--accent); background: var(--panel); font-weight: 600; }
.facet[aria-pressed="true"] .count::after { content: " \D7"; }
.facet .value { overflow-wrap: anywhere; }
.count { color: var(--muted); font-variant-numeric: tabular-nums; font-size: 0.85rem; white-space: nowrap; }
.hint { color: var(--muted); font-size: 0.85rem; margin: 0; }
.link { background: none; border: 0; padding: 0.2rem 0; color: var(--accent); cursor: pointer; text-decoration: underline; font-size: 0.85rem; }
.range { display: flex; gap: 0.5rem; }
.range label { display: flex; flex-direction: column; flex: 1 1 0; min-width: 0; font-size: 0.8rem; color: var(--muted); }
.range input { width: 100%; padding: 0.35rem 0.5rem; border: 1px solid var(--line); border-radius: var(--radius); background: var(--bg); font-variant-numeric: tabular-nums; }
.range input[aria-invalid="true"] { border-color: var(--error-fg); }

@media (max-width: 45.99rem) {
  .filters { border-bottom: 1px solid var(--line); padding-bottom: 0.25rem; }
  .facet-list { flex-direction: row; flex-wrap: wrap; gap: 0.35rem; }
  .facet { width: auto; border-color: var(--line); border-radius: 999px; padding: 0.2rem 0.7rem; }
  .range { max-width: 20rem; }
}

.status { color: var(--muted); margin: 0 0 0.75rem; min-height: 1.5em; }
.error {
  margin: 0 0 0.75rem; padding: 0.6rem 0.8rem; border-radius: var(--radius);
  background: var(--error-bg); color: var(--error-fg); overflow-wrap: anywhere;
}
.results { list-style: none; margin: 0; padding: 0; }
.results[aria-busy="true"] { opacity: 0.55; transition: opacity 0.2s 0.15s; }
.hit { padding: 0.9rem 0; border-bottom: 1px solid var(--line); }
.hit:first-child { padding-top: 0; }
.hit-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 0.75rem; }
.hit-title { margin: 0; font-size: 1.08rem; font-weight: 600; overflow-wrap: anywhere; }
.hit-id { font: 0.8rem/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; color: var(--muted); overflow-wrap: anywhere; }
.meta { margin: 0.15rem 0 0.35rem; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 0.1rem 0.9rem; font-size: 0.88rem; }
.meta .key { color: var(--muted); margin-right: 0.3rem; }
.snippet { margin: 0.2rem 0 0; overflow-wrap: anywhere; }
.snippet .field { color: var(--muted); font-size: 0.8rem; margin-right: 0.4rem; }
mark { background: var(--mark); color: var(--mark-fg); border-radius: 2px; padding: 0 0.1em; }
.more { margin: 1.25rem 0 0; background: var(--bg); color: var(--accent); width: 100%; }
.more:disabled { opacity: 0.6; cursor: progress; }
`;
