/**
 * `quire copy <from-url> <to-url>` (scripts/lib/cli_copy.ts): the demo corpus of `npm start`
 * (18,098 paragraphs and 233 speeches, loaded by scripts/start.ts into a temporary SQLite file)
 * moves to another backend and back with an identical export: the same collections and options,
 * and every document with its rev, times and text byte for byte. Through Postgres when a
 * throwaway server can start here (else that case is skipped with the reason printed), and its
 * speeches through a file:// directory always. Reruns are safe, `--resume` skips what is there, and bad
 * arguments get clear errors.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { exportNdjson, open } from "../mod.ts";
import { type PgServer, pgServerUnavailable, startPgServer } from "../scripts/lib/pg_server.ts";
import type { Io } from "../scripts/lib/cli_io.ts";
import { main } from "../scripts/quire.ts";
import { runtime, scriptArgs, tempDir } from "./helpers.ts";

const SLOW = { timeout: 240_000 };
const { dir, remove } = tempDir("quire-copy-");
after(remove);

// The demo corpus's round trips (about 25 s) run once per suite, on Bun; the rest everywhere.
const DEMO_SKIP = runtime === "bun" ? false : "the demo corpus's copies run once per suite, on Bun";
if (DEMO_SKIP) console.log(`quire copy of the demo corpus skipped: ${DEMO_SKIP}`);
const pgUnavailable = DEMO_SKIP ? undefined : pgServerUnavailable();
if (pgUnavailable !== undefined) console.log(`quire copy to Postgres skipped: ${pgUnavailable}`);
// Started while the module loads: Bun's hooks time out after 5 s whatever node:test is told.
const server: PgServer | undefined = !DEMO_SKIP && pgUnavailable === undefined
  ? await startPgServer()
  : undefined;
after(() => server?.stop());

/** The demo corpus in a SQLite file, loaded by `npm start`'s own script. */
function demoStore(): string {
  const path = join(dir, "demo.db");
  const result = spawnSync(process.execPath, scriptArgs("scripts/start.ts", "--no-serve"), {
    env: { ...process.env, QUIRE_URL: `sqlite://${path}`, NO_COLOR: "1" },
    encoding: "utf8",
    timeout: 180_000,
  });
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  return `sqlite://${path}`;
}
const DEMO = DEMO_SKIP ? "" : demoStore();

/** Runs `quire <args>` in-process; stdout and stderr are pipes. */
async function quire(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const sink = () => {
    const stream = {
      isTTY: false,
      text: "",
      write(chunk: string, callback?: (error?: Error | null) => void) {
        stream.text += chunk;
        callback?.();
        return true;
      },
    };
    return stream;
  };
  const [stdout, stderr] = [sink(), sink()];
  const io = { stdin: { isTTY: true }, stdout, stderr, env: {} } as unknown as Io;
  const code = await main(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A store's NDJSON export (of `collections`, or all) without its header's time. */
async function exported(url: string, collections?: string[]): Promise<string> {
  await using store = await open(url);
  let text = "";
  for await (const line of exportNdjson(store, { collections })) text += line;
  return text.replace(/"exportedAt":"[^"]*",/, "");
}

describe(`quire copy (${runtime})`, () => {
  test("the demo's speeches to file:// and back: an identical export", {
    ...SLOW,
    skip: DEMO_SKIP,
  }, async () => {
    // One collection: the file backend writes a file per document, 18,331 of them take a minute.
    const files = `file://${join(dir, "files")}`;
    const back = `sqlite://${join(dir, "back-from-files.db")}`;
    const there = await quire("copy", DEMO, files, "speeches");
    assert.equal(there.code, 0, there.stderr);
    const report = JSON.parse(there.stdout);
    assert.deepEqual([report.collections, report.imported, report.failedCount], [1, 233, 0]);
    assert.equal((await quire("copy", files, back)).code, 0);
    assert.equal(await exported(back), await exported(DEMO, ["speeches"]));
  });

  test("the demo corpus to Postgres and back: an identical export", {
    ...SLOW,
    skip: DEMO_SKIP || (pgUnavailable ?? false),
  }, async () => {
    const pg = `${server!.url}?schema=demo_${runtime}`;
    const back = `sqlite://${join(dir, "back-from-postgres.db")}`;
    const there = await quire("copy", DEMO, pg);
    assert.equal(there.code, 0, there.stderr);
    assert.match(there.stderr, /copied 18,331 documents of 2 collections/);
    assert.equal((await quire("copy", pg, back)).code, 0);
    assert.equal(await exported(back), await exported(DEMO));
    // The copy on Postgres answers as the original does.
    await using store = await open(pg);
    const paragraphs = store.collection("paragraphs");
    assert.deepEqual(
      await paragraphs.entry("1861-lincoln-001"),
      await (await open(DEMO)).collection("paragraphs").entry("1861-lincoln-001"),
    );
  });

  test("a rerun leaves the same store; --resume skips what the target has", SLOW, async () => {
    const source = `sqlite://${join(dir, "small.db")}`;
    const target = `sqlite://${join(dir, "small-copy.db")}`;
    {
      await using store = await open(source);
      await store.collection("notes", { indexes: ["n"] }).putMany(
        Array.from({ length: 2_500 }, (_, i) => [`n${i}`, { n: i }] as const),
      );
      await store.collection("notes").put("n0", { n: -1 }); // rev 2
    }
    assert.equal((await quire("copy", source, target)).code, 0);
    const first = await exported(target);
    assert.equal(first, await exported(source));
    assert.equal((await quire("copy", source, target)).code, 0);
    assert.equal(await exported(target), first, "a rerun changes nothing");
    const resumed = await quire("copy", "--resume", source, target);
    assert.equal(JSON.parse(resumed.stdout).skipped, 2_500);
    assert.match(resumed.stderr, /skipped 2,500 the target had/);
  });

  test("only the collections named; clear errors for bad arguments", {
    skip: DEMO_SKIP,
  }, async () => {
    const target = `sqlite://${join(dir, "speeches-only.db")}`;
    const copied = await quire("copy", DEMO, target, "speeches");
    assert.equal(JSON.parse(copied.stdout).imported, 233);
    {
      await using store = await open(target);
      assert.deepEqual((await store.collections()).map((c) => c.name), ["speeches"]);
    }
    const missing = await quire("copy", DEMO, target, "nope");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No collection "nope"/);
    const nowhere = await quire("copy", `sqlite://${join(dir, "absent.db")}`, target);
    assert.equal(nowhere.code, 1);
    assert.match(nowhere.stderr, /No database at/);
    const bad = await quire("copy", "mysql://x", target);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Cannot open a "mysql:" URL/);
    assert.equal((await quire("copy", DEMO)).code, 2, "two URLs are needed");
  });
});
