/**
 * The search page's script, served at `ui/page.js`: plain JavaScript for today's browsers, no
 * framework, no build step. It is a string (no backtick or dollar-brace inside) so that quire
 * never reads its own files at run time; `tests/http_ui_test.ts` parses it, and
 * `tests/browser_test.ts` runs it in Chromium. ASCII only, other characters written as `\u`
 * escapes: Bun's transpiler turns them into escapes in the raw text of a template, so the
 * string would differ between Bun and Deno.
 *
 * What it does:
 * - picks the collection: `?c=` in the page's URL, else the app's `ui.collection`, else the first
 *   collection with search fields;
 * - finds its filters: the collection's single-path indexes; a sample of documents tells each
 *   one's kind. Numbers get a from/to range (`year >= 1850 and year <= 1900`); strings and
 *   booleans get facet counts (`facet=party`) that add `party = "Whig"` when clicked, once more
 *   to remove it; arrays of strings add `tags contains "x"`;
 * - searches on Enter (and on each filter change): ranked hits with their highlighted snippets,
 *   and "More results" that fetches the next page with `after=<next>`;
 * - keeps the search in the URL (`?c=paragraphs&q=peace&party=Whig&year=1850..1900`, with
 *   history entries), so a search can be shared, reloaded and gone back to;
 * - shows the API's problem detail, as text, for a search or filter it refuses, and "No results
 *   for …" when nothing matches;
 * - on a 401 asks for the token, keeps it in sessionStorage and sends `Authorization: Bearer`.
 *
 * Document text goes into the page as text (`textContent`); only the highlights are HTML, and
 * even those are rebuilt from their text and `<mark>` elements, nothing else.
 *
 * @module
 */

/** The script. */
export const PAGE_JS = String.raw`"use strict";
(function () {
  var PAGE_SIZE = 20;
  var FACETS_SHOWN = 8;
  var TITLE_MAX = 80;
  var META_MAX = 60;
  var SAMPLE = 50;
  // Page URL parameters of their own: an index of that name gets no filter.
  var RESERVED = { q: true, c: true };
  var KEYWORDS = { and: 1, or: 1, not: 1, in: 1, exists: 1, contains: 1, startswith: 1, like: 1, "true": 1, "false": 1, "null": 1 };
  var TOKEN_KEY = "quire.token:" + location.pathname;

  function $(id) { return document.getElementById(id); }
  var ui = {
    about: $("about"), pick: $("pick"), collection: $("collection"), form: $("search"), q: $("q"),
    auth: $("auth"), token: $("token"), authNote: $("auth-note"), filters: $("filters"),
    error: $("error"), status: $("status"), results: $("results"), more: $("more")
  };
  var defaultMeta = document.querySelector('meta[name="quire-collection"]');
  var DEFAULT_COLLECTION = defaultMeta ? defaultMeta.getAttribute("content") : null;

  var state = {
    collections: [],   // [{ name, count, options }] with search fields
    collection: null,  // { name, count, searchFields: [path], fields: [{ path, kind, min, max }] }
    q: "",
    picked: {},        // path -> chosen facet value (string, or boolean)
    ranges: {},        // path -> { from: "", to: "" }
    next: null,
    shown: 0,
    seq: 0
  };

  // ---------- work in flight ----------

  // <body data-busy="true"> while anything is being fetched or drawn (the browser test waits
  // for "false").
  var pending = 0;
  function mark() {
    document.body.setAttribute("data-busy", pending > 0 ? "true" : "false");
  }
  function track(promise) {
    pending++;
    mark();
    function done() {
      pending--;
      mark();
    }
    return promise.then(function (value) { done(); return value; }, function (error) { done(); throw error; });
  }

  // ---------- the API ----------

  function ApiError(status, code, detail) {
    this.status = status;
    this.code = code;
    this.detail = detail;
  }

  // Problem details come HTML-escaped (< > &); they are shown as text, so unescape them.
  function unescapeDetail(text) {
    return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function api(path) {
    var headers = { Accept: "application/json" };
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(path, { headers: headers }).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (_) { /* not JSON */ }
        if (response.ok && body !== null) return body;
        if (body && typeof body.detail === "string") {
          throw new ApiError(response.status, body.code, unescapeDetail(body.detail));
        }
        throw new ApiError(response.status, "HTTP", "The server answered " + response.status + " " + response.statusText);
      });
    }, function () {
      throw new ApiError(0, "NETWORK", "Cannot reach the server");
    });
  }

  function collectionPath(name) {
    return "v1/collections/" + encodeURIComponent(name);
  }

  // ---------- filters ----------

  // A path as the text-form filter names it: plain segments as they are, others quoted.
  function fieldExpr(path) {
    return path.split(".").map(function (segment) {
      var plain = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment) && !KEYWORDS[segment.toLowerCase()];
      return plain || /^[0-9]+$/.test(segment) ? segment : JSON.stringify(segment);
    }).join(".");
  }

  function valueAt(doc, path) {
    var value = doc;
    var segments = path.split(".");
    for (var i = 0; i < segments.length; i++) {
      if (value === null || typeof value !== "object") return undefined;
      value = value[segments[i]];
    }
    return value;
  }

  function kindOf(value) {
    if (typeof value === "number") return "number";
    if (typeof value === "string") return "string";
    if (typeof value === "boolean") return "boolean";
    if (Array.isArray(value) && value.some(function (v) { return typeof v === "string"; })) return "list";
    return null;
  }

  function numberOrNull(text) {
    if (text === undefined || text === null || String(text).trim() === "") return null;
    var n = Number(text);
    return Number.isFinite(n) ? n : NaN;
  }

  function facetValue(field, text) {
    if (field.kind === "boolean") return text === "true";
    return String(text);
  }

  function filterText() {
    var parts = [];
    state.collection.fields.forEach(function (field) {
      var name = fieldExpr(field.path);
      if (field.kind === "number") {
        var range = state.ranges[field.path] || {};
        var from = numberOrNull(range.from);
        var to = numberOrNull(range.to);
        if (from !== null && !Number.isNaN(from)) parts.push(name + " >= " + from);
        if (to !== null && !Number.isNaN(to)) parts.push(name + " <= " + to);
      } else if (Object.prototype.hasOwnProperty.call(state.picked, field.path)) {
        var value = state.picked[field.path];
        var literal = typeof value === "boolean" ? String(value) : JSON.stringify(value);
        parts.push(name + (field.kind === "list" ? " contains " : " = ") + literal);
      }
    });
    return parts.join(" and ");
  }

  function hasFilters() {
    return filterText() !== "";
  }

  // ---------- the page URL ----------

  function readUrl() {
    var params = new URLSearchParams(location.search);
    return { c: params.get("c"), q: params.get("q") || "", params: params };
  }

  function applyUrlFilters(params) {
    state.picked = {};
    state.ranges = {};
    state.collection.fields.forEach(function (field) {
      var text = params.get(field.path);
      if (text === null) return;
      if (field.kind === "number") {
        var at = text.indexOf("..");
        state.ranges[field.path] = at < 0 ? { from: text, to: text } : { from: text.slice(0, at), to: text.slice(at + 2) };
      } else {
        state.picked[field.path] = facetValue(field, text);
      }
    });
  }

  function writeUrl(push) {
    var params = new URLSearchParams();
    if (state.collection) params.set("c", state.collection.name);
    if (state.q) params.set("q", state.q);
    if (state.collection) {
      state.collection.fields.forEach(function (field) {
        if (field.kind === "number") {
          var range = state.ranges[field.path];
          if (range && (range.from || range.to)) params.set(field.path, (range.from || "") + ".." + (range.to || ""));
        } else if (Object.prototype.hasOwnProperty.call(state.picked, field.path)) {
          params.set(field.path, String(state.picked[field.path]));
        }
      });
    }
    var search = params.toString();
    var url = search ? "?" + search : location.pathname;
    if (url === location.search || (url === location.pathname && !location.search)) return;
    history[push ? "pushState" : "replaceState"](null, "", url);
  }

  // ---------- drawing ----------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A highlight is HTML: escaped text and <mark> elements. Parse it inert (a template runs
  // nothing and loads nothing) and keep only its text and its marks.
  function highlightNodes(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var out = document.createDocumentFragment();
    (function copy(from, to) {
      from.childNodes.forEach(function (node) {
        if (node.nodeType === 3) to.appendChild(document.createTextNode(node.nodeValue));
        else if (node.nodeType === 1 && node.nodeName === "MARK") {
          to.appendChild(el("mark", null, node.textContent));
        } else if (node.nodeType === 1) copy(node, to);
      });
    })(template.content, out);
    return out;
  }

  function shorten(text, words) {
    var parts = String(text).split(/\s+/);
    return parts.length <= words ? String(text) : parts.slice(0, words).join(" ") + " \u2026";
  }

  function showError(message) {
    ui.error.textContent = message;
    ui.error.hidden = !message;
  }

  function setStatus(text) {
    ui.status.textContent = text;
  }

  function renderAbout() {
    var c = state.collection;
    ui.about.textContent = c ? c.name + " \u00b7 " + c.count.toLocaleString() + " documents" : "";
    ui.pick.hidden = state.collections.length < 2;
    ui.collection.textContent = "";
    state.collections.forEach(function (entry) {
      var option = el("option", null, entry.name);
      option.value = entry.name;
      option.selected = c !== null && entry.name === c.name;
      ui.collection.appendChild(option);
    });
  }

  function renderHit(hit, searchFields) {
    var doc = hit.doc || {};
    var highlights = hit.highlights || {};
    var item = el("li", "hit");
    var article = el("article");
    item.appendChild(article);
    var head = el("div", "hit-head");
    var title = el("h2", "hit-title");
    var titleField = null;
    for (var i = 0; i < searchFields.length; i++) {
      var v = valueAt(doc, searchFields[i]);
      if (typeof v === "string" && v.length <= TITLE_MAX) { titleField = searchFields[i]; break; }
    }
    if (titleField === null) title.textContent = hit.id;
    else if (highlights[titleField]) title.appendChild(highlightNodes(highlights[titleField]));
    else title.textContent = valueAt(doc, titleField);
    head.appendChild(title);
    if (titleField !== null) head.appendChild(el("span", "hit-id", hit.id));
    article.appendChild(head);

    var meta = el("ul", "meta");
    Object.keys(doc).forEach(function (key) {
      var value = doc[key];
      if (searchFields.indexOf(key) >= 0) return;
      var shown = typeof value === "number" || typeof value === "boolean" ||
        (typeof value === "string" && value.length <= META_MAX);
      if (!shown) return;
      var entry = el("li");
      entry.appendChild(el("span", "key", key));
      entry.appendChild(document.createTextNode(String(value)));
      meta.appendChild(entry);
    });
    if (meta.childNodes.length > 0) article.appendChild(meta);

    searchFields.forEach(function (path) {
      if (path === titleField) return;
      var value = valueAt(doc, path);
      var text = Array.isArray(value) ? value.filter(function (v) { return typeof v === "string"; }).join(" ") : value;
      if (!highlights[path] && (typeof text !== "string" || text === "")) return;
      var p = el("p", "snippet");
      if (searchFields.length > 2) p.appendChild(el("span", "field", path));
      if (highlights[path]) p.appendChild(highlightNodes(highlights[path]));
      else p.appendChild(document.createTextNode(shorten(text, 40)));
      article.appendChild(p);
    });
    return item;
  }

  function renderFilters(facets) {
    ui.filters.textContent = "";
    var c = state.collection;
    if (!c) return;
    c.fields.forEach(function (field) {
      var set = el("fieldset");
      set.appendChild(el("legend", null, field.path));
      if (field.kind === "number") set.appendChild(rangeInputs(field));
      else set.appendChild(facetList(field, facets ? facets[field.path] : null));
      ui.filters.appendChild(set);
    });
    if (hasFilters()) {
      var clear = el("button", "link", "Clear filters");
      clear.type = "button";
      clear.addEventListener("click", function () {
        state.picked = {};
        state.ranges = {};
        changed(true);
      });
      ui.filters.appendChild(clear);
    }
  }

  function rangeInputs(field) {
    var box = el("div", "range");
    var range = state.ranges[field.path] || { from: "", to: "" };
    [["from", field.min], ["to", field.max]].forEach(function (pair) {
      var end = pair[0];
      var label = el("label", null, end);
      var input = el("input");
      input.type = "number";
      input.inputMode = "numeric";
      input.name = field.path + "-" + end;
      input.setAttribute("data-field", field.path);
      input.setAttribute("data-end", end);
      input.setAttribute("aria-label", field.path + " " + end);
      if (pair[1] !== undefined && pair[1] !== null) input.placeholder = String(pair[1]);
      input.value = range[end] || "";
      input.setAttribute("aria-invalid", Number.isNaN(numberOrNull(input.value)) ? "true" : "false");
      function apply() {
        var now = state.ranges[field.path] || { from: "", to: "" };
        if ((now[end] || "") === input.value.trim()) return;
        now[end] = input.value.trim();
        state.ranges[field.path] = now;
        changed(true);
      }
      input.addEventListener("change", apply);
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); apply(); }
      });
      label.appendChild(input);
      box.appendChild(label);
    });
    return box;
  }

  function facetList(field, counts) {
    var picked = Object.prototype.hasOwnProperty.call(state.picked, field.path);
    var values = (counts || []).filter(function (entry) { return entry.value !== null && typeof entry.value !== "object"; });
    if (picked && !values.some(function (entry) { return entry.value === state.picked[field.path]; })) {
      // Chosen in the URL, but no counts yet (or none among these results).
      values.unshift({ value: state.picked[field.path], count: counts ? 0 : null });
    }
    if (values.length === 0) {
      return el("p", "hint", state.q ? "No values among these results" : "Counts appear with a search");
    }
    var box = el("div");
    var list = el("ul", "facet-list");
    list.setAttribute("data-field", field.path);
    values.forEach(function (entry, i) {
      var on = picked && entry.value === state.picked[field.path];
      var li = el("li");
      if (!on && i >= FACETS_SHOWN) li.hidden = true;
      var button = el("button", "facet");
      button.type = "button";
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.setAttribute("data-value", String(entry.value));
      button.appendChild(el("span", "value", entry.value));
      button.appendChild(el("span", "count", entry.count === null ? "" : entry.count.toLocaleString()));
      button.title = on ? "Remove this filter" : "Only " + field.path + " = " + entry.value;
      button.addEventListener("click", function () {
        if (on) delete state.picked[field.path];
        else state.picked[field.path] = entry.value;
        changed(true);
      });
      li.appendChild(button);
      list.appendChild(li);
    });
    box.appendChild(list);
    var hidden = list.querySelectorAll("li[hidden]").length;
    if (hidden > 0) {
      var all = el("button", "link", "Show all " + values.length);
      all.type = "button";
      all.addEventListener("click", function () {
        list.querySelectorAll("li[hidden]").forEach(function (li) { li.hidden = false; });
        all.remove();
      });
      box.appendChild(all);
    }
    return box;
  }

  // ---------- searching ----------

  function searchUrl(after) {
    var c = state.collection;
    var params = new URLSearchParams();
    params.set("q", state.q);
    var filter = filterText();
    if (filter) params.set("filter", filter);
    params.set("limit", String(PAGE_SIZE));
    params.set("highlight", "true");
    if (after) params.set("after", after);
    else {
      c.fields.forEach(function (field) {
        if (field.kind !== "number") params.append("facet", field.path);
      });
    }
    return collectionPath(c.name) + "/search?" + params.toString();
  }

  function busy(on) {
    ui.results.setAttribute("aria-busy", on ? "true" : "false");
    ui.more.disabled = on;
  }

  function search() {
    var seq = ++state.seq;
    showError("");
    state.next = null;
    ui.more.hidden = true;
    if (!state.collection) return Promise.resolve();
    if (state.q.trim() === "") {
      ui.results.textContent = "";
      state.shown = 0;
      setStatus("Type words to search " + state.collection.name + ", then press Enter.");
      renderFilters(null);
      return Promise.resolve();
    }
    busy(true);
    setStatus("Searching\u2026");
    return track(api(searchUrl(null))).then(function (page) {
      if (seq !== state.seq) return;
      ui.results.textContent = "";
      state.shown = 0;
      appendHits(page);
      renderFilters(page.facets || {});
    }, function (error) {
      if (seq !== state.seq) return;
      ui.results.textContent = "";
      state.shown = 0;
      renderFilters(null);
      failed(error);
    }).then(function () {
      if (seq === state.seq) busy(false);
    });
  }

  function more() {
    if (!state.next) return Promise.resolve();
    var seq = state.seq;
    busy(true);
    return track(api(searchUrl(state.next))).then(function (page) {
      if (seq !== state.seq) return;
      appendHits(page);
    }, function (error) {
      if (seq === state.seq) failed(error);
    }).then(function () {
      if (seq === state.seq) busy(false);
    });
  }

  function appendHits(page) {
    var fields = state.collection.searchFields;
    var fragment = document.createDocumentFragment();
    (page.hits || []).forEach(function (hit) { fragment.appendChild(renderHit(hit, fields)); });
    ui.results.appendChild(fragment);
    state.shown += (page.hits || []).length;
    state.next = page.next || null;
    ui.more.hidden = state.next === null;
    var quoted = "\u201c" + state.q + "\u201d";
    if (state.shown === 0) {
      setStatus("No results for " + quoted + (hasFilters() ? " with these filters." : "."));
    } else {
      setStatus(state.shown.toLocaleString() + (state.shown === 1 ? " result" : " results") +
        " for " + quoted + (state.next ? ", best first; more below." : "."));
    }
  }

  function failed(error) {
    if (error instanceof ApiError && error.status === 401) {
      askToken();
      setStatus("");
      return;
    }
    setStatus("");
    var detail = error instanceof ApiError ? error.detail : String(error);
    if (error instanceof ApiError && error.code === "INVALID_SEARCH") showError("Invalid search: " + detail);
    else if (error instanceof ApiError && error.code === "INVALID_FILTER") showError("Invalid filter: " + detail);
    else showError(detail);
  }

  // A filter or the query changed: new URL entry (push) or the same one (replace), then search.
  function changed(push) {
    writeUrl(push);
    return search();
  }

  // ---------- the collection ----------

  function loadCollection(name) {
    var entry = state.collections.filter(function (c) { return c.name === name; })[0];
    var path = collectionPath(name);
    return api(path).then(function (info) {
      var search = info.options && info.options.search;
      var searchFields = search && Array.isArray(search.fields) ? search.fields : [];
      var paths = (info.indexes || []).filter(function (index) {
        return typeof index === "string" && !RESERVED[index] && index.indexOf(",") < 0;
      });
      var sample = paths.length === 0
        ? Promise.resolve({ items: [] })
        : api(path + "/docs?limit=" + SAMPLE + "&fields=" + encodeURIComponent(paths.join(",")));
      return sample.then(function (page) {
        var fields = [];
        paths.forEach(function (p) {
          var kind = null;
          for (var i = 0; i < page.items.length && kind === null; i++) {
            kind = kindOf(valueAt(page.items[i].doc, p));
          }
          if (kind !== null) fields.push({ path: p, kind: kind });
        });
        return Promise.all(fields.map(function (field) {
          return field.kind === "number" ? bounds(path, field) : null;
        })).then(function () {
          state.collection = {
            name: name,
            count: entry ? entry.count : info.count,
            searchFields: searchFields,
            fields: fields
          };
        });
      });
    });
  }

  // The smallest and largest number of a field, for the range's placeholders.
  function bounds(path, field) {
    var name = fieldExpr(field.path);
    var base = path + "/docs?limit=1&fields=" + encodeURIComponent(field.path) +
      "&filter=" + encodeURIComponent(name + " >= -1e308");
    return Promise.all([
      api(base + "&sort=" + encodeURIComponent(field.path)),
      api(base + "&sort=" + encodeURIComponent("-" + field.path))
    ]).then(function (pages) {
      if (pages[0].items.length) field.min = valueAt(pages[0].items[0].doc, field.path);
      if (pages[1].items.length) field.max = valueAt(pages[1].items[0].doc, field.path);
    }, function () { /* no placeholders, then */ });
  }

  // Reads the page's URL and shows what it says: the collection, the query, the filters.
  function fromUrl() {
    var url = readUrl();
    var wanted = url.c || DEFAULT_COLLECTION;
    var found = state.collections.filter(function (c) { return c.name === wanted; })[0];
    if (url.c && !found) {
      state.collection = null;
      renderAbout();
      renderFilters(null);
      ui.results.textContent = "";
      setStatus("");
      showError("No collection named \u201c" + url.c + "\u201d with search fields here.");
      return Promise.resolve();
    }
    if (!found) found = state.collections[0];
    if (!found) {
      state.collection = null;
      renderAbout();
      setStatus("");
      showError("No collection has search fields: give one a search option to search it here.");
      return Promise.resolve();
    }
    var ready = state.collection && state.collection.name === found.name
      ? Promise.resolve()
      : loadCollection(found.name);
    return ready.then(function () {
      state.q = url.q;
      ui.q.value = url.q;
      applyUrlFilters(url.params);
      renderAbout();
      return search();
    });
  }

  function start() {
    showError("");
    ui.auth.hidden = true;
    setStatus("Loading\u2026");
    return track(api("v1/collections").then(function (body) {
      state.collections = (body.collections || []).filter(function (c) {
        return c.options && c.options.search;
      });
      state.collection = null;
      return fromUrl();
    }).catch(failed));
  }

  function askToken() {
    var had = sessionStorage.getItem(TOKEN_KEY);
    ui.auth.hidden = false;
    ui.authNote.hidden = !had;
    ui.authNote.textContent = had ? "That token was refused." : "";
    if (had) sessionStorage.removeItem(TOKEN_KEY);
    ui.token.focus();
  }

  // ---------- events ----------

  ui.form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = ui.q.value.trim();
    if (q === state.q && ui.results.childNodes.length > 0) return;
    state.q = q;
    changed(true);
  });
  ui.more.addEventListener("click", more);
  ui.collection.addEventListener("change", function () {
    track(loadCollection(ui.collection.value).then(function () {
      state.picked = {};
      state.ranges = {};
      renderAbout();
      return changed(true);
    }).catch(failed));
  });
  ui.auth.addEventListener("submit", function (event) {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, ui.token.value);
    ui.token.value = "";
    start();
  });
  window.addEventListener("popstate", function () { track(fromUrl().catch(failed)); });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA");
    if (event.key === "/" && !typing) { event.preventDefault(); ui.q.focus(); }
  });

  start();
})();
`;
