/**
 * The search page's routes, as a function that `createApp`'s one middleware calls before the
 * token check: the page holds no data (it reads everything through the API, which does check the
 * token), so its three static files are public.
 *
 * - `GET /` → the HTML; `GET /ui/page.js`, `GET /ui/page.css` → the script and the style sheet.
 * - Mounted under a prefix (`new Hono().route("/db", app)`), `/db` redirects to `/db/`: the page's
 *   URLs are relative, and only `/db/` makes `v1/...` resolve to `/db/v1/...`.
 * - Each answer has `Content-Type`, a strong `ETag` (304 on `If-None-Match`), `Cache-Control:
 *   no-cache` (revalidate: the names hold no version), a strict Content-Security-Policy (`'self'`
 *   only: no inline script or style, no other origin), `X-Content-Type-Options: nosniff` and
 *   `Referrer-Policy: no-referrer`.
 *
 * The assets are strings in TypeScript modules, never files read at run time: quire must work
 * bundled, compiled, and on Deno with read permission on the database's directory only.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Context } from "hono";
import { PAGE_CSS } from "./page_css.ts";
import { pageHtml } from "./page_html.ts";
import { PAGE_JS } from "./page_js.ts";

/** Options of the search page (`createApp(store, { ui })`). */
export interface UiOptions {
  /** The collection the page opens when its URL has no `?c=`. @default the first with search fields */
  collection?: string | undefined;
}

/** The Content-Security-Policy of the page and its files. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

interface Asset {
  body: string;
  type: string;
  etag: string;
}

function asset(body: string, type: string): Asset {
  const hash = createHash("sha256").update(body).digest("base64url").slice(0, 22);
  return { body, type, etag: `"${hash}"` };
}

// The script and the style sheet are the same for every app; made once.
let shared: { js: Asset; css: Asset } | undefined;

/**
 * What serves the search page: the page's answer to a request for one of its files, else
 * `undefined` (the request goes on to the API).
 *
 * @param options The collection to open by default.
 * @returns A function for a middleware registered with `app.use("*", ...)`.
 */
export function searchPage(options: UiOptions = {}): (c: Context) => Response | undefined {
  shared ??= {
    js: asset(PAGE_JS, "text/javascript; charset=utf-8"),
    css: asset(PAGE_CSS, "text/css; charset=utf-8"),
  };
  const assets: Record<string, Asset> = {
    "/": asset(pageHtml(options.collection), "text/html; charset=utf-8"),
    "/ui/page.js": shared.js,
    "/ui/page.css": shared.css,
  };
  return (c) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return undefined;
    // The prefix the app is mounted under: the calling middleware's route is "<prefix>/*". The path is
    // the URL's own (c.req.path drops the final slash when the parent app is not strict).
    const prefix = c.req.routePath.replace(/\/?\*$/, "");
    const url = new URL(c.req.url);
    if (!url.pathname.startsWith(prefix)) return undefined;
    const rest = url.pathname.slice(prefix.length);
    if (rest === "") {
      // `/db` → `db/`: relative, so that it also holds behind a proxy that adds its own prefix.
      const last = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
      return c.body(null, 308, { Location: `${last}/${url.search}` });
    }
    const found = Object.hasOwn(assets, rest) ? assets[rest] : undefined;
    if (found === undefined) return undefined;
    const headers: Record<string, string> = {
      "Content-Type": found.type,
      "Cache-Control": "no-cache",
      ETag: found.etag,
      "Content-Security-Policy": PAGE_CSP,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    };
    const ifNoneMatch = c.req.header("If-None-Match");
    if (
      ifNoneMatch !== undefined && ifNoneMatch.split(",").some((tag) => tag.trim() === found.etag)
    ) {
      return c.body(null, 304, headers);
    }
    return c.body(found.body, 200, headers);
  };
}
