/**
 * The search page's HTML, served at `/` (the app's root, whatever prefix it is mounted under).
 * Every URL in it is relative (`ui/page.js`, and the script's `v1/...`), so the page works under
 * `/db/` as well as at `/`; it loads nothing from another origin and has no inline script or
 * style, so a strict Content-Security-Policy (`default-src 'self'`) holds.
 *
 * @module
 */

/** Escapes text for an HTML attribute value or element content. */
function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/**
 * The page. `collection` is the collection it opens when its URL has no `?c=` (else the first
 * collection with search fields); it goes to the script in a `<meta>` element.
 *
 * @param collection The collection to open by default.
 * @returns The HTML document.
 */
export function pageHtml(collection?: string): string {
  const meta = collection === undefined
    ? ""
    : `\n<meta name="quire-collection" content="${escapeHtml(collection)}">`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">${meta}
<title>Search · quire</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="ui/page.css">
<script type="module" src="ui/page.js"></script>
</head>
<body>
<header class="top">
  <div class="wrap bar">
    <a class="brand" href="./">quire</a>
    <span id="about" class="about"></span>
    <label class="pick" id="pick" hidden>Collection
      <select id="collection" name="c"></select>
    </label>
  </div>
</header>
<main class="wrap">
  <form id="search" class="search" role="search" method="get" action="">
    <label for="q" class="visually-hidden">Search</label>
    <input id="q" name="q" type="search" placeholder="Search…" autocomplete="off"
      spellcheck="false" enterkeyhint="search" maxlength="1024">
    <button type="submit">Search</button>
  </form>
  <form id="auth" class="auth" hidden>
    <p>This server needs a token. It is kept in this tab only (sessionStorage).</p>
    <label>Token
      <input id="token" name="token" type="password" autocomplete="current-password" required>
    </label>
    <button class="button" type="submit">Use token</button>
    <p id="auth-note" class="note" role="alert" hidden></p>
  </form>
  <div class="layout">
    <aside id="filters" class="filters" aria-label="Filters"></aside>
    <section aria-label="Results">
      <p id="error" class="error" role="alert" hidden></p>
      <p id="status" class="status" role="status" aria-live="polite"></p>
      <ol id="results" class="results"></ol>
      <button id="more" class="button more" type="button" hidden>More results</button>
    </section>
  </div>
</main>
<noscript><p class="wrap">This page needs JavaScript. The API is at v1/collections.</p></noscript>
</body>
</html>
`;
}
