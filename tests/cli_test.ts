// The command line (scripts/quire.ts) and the demo (scripts/start.ts). Most cases call the CLI's
// main(argv, io) in-process with their own streams (a pipe, or a pretend terminal); a few run it
// as a child process on the runtime running the tests, for what only a process shows: exit
// codes, stdin from a pipe, and `quire serve` with its signals.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ExportRecord, open, ref } from "../mod.ts";
import { main } from "../scripts/quire.ts";
import type { Io } from "../scripts/lib/cli_io.ts";
import { CLI_DEFAULT_URL, targetOf } from "../scripts/lib/cli_store.ts";
import pkg from "../package.json" with { type: "json" };
import { scriptArgs } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TMP = mkdtempSync(join(tmpdir(), "quire-cli-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

let counter = 0;
/** A new, unused SQLite file under the temp directory. */
function tempPath(): string {
  return join(TMP, `db${++counter}.db`);
}
function tempUrl(): string {
  return `sqlite://${tempPath()}`;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface CliOptions {
  /** stdin's text; none means a terminal. */
  stdin?: string;
  /** stdout (and stderr unless `stderrTty` says otherwise) is a terminal. */
  tty?: boolean;
  stderrTty?: boolean;
  env?: Record<string, string | undefined>;
}

/** A stream that keeps what is written to it. */
function sink(isTTY: boolean) {
  const stream = {
    isTTY,
    columns: 120,
    text: "",
    write(chunk: string, callback?: (error?: Error | null) => void): boolean {
      stream.text += chunk;
      callback?.();
      return true;
    },
  };
  return stream;
}

/** Runs `quire <args>` in-process against `url` (unless args give --db). */
async function cli(args: string[], options: CliOptions = {}): Promise<Result> {
  const stdout = sink(options.tty === true);
  const stderr = sink(options.stderrTty ?? options.tty === true);
  const text = options.stdin;
  const stdin = {
    isTTY: text === undefined,
    async *[Symbol.asyncIterator]() {
      if (text !== undefined) yield new TextEncoder().encode(text);
    },
  };
  const io: Io = { stdin, stdout, stderr, env: options.env ?? {} };
  const code = await main(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** `quire <args> --db <url>`. */
const on = (url: string, ...args: string[]) => cli([...args, "--db", url]);

/** Runs a script of scripts/ as a child process with the runtime running this test. */
function run(
  script: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<Result> {
  const child = start(script, args, options.env);
  child.stdin.end(options.stdin ?? "");
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => stdout += chunk);
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr += chunk);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function start(script: string, args: string[], env: Record<string, string> = {}) {
  const path = join("scripts", script);
  const argv = scriptArgs(path, ...args);
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    ...env,
  };
  for (const name of ["QUIRE_URL", "DATABASE_URL", "QUIRE_TOKEN", "PORT"]) {
    if (env[name] === undefined) delete childEnv[name];
  }
  return spawn(process.execPath, argv, { cwd: ROOT, env: childEnv, stdio: "pipe" });
}

/** Every record of the store at `url`, with the collections and their options. */
async function dump(url: string): Promise<{ collections: unknown; records: ExportRecord[] }> {
  await using store = await open(url);
  const records: ExportRecord[] = [];
  for await (const record of store.export()) records.push(record);
  return { collections: await store.collections(), records };
}

const ndjson = (text: string) =>
  text.trim() === "" ? [] : text.trim().split("\n").map((line) => JSON.parse(line));

/** A database with users, notes (searchable) and a dangling reference or not. */
async function sample(url = tempUrl()): Promise<string> {
  await using store = await open(url);
  await store.collection("users").put("u1", { name: "Ann", age: 41 });
  await store.collection("notes", { search: { fields: ["title"] } }).putMany([
    ["a", { title: "Peace and quiet", year: 1990, party: "x", author: ref("users", "u1") }],
    ["b", { title: "War and peace, peace, peace", year: 2001, party: "y" }],
    ["c", { title: "Nothing here", year: 1861, party: "x" }],
  ]);
  return url;
}

const SLOW = { timeout: 120_000 };

describe("quire CLI: arguments, help and exit codes", () => {
  test("--version, help, a command's --help", async () => {
    const version = await cli(["--version"]);
    assert.deepEqual(version, { code: 0, stdout: `quire ${pkg.version}\n`, stderr: "" });
    const help = await cli(["help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: quire <command>/);
    for (
      const name of [
        "serve",
        "get",
        "put",
        "delete",
        "find",
        "count",
        "search",
        "collections",
        "create",
        "stats",
        "export",
        "import",
        "backup",
        "check",
        "reindex",
      ]
    ) {
      assert.match(help.stdout, new RegExp(`^  ${name} `, "m"));
      const own = await cli([name, "--help"]);
      assert.equal(own.code, 0, own.stderr);
      assert.match(own.stdout, new RegExp(`^usage: quire ${name}`));
      assert.match(own.stdout, /--db <url> +the database \(default: QUIRE_URL, else DATABASE_URL/);
    }
    assert.equal((await cli(["help", "find"])).stdout, (await cli(["find", "-h"])).stdout);
    assert.match((await cli(["--help"])).stdout, /^usage: quire <command>/);
  });

  test("usage errors exit 2 with the command's usage line", async () => {
    const cases: [string[], RegExp][] = [
      [[], /^usage: quire <command>/],
      [["frobnicate"], /^quire: Unknown command "frobnicate" \(USAGE\)\n/],
      [["--db", "memory://", "stats"], /The command goes first/],
      [["help", "nothing"], /Unknown command "nothing"/],
      [["find"], /^quire: find needs <collection> \(USAGE\)\nusage: quire find <collection>/],
      [["find", "a", "b", "c"], /find takes at most 2 arguments/],
      [
        ["stats", "sqlite://x.db"],
        /at most 0 arguments, not 1 \(a database URL goes in --db <url>\)/,
      ],
      [["get", "notes", "--bogus"], /^quire: Unknown option '--bogus' \(USAGE\)/],
      [["get", "notes", "n1", "--resolve", "99"], /--resolve takes a whole number from 0 to 16/],
      [["find", "notes", "--limit"], /--limit <value>' argument missing/],
      [["find", "notes", "--limit", "0"], /--limit takes a whole number 1 or more, not "0"/],
      [["find", "notes", "--all=yes"], /'--all' does not take an argument/],
      [["put", "notes", "n1"], /put needs the document/],
      [["check", "--max-problems", "-1"], /--max-problems takes a whole number/],
      [["import", "-"], /stdin, which is a terminal/],
      [["import", "x.json", "--id-field", "id"], /--id-field goes with --collection/],
      [["serve", "--port", "70000"], /--port takes a whole number from 0 to 65535/],
      [["stats", "--db", "mysql://admin:s3cret@db.example/app"], /--db: Cannot open/],
    ];
    for (const [args, pattern] of cases) {
      const result = await cli(args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, pattern, args.join(" "));
      assert.equal(result.stdout, "", args.join(" "));
      assert.doesNotMatch(result.stderr, /s3cret/);
    }
  });

  test("the database: --db, else QUIRE_URL, else DATABASE_URL, else the demo's", async () => {
    assert.equal(CLI_DEFAULT_URL, "sqlite://data/quire.db");
    assert.deepEqual(targetOf(undefined, {}), { url: CLI_DEFAULT_URL, from: "default" });
    const env = { QUIRE_URL: "memory://", DATABASE_URL: "sqlite::memory:" };
    assert.equal(targetOf(undefined, env).url, "memory://");
    assert.equal(targetOf(undefined, { DATABASE_URL: "sqlite::memory:" }).url, "sqlite::memory:");
    assert.equal(targetOf("file://x", env).url, "file://x");

    const url = await sample();
    const fromQuire = await cli(["count", "notes"], { env: { QUIRE_URL: url } });
    assert.deepEqual(fromQuire, { code: 0, stdout: "3\n", stderr: "" });
    const fromDatabase = await cli(["count", "users"], { env: { DATABASE_URL: url } });
    assert.equal(fromDatabase.stdout, "1\n");
    // A bad URL from the environment is a failure, not a usage error, and says where it came from.
    const bad = await cli(["stats"], { env: { DATABASE_URL: "mysql://u:s3cret@h/db" } });
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^quire: Cannot open .*\(the URL is DATABASE_URL\) \(INVALID_OPTION\)\n$/,
    );
    assert.doesNotMatch(bad.stderr, /s3cret/);
  });

  test("reads of a missing database fail and create nothing", async () => {
    const path = join(TMP, "missing", "nothing.db");
    const url = `sqlite://${path}`;
    const reads = [
      ["get", "notes", "n1"],
      ["find", "notes"],
      ["count", "notes"],
      ["search", "notes", "x"],
      ["export"],
      ["stats"],
      ["check"],
      ["collections"],
      ["backup", join(TMP, "never.db")],
    ];
    for (const args of reads) {
      const result = await on(url, ...args);
      assert.equal(result.code, 1, args[0]);
      assert.equal(
        result.stderr,
        `quire: No database at ${JSON.stringify(path)} (the URL is --db) (NOT_FOUND)\n`,
      );
    }
    assert.equal(existsSync(join(TMP, "missing")), false);
    const dir = await on(`file://${join(TMP, "no-dir")}`, "stats");
    assert.equal(dir.code, 1);
    assert.match(dir.stderr, /No database at .*no-dir/);
  });

  test("reads and deletes of a missing collection fail", async () => {
    const url = await sample();
    for (
      const args of [
        ["get", "ghosts", "g1"],
        ["find", "ghosts"],
        ["count", "ghosts"],
        ["search", "ghosts", "x"],
        ["export", "notes", "ghosts"],
        ["delete", "ghosts", "g1"],
        ["reindex", "ghosts"],
      ]
    ) {
      const result = await on(url, ...args);
      assert.equal(result.code, 1, args[0]);
      assert.equal(result.stderr, 'quire: No collection "ghosts" (NOT_FOUND)\n', args[0]);
    }
    const badName = await on(url, "find", "9lives");
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /\(INVALID_NAME\)\n$/);
  });
});

describe("quire CLI: documents", () => {
  test("put from an argument or stdin, get, delete", async () => {
    const url = `sqlite://${join(TMP, "new", "dir", "docs.db")}`; // the directory is made
    const created = await on(url, "put", "notes", "n1", '{"title":"Hello","tags":["a"]}');
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(
      Object.keys(JSON.parse(created.stdout)),
      ["id", "rev", "createdAt", "updatedAt"],
    );
    const piped = await cli(["put", "notes", "n1", "--db", url], { stdin: '{"title":"Again"}' });
    assert.equal(JSON.parse(piped.stdout).rev, 2);
    const dash = await cli(["put", "notes", "n2", "-", "--db", url], { stdin: '{"n":2}\n' });
    assert.equal(JSON.parse(dash.stdout).rev, 1);
    const tty = await cli(["put", "notes", "n3", '{"n":3}', "--db", url], { tty: true });
    assert.equal(tty.stdout, 'created notes/"n3": rev 1\n');

    assert.deepEqual(JSON.parse((await on(url, "get", "notes", "n1")).stdout), { title: "Again" });
    const meta = JSON.parse((await on(url, "get", "notes", "n1", "--meta")).stdout);
    assert.equal(meta.rev, 2);
    assert.deepEqual(meta.doc, { title: "Again" });
    const pretty = await cli(["get", "notes", "n1", "--db", url], { tty: true });
    assert.equal(pretty.stdout, '{\n  "title": "Again"\n}\n');

    const conflict = await on(url, "put", "notes", "n1", "{}", "--if-rev", "1");
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /\(CONFLICT\)\n$/);
    const notJson = await on(url, "put", "notes", "n1", "{title:");
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /^quire: The document is not JSON: .*\(INVALID_DOCUMENT\)\n$/);
    const notObject = await on(url, "put", "notes", "n1", "[1]");
    assert.equal(notObject.code, 1);
    assert.match(notObject.stderr, /\(INVALID_DOCUMENT\)\n$/);

    const missing = await on(url, "get", "notes", "zz");
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'quire: No document "zz" in collection "notes" (NOT_FOUND)\n');

    const deleted = await on(url, "delete", "notes", "n2");
    assert.deepEqual(JSON.parse(deleted.stdout), { collection: "notes", id: "n2", deleted: true });
    const again = await on(url, "delete", "notes", "n2");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /No document "n2"/);
    const wrongRev = await on(url, "delete", "notes", "n1", "--if-rev", "1");
    assert.equal(wrongRev.code, 1);
    assert.match(wrongRev.stderr, /\(CONFLICT\)\n$/);
    assert.equal((await on(url, "get", "notes", "n1")).code, 0);
  });

  test("get --resolve follows references", async () => {
    const url = await sample();
    const resolved = await on(url, "get", "notes", "a", "--resolve", "1");
    assert.deepEqual(JSON.parse(resolved.stdout).author, { name: "Ann", age: 41 });
  });

  test("find and count take the text form, with sort, fields and pages", async () => {
    const url = await sample();
    const count = await on(url, "count", "notes", 'party = "x"');
    assert.deepEqual(count, { code: 0, stdout: "2\n", stderr: "" });
    assert.equal((await on(url, "count", "notes")).stdout, "3\n");
    // `--sort -year`: a valued option takes the next argument, even one starting with "-".
    const found = await on(
      url,
      "find",
      "notes",
      "year > 1800",
      "--sort",
      "-year",
      "--fields",
      "year",
    );
    assert.equal(found.code, 0, found.stderr);
    assert.deepEqual(ndjson(found.stdout).map((entry) => [entry.id, entry.doc]), [
      ["b", { year: 2001 }],
      ["a", { year: 1990 }],
      ["c", { year: 1861 }],
    ]);
    const first = await on(url, "find", "notes", "--limit", "1");
    const next = /^next: (\S+)\n$/.exec(first.stderr)?.[1];
    assert.ok(next, first.stderr);
    const second = await on(url, "find", "notes", "--limit", "1", "--after", next);
    assert.deepEqual(ndjson(second.stdout).map((entry) => entry.id), ["b"]);
    const all = await on(url, "find", "notes", "--limit=1", "--all");
    assert.deepEqual(ndjson(all.stdout).map((entry) => entry.id), ["a", "b", "c"]);
    assert.equal(all.stderr, "");

    const table = await cli(["find", "notes", "--db", url, "--fields", "title,year"], {
      tty: true,
    });
    assert.equal(
      table.stdout,
      [
        "id  title                        year",
        "--  ---------------------------  ----",
        "a   Peace and quiet              1990",
        "b   War and peace, peace, peace  2001",
        "c   Nothing here                 1861",
        "3 documents",
        "",
      ].join("\n"),
    );
    const forced = await cli(["count", "notes", "--db", url, "--json"], { tty: true });
    assert.equal(forced.stdout, "3\n");

    const bad = await on(url, "find", "notes", "year >>= 1");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^quire: Cannot parse filter at column 7: .* \(INVALID_FILTER\)\n$/);
  });

  test("search prints hits, best first, with highlights, facets and pages", async () => {
    const url = await sample();
    const found = await on(
      url,
      "search",
      "notes",
      "peace",
      "--highlight",
      "--facet",
      "party",
      "--facet",
      "year",
      "--limit",
      "1",
    );
    assert.equal(found.code, 0, found.stderr);
    const [hit, ...rest] = ndjson(found.stdout);
    assert.equal(rest.length, 0);
    assert.equal(hit.id, "b");
    assert.ok(hit.score > 0);
    assert.equal(
      hit.highlights.title,
      "War and <mark>peace</mark>, <mark>peace</mark>, <mark>peace</mark>",
    );
    const facets = JSON.parse(/^facets: (.*)$/m.exec(found.stderr)![1]);
    assert.deepEqual(facets.party, [{ value: "x", count: 1 }, { value: "y", count: 1 }]);
    assert.equal(facets.year.length, 2);
    const next = /^next: (\S+)$/m.exec(found.stderr)?.[1];
    assert.ok(next, found.stderr);
    const second = await on(url, "search", "notes", "peace", "--limit", "1", "--after", next);
    assert.deepEqual(ndjson(second.stdout).map((h) => h.id), ["a"]);
    const filtered = await on(url, "search", "notes", "peace", "--filter", 'party = "x"');
    assert.deepEqual(ndjson(filtered.stdout).map((h) => h.id), ["a"]);
    // A query starting with "-" goes after "--".
    const negative = await cli(["search", "notes", "--db", url, "--", "-war peace"]);
    assert.deepEqual(ndjson(negative.stdout).map((h) => h.id), ["a"]);

    const tty = await cli(
      ["search", "notes", "quiet", "--highlight", "--facet", "party", "--db", url],
      { tty: true, env: { NO_COLOR: "1" } },
    );
    assert.match(
      tty.stdout,
      /^1\. a {2}\(score [\d.e-]+\)\n {3}title: Peace and <mark>quiet<\/mark>\n/,
    );
    assert.match(tty.stdout, /^1 hit\nparty: x 1\n$/m);

    const tooLong = await on(url, "search", "notes", "x".repeat(2000));
    assert.equal(tooLong.code, 1);
    assert.match(tooLong.stderr, /\(INVALID_SEARCH\)\n$/);
    const noFields = await on(url, "search", "users", "Ann");
    assert.equal(noFields.code, 1);
    assert.match(noFields.stderr, /has no search fields.*\(UNSUPPORTED\)\n$/);
    const noQuery = await on(url, "search", "notes");
    assert.equal(noQuery.code, 2);
    assert.match(noQuery.stderr, /search needs <query>/);
  });
});

describe("quire CLI: collections", () => {
  test("create sets indexes and search fields; collections lists them", async () => {
    const url = tempUrl();
    const created = await on(
      url,
      "create",
      "speeches",
      "--index",
      "year",
      "--index",
      "party,year",
      "--search",
      "title:3",
      "--search",
      "text",
      "--tokenizer",
      "porter",
    );
    assert.equal(created.code, 0, created.stderr);
    const report = JSON.parse(created.stdout);
    assert.equal(report.created, true);
    assert.deepEqual(report.options.indexes, ["year", ["party", "year"]]);
    assert.deepEqual(report.options.search.fields, ["title", "text"]);
    assert.deepEqual(report.options.search.weights, [3, 1]);
    assert.equal(report.options.search.tokenizer, "porter");

    // Only what is given changes: a new tokenizer keeps the fields and the indexes.
    const changed = await on(url, "create", "speeches", "--tokenizer", "trigram");
    assert.equal(JSON.parse(changed.stdout).changed, true);
    {
      await using store = await open(url);
      const [entry] = await store.collections();
      assert.deepEqual(entry.options.indexes, ["year", ["party", "year"]]);
      assert.deepEqual(entry.options.search?.fields, ["title", "text"]);
      assert.equal(entry.options.search?.tokenizer, "trigram");
      await store.collection("speeches").put("s1", { title: "Union", text: "state" });
    }
    const same = await on(url, "create", "speeches");
    assert.equal(JSON.parse(same.stdout).unchanged, true);
    await on(url, "create", "empty");

    const listed = await on(url, "collections");
    assert.deepEqual(ndjson(listed.stdout).map(({ name, count }) => [name, count]), [
      ["empty", 0],
      ["speeches", 1],
    ]);
    const table = await cli(["collections", "--db", url], { tty: true });
    assert.match(table.stdout, /^collection +documents +indexes +search$/m);
    assert.match(table.stdout, /^speeches +1 +year; party\+year +title\^3 text \(trigram\)$/m);

    for (
      const [args, pattern] of [
        [["--tokenizer", "klingon"], /unknown tokenizer "klingon"/],
        [["--search", "title:heavy"], /--search takes field\[:weight\]/],
        [["--index", "a..b"], /\(USAGE\)/],
      ] as [string[], RegExp][]
    ) {
      const bad = await on(url, "create", "speeches", ...args);
      assert.equal(bad.code, 2, args.join(" "));
      assert.match(bad.stderr, pattern);
    }
    const needsFields = await on(url, "create", "empty", "--tokenizer", "porter");
    assert.equal(needsFields.code, 2);
    assert.match(needsFields.stderr, /need search fields/);
    const badName = await on(url, "create", "9lives");
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /\(INVALID_NAME\)\n$/);
  });

  test("reindex rebuilds search indexes, with a bar on a terminal", async () => {
    const url = await sample();
    const all = await on(url, "reindex");
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(ndjson(all.stdout), [{ collection: "notes", documents: 3 }]);
    assert.match(all.stderr, /^quire: reindexed notes: 3 documents in [\d.]+s \(.*\/s\)\n$/);
    const tty = await cli(["reindex", "notes", "--db", url], { tty: true });
    assert.equal(tty.code, 0);
    assert.equal(tty.stdout, "reindexed notes: 3 documents\n");
    assert.match(tty.stderr, /reindex notes .* 100% \| 3\/3 documents/);
    const noFields = await on(url, "reindex", "users");
    assert.equal(noFields.code, 1);
    assert.match(noFields.stderr, /\(UNSUPPORTED\)\n$/);
    const none = await on(tempUrl(), "reindex");
    assert.equal(none.code, 0);
    assert.match(none.stderr, /nothing to reindex/);
  });
});

describe("quire CLI: whole-store jobs", () => {
  test("stats as JSON and as a table", async () => {
    const url = await sample();
    const json = JSON.parse((await on(url, "stats")).stdout);
    assert.equal(json.backend, "sqlite");
    assert.deepEqual(Object.keys(json.collections), ["notes", "users"]);
    assert.equal(json.collections.notes.count, 3);
    const table = await cli(["stats", "--db", url], { tty: true });
    assert.match(table.stdout, /^notes +3 +[\d,]+$/m);
    assert.match(table.stdout, /^total +4 +[\d,]+$/m);
    assert.match(table.stdout, /^journalMode +wal$/m);
  });

  test("check: exit 0 when healthy, 1 with problems, printed capped", async () => {
    const url = await sample();
    const healthy = await on(url, "check");
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.deepEqual(JSON.parse(healthy.stdout), {
      ok: true,
      documents: 4,
      problemCount: 0,
      problems: [],
    });
    assert.match(healthy.stderr, /^quire: checked .*: 4 documents checked, 0 problems in /);
    {
      await using store = await open(url);
      await store.collection("refs").putMany(
        Array.from({ length: 25 }, (_, i) => [`r${i}`, { to: ref("users", `ghost${i}`) }] as const),
      );
    }
    const broken = await cli(["check", "--db", url], { tty: true, stderrTty: false });
    assert.equal(broken.code, 1);
    const lines = broken.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 20 + 2);
    assert.match(lines[0], /^DANGLING_REF refs\/"r0": References users\/"ghost0"/);
    assert.equal(lines[20], "… and 5 more (--max-problems shows more)");
    assert.equal(lines[21], "29 documents checked, 25 problems");
    const two = await on(url, "check", "--max-problems", "2");
    assert.equal(two.code, 1);
    const report = JSON.parse(two.stdout);
    assert.equal(report.problemCount, 25);
    assert.equal(report.problems.length, 2);
  });

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
    const exported = await on(source, "export", "--out", file);
    assert.equal(exported.code, 0, exported.stderr);
    assert.deepEqual(JSON.parse(exported.stdout), { out: file, documents: 1203 });
    assert.match(exported.stderr, /^quire: exported 1,203 documents to .* in [\d.]+s \(/);

    // The export on stdout is the same as the file, header time aside.
    const stdout = await on(source, "export");
    assert.equal(stdout.code, 0, stdout.stderr);
    const body = (text: string) => text.slice(text.indexOf("\n"));
    assert.equal(body(stdout.stdout), body(readFileSync(file, "utf8")));

    const target = tempUrl();
    const imported = await on(target, "import", file);
    assert.equal(imported.code, 0, imported.stderr);
    assert.deepEqual(JSON.parse(imported.stdout), {
      imported: 1203,
      skipped: 0,
      failed: [],
      failedCount: 0,
    });
    assert.match(
      imported.stderr,
      /^quire: imported 1,203, skipped 0, failed 0 in .* (B|KiB|MiB|GiB)\/s\)\n$/,
    );
    assert.deepEqual(await dump(target), await dump(source));

    // Again: everything exists already, so everything is skipped; --replace overwrites.
    const again = await cli(["import", file, "--db", target], { tty: true });
    assert.equal(again.code, 0);
    assert.equal(again.stdout, "imported 0, skipped 1,203, failed 0\n");
    assert.match(again.stderr, /import .* 100% \| .*KiB\/.*KiB \|/); // the bar, by bytes
    const replaced = await on(target, "import", file, "--replace");
    assert.equal(JSON.parse(replaced.stdout).imported, 1203);

    // Some collections only, with their options in the header.
    const some = await on(source, "export", "users");
    const [header, ...records] = ndjson(some.stdout);
    assert.deepEqual(Object.keys(header.collections), ["users"]);
    assert.deepEqual(header.collections.users.indexes, ["name", ["age", "name"]]);
    const users = (await dump(source)).records.filter((r) => r.collection === "users");
    assert.deepEqual(records, users);
    const onTerminal = await cli(["export", "users", "--db", source], { tty: true });
    assert.equal(onTerminal.stderr, "", "no bar over NDJSON on a terminal");
    assert.equal(ndjson(onTerminal.stdout).length, 3);

    const unwritable = await on(source, "export", "--out", join(TMP, "no", "such", "dir.ndjson"));
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /^quire: Cannot write .*\(STORAGE\)\n$/);
  });

  test("import reports bad lines by number and imports the rest", async () => {
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
    const result = await cli(["import", file, "--db", url], { tty: true, stderrTty: false });
    assert.equal(result.code, 1, "failed lines give exit code 1");
    const out = result.stdout.split("\n");
    assert.equal(out[0], "imported 3, skipped 0, failed 4");
    assert.deepEqual(out.slice(1, 5).map((line) => Number(/^ {2}line (\d+)/.exec(line)?.[1])), [
      2,
      4,
      6,
      7,
    ]);
    assert.match(result.stdout, /line 4 \(id ""\): INVALID_ID/);
    assert.match(result.stdout, /line 6 .*INVALID_NAME/);

    await using store = await open(url);
    assert.deepEqual((await store.collection("notes").find()).items.map((e) => [e.id, e.doc]), [
      ["a", { n: 1 }],
      ["b", { n: 2 }],
      ["e", { n: 5 }],
    ]);
  });

  test("import takes a JSON array, and plain documents into one collection", async () => {
    const url = tempUrl();
    const records = JSON.stringify([
      { collection: "notes", id: "r1", doc: { n: 1 } },
      { collection: "notes", id: "r2", doc: { n: 2 } },
    ]);
    const array = await cli(["import", "-", "--db", url], { stdin: `\uFEFF  ${records}` });
    assert.equal(array.code, 0, array.stderr);
    assert.equal(JSON.parse(array.stdout).imported, 2);

    const docs = JSON.stringify([{ id: 7, name: "seven" }, { id: "x", name: "ex" }, { name: "?" }]);
    const byId = await cli(
      ["import", "-", "--collection", "things", "--id-field", "id", "--db", url],
      { stdin: docs, tty: true, stderrTty: false },
    );
    assert.equal(byId.code, 1);
    assert.match(byId.stdout, /^imported 2, skipped 0, failed 1\n {2}item 3: INVALID_ID/);

    const lines = '{"v":1}\n\nnot json\n{"v":2}\n"a string"\n';
    const generated = await cli(["import", "-", "--collection", "gen", "--db", url], {
      stdin: lines,
    });
    assert.equal(generated.code, 1);
    const report = JSON.parse(generated.stdout);
    assert.equal(report.imported, 2);
    assert.deepEqual(report.failed.map((f: { line: number }) => f.line), [3, 5]);

    const file = join(TMP, "docs.jsonl");
    writeFileSync(file, '{"sku":"A-1","qty":3}\n{"sku":"B-2","qty":0}\n');
    assert.equal(
      (await on(url, "import", file, "--collection", "stock", "--id-field", "sku")).code,
      0,
    );

    await using store = await open(url);
    assert.deepEqual(await store.collection("things").get("7"), { id: 7, name: "seven" });
    assert.deepEqual(await store.collection("things").get("x"), { id: "x", name: "ex" });
    const gen = await store.collection("gen").find();
    assert.deepEqual(gen.items.map((e) => e.doc), [{ v: 1 }, { v: 2 }]);
    assert.match(gen.items[0].id, /^[0-9a-z]{26}$/);
    assert.deepEqual(await store.collection("stock").get("B-2"), { sku: "B-2", qty: 0 });

    // Plain documents without --collection: nothing is imported, and the hint says why.
    const hint = await cli(["import", "-", "--db", url], { stdin: '{"v":1}\n' });
    assert.equal(hint.code, 1);
    assert.match(hint.stderr, /give --collection <name>/);
    const notArray = await cli(["import", "-", "--db", url], { stdin: "[1, 2" });
    assert.equal(notArray.code, 1);
    assert.match(notArray.stderr, /the input is not JSON.*\(INVALID_DOCUMENT\)\n$/);
  });

  test("import of a missing file fails before creating the database", async () => {
    const path = tempPath();
    const result = await on(`sqlite://${path}`, "import", join(TMP, "nothing.ndjson"));
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^quire: Cannot import ".*nothing.ndjson": no such file \(NOT_FOUND\)\n$/,
    );
    assert.equal(existsSync(path), false);
  });

  test("backup writes a copy that stats can read, and refuses to overwrite", async () => {
    const url = await sample();
    const copy = join(TMP, "backup_copy.db");
    const backup = await on(url, "backup", copy);
    assert.equal(backup.code, 0, backup.stderr);
    assert.equal(JSON.parse(backup.stdout).path, copy);
    assert.match(backup.stderr, /^quire: backed up .* to .*backup_copy\.db \([\d.]+ KiB\) in /);
    const stats = await cli(["stats", "--db", `sqlite://${copy}`], { tty: true });
    assert.match(stats.stdout, /^notes +3 +[\d,]+$/m);
    const twice = await on(url, "backup", copy);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /\(STORAGE\)\n$/);
    const noPath = await on(url, "backup");
    assert.equal(noPath.code, 2);
    assert.match(noPath.stderr, /backup needs <path>/);
  });
});

describe("quire CLI as a process", () => {
  test("exit codes 0, 1 and 2; stdin from a pipe; NDJSON on a pipe", SLOW, async () => {
    const url = tempUrl();
    const put = await run("quire.ts", ["put", "notes", "n1", "--db", url], {
      stdin: '{"title":"piped"}',
    });
    assert.equal(put.code, 0, put.stderr);
    assert.equal(JSON.parse(put.stdout).rev, 1);
    const find = await run("quire.ts", ["find", "notes"], { env: { QUIRE_URL: url } });
    assert.equal(find.code, 0, find.stderr);
    assert.deepEqual(ndjson(find.stdout).map((entry) => entry.doc), [{ title: "piped" }]);
    const missing = await run("quire.ts", ["get", "notes", "zz", "--db", url]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No document "zz"/);
    const usage = await run("quire.ts", ["get", "notes"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^quire: get needs <id> \(USAGE\)\nusage: quire get/);
  });

  test("serve: a loopback host or a token, nothing else", async () => {
    const exposed = await cli(["serve", "--host", "0.0.0.0", "--db", "memory://"]);
    assert.equal(exposed.code, 2);
    assert.match(exposed.stderr, /--token <token> or set QUIRE_TOKEN .*--insecure-no-token/);
    const badPort = await cli(["serve", "--db", "memory://"], { env: { PORT: "http" } });
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--port takes a whole number from 0 to 65535, not "http"/);
    // --read-only serves an existing database only, and creates none.
    const path = tempPath();
    const readOnly = await cli(["serve", "--read-only", "--db", `sqlite://${path}`]);
    assert.equal(readOnly.code, 1);
    assert.match(readOnly.stderr, /^quire: No database at .* \(NOT_FOUND\)\n$/);
    assert.equal(existsSync(path), false);
  });

  test(
    "serve: logs each request, stops on SIGTERM, keeps every acknowledged write",
    SLOW,
    async () => {
      const url = tempUrl();
      const child = start("quire.ts", ["serve", "--db", url, "--port", "0", "--no-ui"], {
        QUIRE_TOKEN: "s3cret",
      });
      child.stdin.end();
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => stdout += chunk);
      const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
      const listening = await new Promise<string>((resolve, reject) => {
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
          stderr += chunk;
          const match = /on (http:\/\/127\.0\.0\.1:\d+\/) \(token required\)/.exec(stderr);
          if (match) resolve(match[1]);
        });
        child.on("close", () => reject(new Error(`serve ended: ${stderr}`)));
      });
      try {
        assert.match(stderr, new RegExp(`^quire: serving ${url.replace(/[.\\]/g, "\\$&")} on `));
        const auth = { Authorization: "Bearer s3cret" };
        const put = await fetch(new URL("v1/collections/notes/docs/n1", listening), {
          method: "PUT",
          headers: { ...auth, "Content-Type": "application/json" },
          body: JSON.stringify({ title: "kept" }),
        });
        assert.equal(put.status, 201);
        await put.body?.cancel();
        const list = await fetch(
          new URL("v1/collections/notes/docs?filter=title%3D%22secret%22", listening),
          {
            headers: auth,
          },
        );
        assert.equal(list.status, 200);
        await list.body?.cancel();
        const page = await fetch(listening, { headers: auth }); // --no-ui: the API only
        assert.equal(page.status, 404);
        await page.body?.cancel();
        for (let i = 0; i < 100 && !stdout.includes("GET / "); i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.match(stdout, /^PUT \/v1\/collections\/notes\/docs\/n1 201 [\d.]+ms$/m);
        assert.match(stdout, /^GET \/v1\/collections\/notes\/docs\?filter 200 [\d.]+ms$/m);
        assert.match(stdout, /^GET \/ 404 [\d.]+ms$/m);
        assert.doesNotMatch(stdout + stderr, /secret|s3cret/);
      } finally {
        process.kill(child.pid!, "SIGTERM");
      }
      assert.equal(await closed, 0, stderr);
      assert.match(stderr, /SIGTERM: finishing the requests in flight/);
      await using store = await open(url);
      assert.deepEqual(await store.collection("notes").get("n1"), { title: "kept" });
    },
  );
});
