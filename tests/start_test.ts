/**
 * `npm start` (scripts/start.ts) as a child process on the runtime running the tests: the first
 * run loads the State of the Union corpus and serves the page and the API; a later run only
 * opens the store and serves; SIGTERM stops it cleanly.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { open } from "../mod.ts";
import { scriptArgs, tempDir } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TMP = tempDir("quire-start-");
after(() => TMP.remove());

/** A running demo: its output so far, and its exit. */
interface Demo {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startDemo(env: Record<string, string>, ...args: string[]): Demo {
  const childEnv: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...env };
  delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, scriptArgs(join("scripts", "start.ts"), ...args), {
    cwd: ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => output += chunk);
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => output += chunk);
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, output: () => output, exited };
}

/** The URL the demo prints once it listens; fails if it exits first or takes over 60 s. */
async function listening(demo: Demo): Promise<URL> {
  let exited = false;
  demo.exited.then(() => exited = true);
  for (let waited = 0; waited < 60_000; waited += 50) {
    const found = /serving the search page and the HTTP API on (\S+)/.exec(demo.output());
    if (found) return new URL(found[1]);
    if (exited) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.kill(demo.child.pid!, "SIGKILL");
  assert.fail(`the demo never listened:\n${demo.output()}`);
}

/** Sends SIGTERM (not ChildProcess.kill: on Deno that closes stdin first) and waits. */
async function stop(demo: Demo): Promise<number | null> {
  process.kill(demo.child.pid!, "SIGTERM");
  return await demo.exited;
}

const SLOW = { timeout: 120_000 };

describe("npm start demo", () => {
  const path = join(TMP.dir, "demo", "quire.db"); // the directory does not exist yet
  const env = { QUIRE_URL: `sqlite://${path}`, PORT: "0" };

  test("the first run loads the corpus, summarises it and serves it", SLOW, async () => {
    const demo = startDemo(env);
    try {
      const url = await listening(demo);
      const out = demo.output();
      assert.match(out, /loaded 233 speeches and \d+ paragraphs/);
      for (const party of ["Republican", "Democratic", "Whig", "Federalist"]) {
        assert.match(out, new RegExp(`^${party}\\s+\\d+\\s+\\d+$`, "m"));
      }
      assert.match(out, /2021 {2}Joseph R Biden/);
      // The search: three hits with a score and the matches marked, and counts per party.
      assert.match(out, /^search "united states" peace -war: .*\(Republican \d+, /m);
      const hits = out.split("\n").filter((line) => /^ {2}\d{4} .* \d+\.\d\d {2}.*\[/.test(line));
      assert.equal(hits.length, 3, out);
      // What it prints to try next works as printed.
      const curl = /curl '([^']+)'/.exec(out);
      assert.ok(curl, out);
      const found = await (await fetch(curl[1])).json();
      assert.equal(found.hits.length, 2);
      assert.match(found.hits[0].doc.text, /liberty/i);

      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("Content-Type") ?? "", /^text\/html/);
      await page.body?.cancel();
      const filtered = await fetch(
        new URL(`v1/collections/paragraphs/docs?filter=${encodeURIComponent("year = 1862")}`, url),
      );
      assert.ok(
        (await filtered.json()).items.every((item: { doc: { year: number } }) =>
          item.doc.year === 1862
        ),
      );
      assert.match(demo.output(), /^GET \/v1\/collections\/paragraphs\/docs\?filter 200 /m);
    } finally {
      assert.equal(await stop(demo), 0, demo.output());
    }
    assert.match(demo.output(), /SIGTERM: finishing the requests in flight/);

    await using store = await open(`sqlite://${path}`);
    assert.equal(await store.collection("speeches").count(), 233);
    assert.ok(await store.collection("paragraphs").count() > 2000);
    const paragraph = await store.collection("paragraphs").get("1790-washington-001", {
      resolve: 1,
    });
    assert.equal((paragraph?.speech as { president: string }).president, "George Washington");
  });

  test("a later run only opens the store, then serves", SLOW, async () => {
    const demo = startDemo(env);
    try {
      const url = await listening(demo);
      assert.match(demo.output(), /already loaded/);
      assert.doesNotMatch(demo.output(), /loaded 233/);
      assert.equal((await (await fetch(new URL("healthz", url))).json()).ok, true);
    } finally {
      assert.equal(await stop(demo), 0, demo.output());
    }
  });

  test("--no-serve stops after the summary; a bad PORT is a clear error", SLOW, async () => {
    const summary = startDemo(env, "--no-serve");
    assert.equal(await summary.exited, 0, summary.output());
    assert.match(summary.output(), /^Republican\s+\d+\s+\d+$/m);
    assert.doesNotMatch(summary.output(), /serving/);

    const bad = startDemo({ ...env, PORT: "eighty" }, "--no-serve");
    assert.equal(await bad.exited, 0, bad.output()); // --no-serve never reads PORT
    const refused = startDemo({ ...env, PORT: "eighty" });
    assert.equal(await refused.exited, 2, refused.output());
    assert.match(refused.output(), /quire: port must be an integer .* \(INVALID_OPTION\)/);
  });
});
