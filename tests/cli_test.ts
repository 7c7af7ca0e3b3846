// The command line (scripts/quire.ts) and the demo (scripts/start.ts), run as child processes on
// the runtime running the tests, against temporary databases.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ExportRecord, open, ref } from "../mod.ts";

// `ref()`: the Ref interface is no JsonValue to tsc; its spread copy is.

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TMP = mkdtempSync(join(tmpdir(), "quire-cli-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

let counter = 0;
/** A new, unused SQLite URL under the temp directory. */
function tempUrl(): string {
  return `sqlite://${join(TMP, `db${++counter}.db`)}`;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script of scripts/ with the runtime running this test; resolves when it exits. */
function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  const path = join("scripts", script);
  const argv = "Bun" in globalThis ? [path, ...args] : ["run", "-A", path, ...args];
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    ...env,
  };
  if (env.QUIRE_URL === undefined) delete childEnv.QUIRE_URL;
  delete childEnv.DATABASE_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: ROOT,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => stdout += chunk);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr += chunk);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const quire = (...args: string[]) => run("quire.ts", args);

/** Every record of the store at `url`, with the collections and their options. */
async function dump(url: string): Promise<{ collections: unknown; records: ExportRecord[] }> {
  await using store = await open(url);
  const records: ExportRecord[] = [];
  for await (const record of store.export()) records.push(record);
  return { collections: await store.collections(), records };
}

const SLOW = { timeout: 120_000 };

describe("quire CLI", () => {
  test("export then import into a new database gives identical records", SLOW, async () => {
    const source = tempUrl();
    {
      await using store = await open(source);
      const users = store.collection("users", { indexes: ["name", ["age", "name"]] });
      await users.put("u1", {
        name: "Ann",
        age: 41,
        tags: ["a", "b"],
        nested: { deep: [1, null] },
      });
      await users.put("u1", { name: "Ann", age: 42 }); // rev 2
      await users.put("ünï/cödé 🎉", JSON.parse('{"name":"Zoë","__proto__":{"x":1},"t":"a\\nb"}'));
      await store.collection("notes").put("n1", { author: ref("users", "u1"), body: "hi" });
      await store.collection("notes").putMany(
        Array.from({ length: 1200 }, (_, i) => [`bulk-${i}`, { i, even: i % 2 === 0 }] as const),
      );
    }
    const file = join(TMP, "round_trip.ndjson");
    const exported = await quire("export", source, "--out", file);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /exported 1203 documents/);

    // The export on stdout is the same as the file, header time aside.
    const stdout = await quire("export", source);
    assert.equal(stdout.code, 0, stdout.stderr);
    const body = (text: string) => text.slice(text.indexOf("\n"));
    assert.equal(body(stdout.stdout), body(readFileSync(file, "utf8")));

    const target = tempUrl();
    const imported = await quire("import", target, file);
    assert.equal(imported.code, 0, imported.stdout + imported.stderr);
    assert.match(imported.stdout, /imported 1203, skipped 0, failed 0/);
    assert.deepEqual(await dump(target), await dump(source));

    // Again: everything exists already, so everything is skipped.
    const again = await quire("import", target, file);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /imported 0, skipped 1203, failed 0/);
  });

  test("import reports bad lines by number and imports the rest", SLOW, async () => {
    const file = join(TMP, "bad_lines.ndjson");
    const lines = [
      JSON.stringify({ collection: "notes", id: "a", doc: { n: 1 } }),
      "{not json",
      JSON.stringify({ collection: "notes", id: "b", doc: { n: 2 } }),
      JSON.stringify({ collection: "notes", id: "", doc: { n: 3 } }),
      "",
      JSON.stringify({ collection: "9lives", id: "c", doc: {} }),
      JSON.stringify({ collection: "notes", id: "d", doc: "not an object" }),
      JSON.stringify({ collection: "notes", id: "e", doc: { n: 5 } }),
    ];
    writeFileSync(file, lines.join("\n") + "\n");
    const url = tempUrl();
    const result = await quire("import", url, file);
    assert.equal(result.code, 1, "failed lines give exit code 1");
    assert.match(result.stdout, /imported 3, skipped 0, failed 4/);
    const failedLines = [...result.stdout.matchAll(/^ {2}line (\d+)/gm)].map((m) => Number(m[1]));
    assert.deepEqual(failedLines, [2, 4, 6, 7]);
    assert.match(result.stdout, /line 4 \(id ""\): INVALID_ID/);
    assert.match(result.stdout, /line 6 .*INVALID_NAME/);

    await using store = await open(url);
    const notes = store.collection("notes");
    assert.deepEqual((await notes.find()).items.map((e) => [e.id, e.doc]), [
      ["a", { n: 1 }],
      ["b", { n: 2 }],
      ["e", { n: 5 }],
    ]);
  });

  test("check exits 0 on a healthy store and 1 with a dangling reference", SLOW, async () => {
    const url = tempUrl();
    {
      await using store = await open(url);
      await store.collection("users").put("u1", { name: "Ann" });
      await store.collection("notes").put("n1", { author: ref("users", "u1") });
    }
    const healthy = await quire("check", url);
    assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
    assert.match(healthy.stdout, /2 documents checked, 0 problems/);

    {
      await using store = await open(url);
      await store.collection("notes").put("n2", { author: ref("users", "ghost") });
    }
    const broken = await quire("check", url);
    assert.equal(broken.code, 1, broken.stdout + broken.stderr);
    assert.match(broken.stdout, /DANGLING_REF notes\/"n2": .*ghost/);
    assert.match(broken.stdout, /3 documents checked, 1 problem$/m);
  });

  test("find and count take the text form, with sort, fields and pages", SLOW, async () => {
    const url = tempUrl();
    {
      await using store = await open(url);
      await store.collection("speeches").putMany([
        ["s1", { year: 1790, party: "none" }],
        ["s2", { year: 1861, party: "Republican" }],
        ["s3", { year: 2001, party: "Republican" }],
      ]);
    }
    const count = await quire("count", url, "speeches", 'party = "Republican"');
    assert.equal(count.code, 0, count.stderr);
    assert.equal(count.stdout.trim(), "2");
    const found = await quire(
      "find",
      url,
      "speeches",
      "year > 1800",
      "--sort",
      "-year",
      "--fields",
      "year",
    );
    assert.equal(found.code, 0, found.stderr);
    const lines = found.stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((entry) => [entry.id, entry.doc]), [["s3", { year: 2001 }], ["s2", {
      year: 1861,
    }]]);
    const first = await quire("find", url, "speeches", "--limit", "1");
    const next = /^next: (\S+)$/m.exec(first.stderr)?.[1];
    assert.ok(next, first.stderr);
    const second = await quire("find", url, "speeches", "--limit", "1", "--after", next);
    assert.equal(JSON.parse(second.stdout).id, "s2");
    const all = await quire("find", url, "speeches", "--limit", "1", "--all");
    assert.equal(all.stdout.trim().split("\n").length, 3);
    const bad = await quire("find", url, "speeches", "year >>= 1");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^quire: Cannot parse filter at column 7: .* \(INVALID_FILTER\)$/m);
  });

  test(
    "search prints hits as NDJSON, best first, with highlights, facets and pages",
    SLOW,
    async () => {
      const url = tempUrl();
      {
        await using store = await open(url);
        await store.collection("notes", { search: { fields: ["title"] } }).putMany([
          ["a", { title: "Peace and quiet", party: "x" }],
          ["b", { title: "War and peace, peace, peace", party: "y" }],
          ["c", { title: "Nothing here", party: "x" }],
        ]);
      }
      const found = await quire(
        "search",
        url,
        "notes",
        "peace",
        "--highlight",
        "--facets",
        "party",
        "--limit",
        "1",
      );
      assert.equal(found.code, 0, found.stderr);
      const [hit] = found.stdout.trim().split("\n").map((line) => JSON.parse(line));
      assert.equal(hit.id, "b");
      assert.ok(hit.score > 0);
      assert.equal(
        hit.highlights.title,
        "War and <mark>peace</mark>, <mark>peace</mark>, <mark>peace</mark>",
      );
      assert.match(
        found.stderr,
        /^facets: \{"party":\[\{"value":"x","count":1\},\{"value":"y","count":1\}\]\}$/m,
      );
      const next = /^next: (\S+)$/m.exec(found.stderr)?.[1];
      assert.ok(next, found.stderr);
      // The cursor belongs to the same query and options (a filter makes another query).
      const second = await quire("search", url, "notes", "peace", "--limit", "1", "--after", next);
      assert.deepEqual(second.stdout.trim().split("\n").map((line) => JSON.parse(line).id), ["a"]);
      const filtered = await quire("search", url, "notes", "peace", "--filter", 'party = "x"');
      assert.deepEqual(filtered.stdout.trim().split("\n").map((line) => JSON.parse(line).id), [
        "a",
      ]);
      const bad = await quire("search", url, "notes", "x".repeat(2000));
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /\(INVALID_SEARCH\)$/m);
    },
  );

  test("an invalid URL exits 2 with one line naming the code", SLOW, async () => {
    const result = await quire("stats", "postgres://admin:s3cret@db.example/app");
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    const lines = result.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /^quire: Cannot open .* \(INVALID_OPTION\)$/);
    assert.doesNotMatch(result.stderr, /s3cret/);
  });

  test("a missing database, a missing file and a bad command exit 2", SLOW, async () => {
    const missing = await quire("stats", tempUrl());
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^quire: .* \(NOT_FOUND\)\n$/);
    const noFile = await quire("import", tempUrl(), join(TMP, "nothing.ndjson"));
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /^quire: .* \(NOT_FOUND\)\n$/);
    const unknown = await quire("frobnicate");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^quire: Unknown command "frobnicate".* \(USAGE\)\n$/);
    const help = await quire("help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: quire/);
  });

  test("backup writes a copy that stats can read", SLOW, async () => {
    const url = tempUrl();
    {
      await using store = await open(url);
      await store.collection("notes").put("n1", { title: "Hello" });
    }
    const copy = join(TMP, "backup_copy.db");
    const backup = await quire("backup", url, copy);
    assert.equal(backup.code, 0, backup.stderr);
    const stats = await quire("stats", `sqlite://${copy}`);
    assert.equal(stats.code, 0, stats.stderr);
    assert.match(stats.stdout, /^notes\s+1\s+\d+$/m);
    const twice = await quire("backup", url, copy);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /\(STORAGE\)\n$/);
  });
});

describe("npm start demo", () => {
  test("loads the State of the Union corpus once, then only summarises", SLOW, async () => {
    const path = join(TMP, "demo", "quire.db"); // the directory does not exist yet
    const env = { QUIRE_URL: `sqlite://${path}` };
    const first = await run("start.ts", [], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /loaded 233 speeches and \d+ paragraphs/);
    for (const party of ["Republican", "Democratic", "Whig", "Federalist"]) {
      assert.match(first.stdout, new RegExp(`^${party}\\s+\\d+\\s+\\d+$`, "m"));
    }
    assert.match(first.stdout, /2021 {2}Joseph R Biden/);
    // The search: three hits with a score and the matches marked, and counts per party.
    assert.match(first.stdout, /^search "united states" peace -war: .*\(Republican \d+, /m);
    const hits = first.stdout.split("\n").filter((line) =>
      /^ {2}\d{4} .* \d+\.\d\d {2}.*\[/.test(line)
    );
    assert.equal(hits.length, 3, first.stdout);
    {
      await using store = await open(`sqlite://${path}`);
      assert.equal(await store.collection("speeches").count(), 233);
      assert.ok(await store.collection("paragraphs").count() > 2000);
      const paragraph = await store.collection("paragraphs").get("1790-washington-001", {
        resolve: 1,
      });
      assert.equal((paragraph?.speech as { president: string }).president, "George Washington");
    }

    const second = await run("start.ts", [], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /already loaded/);
    assert.doesNotMatch(second.stdout, /loaded 233/);
    assert.match(second.stdout, /^Republican\s+\d+\s+\d+$/m);
  });
});
