/**
 * The file backend: file names for every id, the layout on disk, damage, leftovers of a killed
 * writer (temporary files in .tmp/, a journal), read-only mode, a real crash (SIGKILL) in the
 * middle of writes, and the writer lock that keeps a second writer out (child processes from
 * fixtures/file_lock_child.ts). Runs on Bun, Deno and Node.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { open, QuireError } from "../mod.ts";
import { composeRecord, FileStore } from "../src/backends/file/file_store.ts";
import { judge, LOCK_FILE, type LockHolder } from "../src/backends/file/writer_lock.ts";
import {
  decodeCollectionName,
  decodeFileName,
  encodeCollectionName,
  encodeFileName,
  escapeText,
  isHashedFileName,
  MAX_PLAIN_CHARS,
  unescapeText,
} from "../src/backends/file/file_names.ts";
import { compareCodePoints } from "../src/names.ts";
import { rejectsWith, scriptArgs, seededRandom } from "./helpers.ts";

const encoder = new TextEncoder();
const utf8 = (text: string) => encoder.encode(text).length;

const NASTY_IDS = [
  "a",
  "A",
  "../x",
  "..\\x",
  "a/b",
  "a\\b",
  "/etc/passwd",
  "C:\\Windows",
  "CON",
  "con",
  "Con.txt",
  "NUL",
  "nul.json",
  "COM1",
  "com1.txt",
  "LPT9",
  "AUX",
  "PRN",
  "CONIN$",
  "COM¹",
  ".",
  "..",
  "...",
  " ",
  "a ",
  " a",
  "a.",
  ".hidden",
  ".tmp-1234",
  "_catalog",
  "_catalog.json",
  "_journal.json",
  "Ünïcode",
  "ünïcode",
  "U\u0308n\u0131\u0308code", // decomposed
  "é",
  "e\u0301",
  "😀",
  "👩‍👩‍👧‍👦",
  "日本語のID",
  '<>:"|?*',
  "a:b",
  "~",
  "~41",
  "~~",
  "_",
  "-",
  "%2e%2e%2f",
  "\u00a0",
  "\u2028",
  "\ufeff",
  "\ufffd",
  "\uffff",
  "\u{10ffff}",
  "x".repeat(MAX_PLAIN_CHARS),
  "x".repeat(MAX_PLAIN_CHARS + 1),
  "A".repeat(66), // 198 escaped characters: plain
  "A".repeat(67), // 201: hashed
  "a".repeat(512),
  "A".repeat(512),
  "é".repeat(256),
  "😀".repeat(128),
  "日".repeat(170) + "ab",
  "ab" + "😀".repeat(127) + "ab",
];

/** A random valid id: no control characters, no lone surrogates, at most 512 UTF-8 bytes. */
function randomId(random: () => number): string {
  const long = random() < 0.2;
  const length = 1 + Math.floor(random() * (long ? 400 : 24));
  let id = "";
  for (let i = 0; i < length; i++) {
    const pool = random();
    let code: number;
    if (pool < 0.5) code = 0x20 + Math.floor(random() * 0x5f); // printable ASCII
    else if (pool < 0.65) code = 0xa0 + Math.floor(random() * 0x60); // Latin-1
    else if (pool < 0.85) code = 0x100 + Math.floor(random() * (0xd800 - 0x100));
    else if (pool < 0.9) code = 0xe000 + Math.floor(random() * 0x2000);
    else code = 0x10000 + Math.floor(random() * 0x100000);
    const next = id + String.fromCodePoint(code);
    if (utf8(next) > 512) break;
    id = next;
  }
  return id;
}

const RANDOM_IDS = (() => {
  const random = seededRandom(20240611);
  return Array.from({ length: 2000 }, () => randomId(random));
})();

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;

/** Asserts that a path segment is a valid, harmless name on Linux, macOS and Windows. */
function assertPortableSegment(segment: string): void {
  assert.ok(segment !== "" && segment !== "." && segment !== "..", `segment ${segment}`);
  assert.ok(utf8(segment) <= 255, `segment over 255 bytes: ${segment}`);
  // deno-lint-ignore no-control-regex -- control characters are what is refused
  assert.doesNotMatch(segment, /[<>:"/\\|?*\u0000-\u001f\u007f]/);
  assert.doesNotMatch(segment, /[. ]$/);
  assert.doesNotMatch(segment, /^[.]/);
  assert.doesNotMatch(segment, RESERVED);
  assert.match(segment, /^[\x21-\x7e]+$/, "plain ASCII, so no normalisation applies");
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "quire-file-"));
}

/** Runs `fn` with a fresh directory (the store's, not yet created) and removes it after. */
async function withDir(fn: (dir: string, root: string) => Promise<void>): Promise<void> {
  const root = tempDir();
  try {
    await fn(join(root, "store"), root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function docPath(dir: string, collection: string, id: string): string {
  return join(dir, encodeCollectionName(collection), encodeFileName(id));
}

/** Every file under `dir` with its content, to show that nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (statSync(path).isFile()) files[name] = readFileSync(path, "utf8");
  }
  return files;
}

function isCode(code: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof QuireError, `expected a QuireError, got ${error}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

async function allIds(store: Awaited<ReturnType<typeof open>>, name: string, limit = 7) {
  const ids: string[] = [];
  let page = await store.collection(name).find({}, { limit });
  ids.push(...page.items.map((item) => item.id));
  while (page.next !== undefined) {
    page = await store.collection(name).find({}, { limit, after: page.next });
    ids.push(...page.items.map((item) => item.id));
  }
  return ids;
}

describe("file names", () => {
  test("every id maps to one portable file name inside its collection's directory", () => {
    const root = resolve(tmpdir(), "quire-store");
    for (const collection of ["notes", "Notes", "a", "Z-9_x", "A".repeat(64)]) {
      const directory = encodeCollectionName(collection);
      assertPortableSegment(directory);
      assert.equal(decodeCollectionName(directory), collection);
      const base = resolve(root, directory);
      for (const id of [...NASTY_IDS, ...RANDOM_IDS]) {
        const name = encodeFileName(id);
        assertPortableSegment(name);
        assert.ok(name.endsWith(".json"));
        const full = resolve(base, name);
        assert.ok(full.startsWith(base + sep), `${JSON.stringify(id)} escapes: ${full}`);
        assert.equal(dirname(full), base);
        assert.ok(`${directory}/${name}`.length <= 400);
        assert.equal(encodeFileName(id), name, "deterministic");
      }
    }
  });

  test("names decode back to their ids; long ids get a hashed name", () => {
    for (const id of [...NASTY_IDS, ...RANDOM_IDS]) {
      const name = encodeFileName(id);
      if (escapeText(id).length <= MAX_PLAIN_CHARS) {
        assert.equal(decodeFileName(name), id);
        assert.equal(isHashedFileName(name), false);
        assert.equal(unescapeText(escapeText(id)), id);
      } else {
        assert.equal(decodeFileName(name), undefined);
        assert.equal(isHashedFileName(name), true, name);
        assert.ok(name.startsWith(`_${escapeText(id).slice(0, 100)}`), "keeps a readable prefix");
      }
    }
  });

  test("names stay distinct on case-insensitive and normalising file systems", () => {
    const ids = [...new Set([...NASTY_IDS, ...RANDOM_IDS, "ab", "aB", "Ab", "AB", "ǅ", "ǆ", "Ǆ"])];
    const folded = new Set<string>();
    for (const id of ids) {
      const name = encodeFileName(id);
      assert.equal(name, name.toLowerCase(), "names are lower case already");
      assert.equal(name, name.normalize("NFD"));
      folded.add(name.toLowerCase());
    }
    assert.equal(folded.size, ids.length);
    const collections = ["notes", "Notes", "NOTES", "nOtes"].map(encodeCollectionName);
    assert.equal(new Set(collections.map((name) => name.toLowerCase())).size, 4);
  });

  test("anything that is not exactly an encoded id does not decode", () => {
    for (
      const name of [
        ".tmp-0123456789abcdef",
        "_catalog",
        "_a",
        "a.json",
        "_.json",
        "_A.json",
        "_a.JSON",
        "_a.json.bak",
        "_~61.json", // "a" escaped needlessly
        "_~4A.json", // upper-case hex
        "_~4.json",
        "_~00.json", // NUL
        "_~0a.json", // a control character
        "_~ff.json", // not UTF-8
        "_~c3.json", // a cut UTF-8 sequence
        "_~ed~a0~80.json", // a surrogate, encoded
        `_${"x".repeat(MAX_PLAIN_CHARS + 1)}.json`, // should have been hashed
        `_${"x".repeat(600)}.json`, // over 512 bytes
      ]
    ) {
      assert.equal(decodeFileName(name), undefined, name);
    }
    for (
      const name of ["_", "notes", "_Notes", "_~6eotes", "_1abc", "_~2e~2e", `_${"a".repeat(65)}`]
    ) {
      assert.equal(decodeCollectionName(name), undefined, name);
    }
  });
});

describe("file backend", () => {
  test("lays out one JSON file per document, metadata first", async () => {
    await withDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      const meta = await store.collection("notes").put("Hello World", { title: "Hi", n: [1, -0] });
      await store.collection("Notes").put("x", { other: true });
      await store.close();

      assert.deepEqual(readdirSync(dir).sort(), [".tmp", "_catalog.json", "_notes", "_~4eotes"]);
      assert.deepEqual(readdirSync(join(dir, ".tmp")), [], "no temporary file outlives its write");
      const text = readFileSync(join(dir, "_notes", "_~48ello~20~57orld.json"), "utf8");
      assert.equal(
        text,
        `{"id":"Hello World","rev":1,"createdAt":"${meta.createdAt}","updatedAt":"${meta.updatedAt}","doc":{"title":"Hi","n":[1,0]}}`,
      );
      assert.deepEqual(Object.keys(JSON.parse(text)), [
        "id",
        "rev",
        "createdAt",
        "updatedAt",
        "doc",
      ]);
      assert.deepEqual(readdirSync(join(dir, "_~4eotes")), ["_x.json"]);
      const catalog = JSON.parse(readFileSync(join(dir, "_catalog.json"), "utf8"));
      assert.equal(catalog.format, 1);
      assert.deepEqual(catalog.collections.map((entry: { name: string }) => entry.name).sort(), [
        "Notes",
        "notes",
      ]);
    });
  });

  test("stores, lists and pages every kind of id", async () => {
    await withDir(async (dir) => {
      const ids = [...new Set([...NASTY_IDS, ...RANDOM_IDS.slice(0, 300)])];
      const store = await open(`file://${dir}`);
      const notes = store.collection("notes");
      for (const id of ids.slice(0, 40)) await notes.put(id, { id });
      await notes.putMany(ids.slice(40).map((id) => [id, { id }] as const));
      await store.close();

      const again = await open({ backend: "file", dir });
      for (const id of ids) assert.deepEqual(await again.collection("notes").get(id), { id }, id);
      assert.equal(await again.collection("notes").count(), ids.length);
      assert.deepEqual(await allIds(again, "notes"), [...ids].sort(compareCodePoints));
      assert.deepEqual(await again.check(), { ok: true, documents: ids.length, problems: [] });
      await again.close();
    });
  });

  test("keeps the listing right through its own writes, and sees other writers' ones", async () => {
    await withDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      const notes = store.collection("notes");
      await notes.putMany(Array.from({ length: 300 }, (_, i) => [`k${i}`, { i }] as const));
      const expected = new Set(Array.from({ length: 300 }, (_, i) => `k${i}`));
      const check = async () =>
        assert.deepEqual(await allIds(store, "notes", 50), [...expected].sort(compareCodePoints));
      await check();
      // A few changes are spliced in, many are merged.
      await notes.put("k10x", {});
      await notes.delete("k5");
      await notes.put("a", {});
      for (const id of ["k10x", "a"]) expected.add(id);
      expected.delete("k5");
      await check();
      await notes.putMany(Array.from({ length: 100 }, (_, i) => [`m${i}`, { i }] as const));
      await store.transaction(async (tx) => {
        for (let i = 0; i < 80; i++) await tx.collection("notes").delete(`k${i + 100}`);
      });
      for (let i = 0; i < 100; i++) expected.add(`m${i}`);
      for (let i = 0; i < 80; i++) expected.delete(`k${i + 100}`);
      await check();
      assert.equal(await notes.count(), expected.size);

      // A document file appears from elsewhere (a backup restored by hand, say): the listing
      // follows the directory's mtime. (A second writer cannot open while this one is open.)
      writeFileSync(
        docPath(dir, "notes", "zz"),
        composeRecord({ id: "zz", rev: 1, createdAt: "x", updatedAt: "x", data: '{"from":"x"}' }),
      );
      const later = new Date(Date.now() + 5000);
      utimesSync(join(dir, "_notes"), later, later);
      expected.add("zz");
      assert.equal(await notes.count(), expected.size);
      await check();
      await store.close();
    });
  });

  test("reads a re-indented document file", async () => {
    await withDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      await store.collection("notes").put("a", { x: [1, { y: "z" }] });
      await store.close();
      const path = docPath(dir, "notes", "a");
      writeFileSync(path, JSON.stringify(JSON.parse(readFileSync(path, "utf8")), null, 2));
      const again = await open({ backend: "file", dir });
      assert.deepEqual(await again.collection("notes").get("a"), { x: [1, { y: "z" }] });
      assert.equal((await again.check()).ok, true);
      await again.close();
    });
  });

  test("a damaged file is CORRUPT when read and a problem in check()", async () => {
    await withDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      const notes = store.collection("notes");
      for (const id of ["a", "b", "c", "d", "x".repeat(300), "y".repeat(300)]) {
        await notes.put(id, { id });
      }
      await store.close();
      writeFileSync(docPath(dir, "notes", "a"), '{"id":"a","rev":1,"crea'); // cut short
      copyFileSync(docPath(dir, "notes", "b"), docPath(dir, "notes", "c")); // holds "b"
      writeFileSync(
        docPath(dir, "notes", "d"),
        readFileSync(docPath(dir, "notes", "d"), "utf8").replace('"doc":{', '"doc":{]'),
      );
      // A hashed name whose file holds another id: not listed, but reported.
      copyFileSync(docPath(dir, "notes", "x".repeat(300)), docPath(dir, "notes", "y".repeat(300)));

      const again = await open({ backend: "file", dir });
      const collection = again.collection("notes");
      await assert.rejects(collection.get("a"), isCode("CORRUPT"));
      await assert.rejects(collection.get("c"), isCode("CORRUPT"));
      await assert.rejects(collection.get("d"), isCode("CORRUPT"));
      assert.deepEqual(await collection.get("b"), { id: "b" });
      await again.close();

      const problems = new FileStore(dir, { readonly: true }).check();
      assert.deepEqual(problems.map((problem) => [problem.code, problem.collection, problem.id]), [
        ["CORRUPT", "notes", "a"],
        ["CORRUPT", "notes", "c"],
        ["CORRUPT", "notes", "d"],
        ["CORRUPT", "notes", undefined],
      ]);
      assert.match(problems[0].message, /"_notes\/_a\.json" is not valid JSON/);
      assert.match(problems[1].message, /"_notes\/_c\.json" holds the id "b"/);
      assert.match(problems[2].message, /not valid JSON/);
      assert.match(problems[3].message, /_notes\/_y+~~[0-9a-f]{64}\.json" holds the id "x+…/);
      // The store's check() lists them too, and counts the documents that are whole, rather
      // than failing at the first damaged file it reads.
      const reader = await open({ backend: "file", dir, readonly: true });
      const report = await reader.check();
      assert.deepEqual(report.problems.map((problem) => [problem.code, problem.id]), [
        ["CORRUPT", "a"],
        ["CORRUPT", "c"],
        ["CORRUPT", "d"],
        ["CORRUPT", undefined],
      ]);
      assert.deepEqual([report.ok, report.documents], [false, 2]);
      await reader.close();
    });
  });

  test("empties .tmp/ at open and ignores stray files in a collection's directory", async () => {
    await withDir(async (dir, root) => {
      const store = await open({ backend: "file", dir });
      await store.collection("notes").put("a", { a: 1 });
      await store.close();
      // What a killed writer leaves in .tmp/, and a stray file where no write puts one.
      const tmp = join(dir, ".tmp");
      writeFileSync(join(tmp, "0011223344556677"), "{garbage");
      writeFileSync(join(tmp, "_a.json"), '{"id":"b"');
      const stray = join(dir, "_notes", ".tmp-44556677");
      writeFileSync(stray, '{"id":"b"');
      const before = snapshot(dir);

      const readonly = await open({ backend: "file", dir, readonly: true });
      assert.deepEqual(await allIds(readonly, "notes"), ["a"]);
      assert.equal(await readonly.collection("notes").count(), 1);
      await readonly.close();
      assert.deepEqual(snapshot(dir), before, "read-only removes nothing");

      const writable = await open({ backend: "file", dir });
      assert.deepEqual(readdirSync(tmp), [], "emptied at open");
      assert.deepEqual(await allIds(writable, "notes"), ["a"]);
      assert.deepEqual(await writable.collection("notes").get("a"), { a: 1 });
      await writable.collection("notes").put("b", { b: 1 });
      assert.deepEqual(await allIds(writable, "notes"), ["a", "b"]);
      assert.deepEqual(await writable.check(), { ok: true, documents: 2, problems: [] });
      await writable.close();
      assert.equal(readFileSync(stray, "utf8"), '{"id":"b"', "not a document: left alone");
      assert.deepEqual(readdirSync(tmp), []);

      // A missing .tmp/ is made again; a read-only store does without.
      rmSync(tmp, { recursive: true });
      const readonly2 = await open({ backend: "file", dir, readonly: true });
      assert.deepEqual(await readonly2.collection("notes").get("b"), { b: 1 });
      await readonly2.close();
      assert.equal(existsSync(tmp), false);
      const writable2 = await open({ backend: "file", dir });
      await writable2.collection("notes").put("c", { c: 1 });
      assert.equal(await writable2.collection("notes").count(), 3);
      await writable2.close();
      assert.deepEqual(readdirSync(tmp), []);

      // A writer killed while creating the store leaves only .tmp/: that opens as a new store.
      const fresh = join(root, "fresh");
      mkdirSync(join(fresh, ".tmp"), { recursive: true });
      writeFileSync(join(fresh, ".tmp", "8899aabbccddeeff"), '{"format":1,"coll');
      const created = await open({ backend: "file", dir: fresh });
      assert.deepEqual(await created.collections(), []);
      await created.close();
      assert.deepEqual(readdirSync(fresh).sort(), [".tmp", "_catalog.json"]);
      assert.deepEqual(readdirSync(join(fresh, ".tmp")), []);
    });
  });

  test("a leftover journal is laid over the files read-only and replayed at open", async () => {
    await withDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      const notes = store.collection("notes");
      await notes.put("a", { v: 1 });
      const b = await notes.put("b", { v: 1 });
      await store.close();
      const record = (id: string, rev: number, data: string) => ({
        id,
        rev,
        createdAt: b.createdAt,
        updatedAt: "2030-01-01T00:00:00.000Z",
        data,
      });
      const journal = join(dir, "_journal.json");
      writeFileSync(
        journal,
        JSON.stringify({
          format: 1,
          changes: [
            { collection: "notes", id: "a", record: null },
            { collection: "notes", id: "b", record: record("b", 2, '{"v":2}') },
            { collection: "notes", id: "c/../c", record: record("c/../c", 1, '{"v":1}') },
          ],
        }),
      );
      const before = snapshot(dir);

      const readonly = await open({ backend: "file", dir, readonly: true });
      const seen = readonly.collection("notes");
      assert.equal(await seen.get("a"), undefined);
      const { data: _, ...meta } = record("b", 2, "");
      assert.deepEqual(await seen.entry("b"), { ...meta, doc: { v: 2 } });
      assert.deepEqual(await seen.get("c/../c"), { v: 1 });
      assert.deepEqual(await allIds(readonly, "notes"), ["b", "c/../c"]);
      assert.equal(await seen.count(), 2);
      await readonly.close();
      assert.deepEqual(snapshot(dir), before, "read-only changes nothing");

      const writable = await open({ backend: "file", dir });
      assert.equal(existsSync(journal), false);
      assert.equal(existsSync(docPath(dir, "notes", "a")), false);
      assert.equal(JSON.parse(readFileSync(docPath(dir, "notes", "b"), "utf8")).rev, 2);
      assert.deepEqual(await allIds(writable, "notes"), ["b", "c/../c"]);
      assert.equal((await writable.collection("notes").entry("b"))?.rev, 2);
      assert.equal((await writable.check()).ok, true);
      await writable.close();
    });
  });

  test("refuses a damaged journal, a newer format and a directory that is not a store", async () => {
    await withDir(async (dir, root) => {
      await (await open({ backend: "file", dir })).close();
      writeFileSync(join(dir, "_journal.json"), '{"format":1,"changes":[{"collection":"notes"}]}');
      await assert.rejects(open({ backend: "file", dir }), isCode("CORRUPT"));
      await assert.rejects(open({ backend: "file", dir, readonly: true }), isCode("CORRUPT"));
      rmSync(join(dir, "_journal.json"));
      writeFileSync(join(dir, "_catalog.json"), '{"format":2,"collections":[]}');
      await assert.rejects(open({ backend: "file", dir }), isCode("SCHEMA_TOO_NEW"));
      writeFileSync(join(dir, "_catalog.json"), "{");
      await assert.rejects(open({ backend: "file", dir }), isCode("CORRUPT"));

      const foreign = join(root, "home");
      mkdirSync(foreign);
      writeFileSync(join(foreign, "notes.txt"), "mine");
      await assert.rejects(open({ backend: "file", dir: foreign }), isCode("UNSUPPORTED"));
      assert.deepEqual(readdirSync(foreign), ["notes.txt"]);
      await assert.rejects(
        open({ backend: "file", dir: join(foreign, "notes.txt") }),
        isCode("STORAGE"),
      );
    });
  });

  test("read-only writes nothing and needs an existing directory", async () => {
    await withDir(async (dir) => {
      await assert.rejects(open({ backend: "file", dir, readonly: true }), isCode("NOT_FOUND"));
      assert.equal(existsSync(dir), false);
      const store = await open({ backend: "file", dir });
      await store.collection("notes").put("a", { a: 1 });
      await store.close();
      const before = snapshot(dir);
      const readonly = await open({ backend: "file", dir, readonly: true });
      assert.deepEqual(await readonly.collection("notes").get("a"), { a: 1 });
      await assert.rejects(readonly.collection("notes").put("b", {}), isCode("READ_ONLY"));
      await assert.rejects(readonly.collection("other").put("b", {}), isCode("READ_ONLY"));
      assert.equal(await readonly.collection("other").count(), 0);
      await readonly.close();
      assert.deepEqual(snapshot(dir), before);
      const store2 = new FileStore(dir, { readonly: true });
      assert.throws(() => store2.apply([]), isCode("READ_ONLY"));
      assert.throws(() => store2.writeCatalog([]), isCode("READ_ONLY"));
    });
  });

  test("a failed transaction leaves the files as they were", async () => {
    await withDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      await store.collection("notes").put("a", { v: 1 });
      const before = snapshot(dir);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.collection("notes").put("a", { v: 2 });
          await tx.collection("notes").put("b", { v: 2 });
          throw new Error("changed my mind");
        }),
        /changed my mind/,
      );
      assert.deepEqual(snapshot(dir), before);
      assert.deepEqual(await store.collection("notes").get("a"), { v: 1 });
      await store.close();
    });
  });

  test("ids and documents may contain the metadata separator", async () => {
    await withDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      const doc = { ',"doc":': ',"doc":{', doc: { doc: [',"doc":'] } };
      await store.collection("notes").put(',"doc":', doc);
      await store.close();
      const again = await open({ backend: "file", dir });
      assert.deepEqual(await again.collection("notes").get(',"doc":'), doc);
      assert.equal((await again.check()).ok, true);
      await again.close();
    });
  });

  test("a batch that cannot be written is refused and leaves nothing behind", async () => {
    await withDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      await store.collection("notes").put("a", { v: 1 });
      // The journal cannot be renamed into place over a directory.
      mkdirSync(join(dir, "_journal.json"));
      const before = snapshot(dir);
      await assert.rejects(
        store.collection("notes").putMany([["a", { v: 2 }], ["b", { v: 2 }]]),
        isCode("STORAGE"),
      );
      assert.deepEqual(snapshot(dir), before);
      assert.deepEqual(await store.collection("notes").get("a"), { v: 1 });
      assert.equal(await store.collection("notes").has("b"), false);
      await store.close();
    });
  });

  test("a committed batch that cannot be applied yet is read from its journal", async () => {
    await withDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      const notes = store.collection("notes");
      const other = store.collection("other");
      await notes.put("a", { v: 1 });
      await other.count(); // the collection exists, its directory not yet
      // A file where the directory of "other" goes: its documents cannot be written.
      const blocker = join(dir, encodeCollectionName("other"));
      writeFileSync(blocker, "");
      await store.transaction(async (tx) => {
        await tx.collection("notes").put("a", { v: 2 });
        await tx.collection("other").put("b", { v: 2 });
      });
      assert.ok(existsSync(join(dir, "_journal.json")), "committed, not yet applied");
      assert.deepEqual(await other.get("b"), { v: 2 });
      assert.deepEqual(await notes.get("a"), { v: 2 });
      assert.deepEqual(await allIds(store, "other"), ["b"]);
      assert.equal(await other.count(), 1);
      // The next write finishes the batch first, and fails while it cannot.
      await assert.rejects(notes.put("d", { v: 3 }), isCode("STORAGE"));
      assert.equal(await notes.has("d"), false);
      rmSync(blocker);
      await notes.put("d", { v: 3 });
      assert.equal(existsSync(join(dir, "_journal.json")), false);
      assert.equal(JSON.parse(readFileSync(docPath(dir, "other", "b"), "utf8")).doc.v, 2);
      assert.deepEqual(await allIds(store, "notes"), ["a", "d"]);
      assert.deepEqual(await allIds(store, "other"), ["b"]);
      await store.close();
    });
  });

  test("stats counts documents and their UTF-8 bytes of JSON", async () => {
    await withDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      const docs = [{ t: "héllo" }, { t: "😀", n: 1 }, { list: [1, 2, 3] }];
      await store.collection("notes").putMany(docs.map((doc, i) => [`d${i}`, doc] as const));
      const stats = await store.stats();
      assert.equal(stats.backend, "file");
      assert.deepEqual(stats.collections.notes, {
        count: 3,
        bytes: docs.reduce((sum, doc) => sum + utf8(JSON.stringify(doc)), 0),
      });
      await store.close();
    });
  });

  test("backs up to a new directory that opens as the same store", async () => {
    await withDir(async (dir, root) => {
      const store = await open({ backend: "file", dir });
      const ids = ["a", "B", "x".repeat(400), "😀"];
      for (const id of ids) await store.collection("notes").put(id, { id });
      await store.collection("Other").put("o", { o: 1 });
      writeFileSync(join(dir, "_notes", ".tmp-0000"), "junk");
      writeFileSync(join(dir, ".tmp", "0123456789abcdef"), "junk");
      const copy = join(root, "copy");
      await store.backup(copy);
      await assert.rejects(store.backup(copy), isCode("STORAGE"));
      await store.close();

      assert.deepEqual(readdirSync(copy).sort(), ["_catalog.json", "_notes", "_~4fther"]);
      assert.equal(existsSync(join(copy, "_notes", ".tmp-0000")), false);
      const restored = await open({ backend: "file", dir: copy, readonly: true });
      assert.deepEqual(await allIds(restored, "notes"), [...ids].sort(compareCodePoints));
      for (const id of ids) assert.deepEqual(await restored.collection("notes").get(id), { id });
      assert.deepEqual(await restored.collection("Other").get("o"), { o: 1 });
      await restored.close();
    });
  });

  test("survives being killed in the middle of writes", { timeout: 60_000 }, async () => {
    const script = fileURLToPath(new URL("./fixtures/file_crash_writer.ts", import.meta.url));
    const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;
    for (const delay of [120, 300, 450]) {
      await withDir(async (dir) => {
        const args = isDeno ? ["run", "-A", script, dir] : [script, dir];
        const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (chunk) => stderr += chunk);
        const exited = new Promise<string | null>((resolve) => {
          child.on("exit", (_code, signal) => resolve(signal));
        });
        await new Promise<void>((resolve, reject) => {
          child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
            if (chunk.includes("ready")) resolve();
          });
          child.on("exit", () => reject(new Error(`The writer stopped early: ${stderr}`)));
        });
        await new Promise((resolve) => setTimeout(resolve, delay));
        child.kill("SIGKILL");
        assert.equal(await exited, "SIGKILL");

        // Temporary files are only ever in .tmp/: every file elsewhere is a whole document.
        for (const collection of ["docs", "batches", "left", "right"]) {
          const directory = join(dir, encodeCollectionName(collection));
          for (const name of readdirSync(directory)) {
            assert.ok(decodeFileName(name) !== undefined, `${collection}/${name}`);
            JSON.parse(readFileSync(join(directory, name), "utf8"));
          }
        }
        const store = await open({ backend: "file", dir });
        assert.deepEqual(readdirSync(join(dir, ".tmp")), [], ".tmp/ emptied at open");
        const report = await store.check();
        assert.deepEqual(report.problems, []);

        // Each document is one of the versions written: its rev follows from its counter.
        let latest = 0;
        for (const entry of (await store.collection("docs").find({}, { limit: 10 })).items) {
          const k = Number(entry.id.slice(1));
          const n = entry.doc.n as number;
          assert.equal(n % 5, k);
          assert.equal(entry.rev, Math.floor((n - k) / 5) + (k === 0 ? 0 : 1), entry.id);
          assert.equal(entry.doc.pad, "x".repeat((n * 37) % 500));
          latest = Math.max(latest, n);
        }
        // Each putMany batch is all or nothing.
        const batch = (await store.collection("batches").find({}, { limit: 100 })).items;
        assert.equal(batch.length, 8);
        const number = batch[0].doc.batch as number;
        for (const entry of batch) {
          assert.equal(entry.doc.batch, number);
          assert.equal(entry.rev, number);
        }
        assert.ok(latest === number || latest === number + 1, `docs at ${latest}, batch ${number}`);
        // So is a transaction over two collections.
        const left = await store.collection("left").entry("p");
        const right = await store.collection("right").entry("p");
        assert.deepEqual(left?.doc, right?.doc);
        assert.ok(left!.doc.n === number || left!.doc.n === number - 1);
        assert.equal(existsSync(join(dir, "_journal.json")), false, "replayed and removed");
        await store.close();
      });
    }
  });
});

/** A child process running fixtures/file_lock_child.ts; see there for what it says and does. */
class LockChild {
  static readonly script = fileURLToPath(new URL("./fixtures/file_lock_child.ts", import.meta.url));
  /** Children still running, killed by {@linkcode withLockDir} however a test ends. */
  static readonly running = new Set<LockChild>();
  readonly exited: Promise<string | null>;
  #child;
  #messages: Record<string, unknown>[] = [];
  #wake: (() => void) | undefined;
  #stderr = "";
  #gone = false;

  constructor(dir: string, mode: "write" | "read" | "increment") {
    this.#child = spawn(process.execPath, scriptArgs(LockChild.script, dir, mode), {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let buffer = "";
    this.#child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf("\n")) >= 0) {
        this.#messages.push(JSON.parse(buffer.slice(0, at)));
        buffer = buffer.slice(at + 1);
      }
      this.#wake?.();
    });
    this.#child.stderr.setEncoding("utf8").on("data", (chunk: string) => this.#stderr += chunk);
    LockChild.running.add(this);
    this.exited = new Promise((resolve) => {
      this.#child.on("exit", (_code, signal) => {
        LockChild.running.delete(this);
        this.#gone = true;
        this.#wake?.();
        resolve(signal);
      });
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** The next message; fails if the child exits first. */
  async next(): Promise<Record<string, unknown>> {
    while (this.#messages.length === 0) {
      if (this.#gone) assert.fail(`The child exited without a word: ${this.#stderr}`);
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    return this.#messages.shift()!;
  }

  /** Waits for `ready`, says `go`, and returns what the open gave. */
  async open(): Promise<Record<string, unknown>> {
    await this.ready();
    this.send("go");
    return await this.next();
  }

  async ready(): Promise<void> {
    assert.equal((await this.next()).event, "ready");
  }

  send(line: string): void {
    this.#child.stdin.write(line + "\n");
  }

  /** Asks an open child to close its store and waits for it to exit. */
  async close(): Promise<void> {
    this.send("close");
    assert.equal((await this.next()).event, "closed");
    await this.exited;
  }

  /** Kills it, whatever it is doing. */
  async stop(): Promise<void> {
    this.#child.kill("SIGKILL");
    await this.exited;
  }

  async kill(): Promise<void> {
    // Not this.#child.kill(): Deno's closes the child's stdin first, and the child takes the end
    // of its stdin as "close" (it then removes its lock before the signal lands).
    process.kill(this.pid, "SIGKILL");
    assert.equal(await this.exited, "SIGKILL");
  }
}

/** {@linkcode withDir}, then kills the children a failed test left running. */
async function withLockDir(fn: (dir: string) => Promise<void>): Promise<void> {
  try {
    await withDir(fn);
  } finally {
    for (const child of LockChild.running) await child.stop();
  }
}

function readLock(dir: string): LockHolder {
  return JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"));
}

/** The files the lock leaves beside the store's ones: none once every writer is closed. */
function lockFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith(LOCK_FILE));
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["--version"], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

describe("file backend: one writer", () => {
  const LOCK_TIMEOUT = { timeout: 30_000 };

  test(
    "a second writer process is refused with BUSY; a reader is not; close() lets the next in",
    LOCK_TIMEOUT,
    async () => {
      await withLockDir(async (dir) => {
        const store = await open(`file://${dir}`);
        await store.collection("counter").put("c", { n: 7 });
        assert.deepEqual(lockFiles(dir), [LOCK_FILE]);
        assert.equal(readLock(dir).pid, process.pid);

        const [writer, reader] = [new LockChild(dir, "write"), new LockChild(dir, "read")];
        const refused = await writer.open();
        await writer.exited;
        assert.equal(refused.event, "error");
        assert.equal(refused.code, "BUSY", String(refused.message));
        const message = String(refused.message);
        assert.ok(message.includes(`"${dir}"`), message);
        assert.ok(message.includes(`pid ${process.pid}`), message);
        assert.ok(message.includes(readLock(dir).since), message);
        assert.deepEqual(await reader.open(), { event: "opened", pid: reader.pid, value: 7 });
        await reader.close();
        assert.deepEqual(
          await store.collection("children").count(),
          0,
          "the refused one wrote nothing",
        );

        await store.close();
        assert.deepEqual(lockFiles(dir), [], "close() removes the lock");
        const next = new LockChild(dir, "write");
        assert.equal((await next.open()).event, "opened");
        assert.equal(readLock(dir).pid, next.pid);
        // While the child writes, this process is the second writer.
        const error = await rejectsWith(open({ backend: "file", dir }), "BUSY");
        assert.ok(error.message.includes(`pid ${next.pid}`), error.message);
        await next.close();
        assert.deepEqual(lockFiles(dir), []);
        const again = await open({ backend: "file", dir });
        assert.deepEqual(await again.collection("children").get(String(next.pid)), {
          pid: next.pid,
        });
        await again.close();
      });
    },
  );

  test("a second writer in the same process is refused too; a failed open leaves no lock", async () => {
    await withLockDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      const error = await rejectsWith(open(`file://${dir}`), "BUSY");
      assert.match(error.message, /this process already has it open for writing/);
      assert.throws(() => new FileStore(dir), isCode("BUSY"));
      await store.collection("notes").put("a", { a: 1 });
      const reader = await open({ backend: "file", dir, readonly: true });
      assert.deepEqual(await reader.collection("notes").get("a"), { a: 1 });
      await reader.close();
      assert.deepEqual(lockFiles(dir), [LOCK_FILE], "a reader's close() leaves the lock alone");
      await store.close();
      await store.close();
      const next = await open({ backend: "file", dir });
      await next.collection("notes").put("b", {});
      await next.close();

      // An open that fails after taking the lock gives it back.
      writeFileSync(join(dir, "_catalog.json"), "{");
      await assert.rejects(open({ backend: "file", dir }), isCode("CORRUPT"));
      assert.deepEqual(lockFiles(dir), []);
    });
  });

  test(
    "a writer killed with SIGKILL leaves a lock that the next writer takes over",
    LOCK_TIMEOUT,
    async () => {
      await withLockDir(async (dir) => {
        const child = new LockChild(dir, "write");
        assert.equal((await child.open()).event, "opened");
        await child.kill();
        assert.equal(readLock(dir).pid, child.pid, "the killed writer's lock is still there");
        const store = await open({ backend: "file", dir });
        assert.equal(readLock(dir).pid, process.pid);
        assert.deepEqual(await store.collection("children").get(String(child.pid)), {
          pid: child.pid,
        });
        await store.close();
        assert.deepEqual(lockFiles(dir), []);
      });
    },
  );

  test("who holds a lock: a pid reused, another host, an unreadable lock", async () => {
    await withLockDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      const mine = readLock(dir);
      await store.close();
      const write = (holder: object | string) =>
        writeFileSync(
          join(dir, LOCK_FILE),
          typeof holder === "string" ? holder : JSON.stringify(holder),
        );
      const token = "0123456789abcdef0123456789abcdef";

      // Gone: no such process.
      write({ ...mine, pid: await deadPid(), token });
      assert.equal(judge(readLock(dir)), "dead");
      await (await open({ backend: "file", dir })).close();
      // Where the system tells a process's start time: a live pid that started later is reused.
      if (mine.start !== undefined) {
        assert.equal(judge({ ...mine, start: "1" }), "dead");
        assert.equal(judge({ ...mine, boot: "another boot" }), "dead");
      }
      // Another host, or another pid namespace: nothing can be told, so the lock holds.
      const remote = { ...mine, host: "elsewhere.example", pid: 4242, token };
      write(remote);
      assert.equal(judge(remote), "unknown");
      const error = await rejectsWith(open({ backend: "file", dir }), "BUSY");
      assert.ok(error.message.includes(`pid 4242 on host "elsewhere.example"`), error.message);
      assert.ok(error.message.includes(join(dir, LOCK_FILE)), "names the file to remove");
      assert.equal(readLock(dir).token, token, "never taken over");
      if (mine.pidns !== undefined) {
        assert.equal(judge({ ...mine, pid: 1, pidns: "pid:[1]" }), "unknown");
      }
      // A lock that cannot be read is held, never stale.
      write("{");
      const damaged = await rejectsWith(open({ backend: "file", dir }), "BUSY");
      assert.match(damaged.message, /cannot be read/);
      rmSync(join(dir, LOCK_FILE));
      // The lock is never a reason to refuse a reader.
      write(remote);
      const reader = await open({ backend: "file", dir, readonly: true });
      await reader.close();
      assert.equal(readLock(dir).token, token);
    });
  });

  test("a stale lock is only removed by the holder of its claim", async () => {
    await withLockDir(async (dir) => {
      const store = await open({ backend: "file", dir });
      const mine = readLock(dir);
      await store.close();
      const dead = await deadPid();
      const stale = { ...mine, pid: dead, token: "5".repeat(32) };
      const claim = join(dir, `${LOCK_FILE}.takeover-${stale.token}`);
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify(stale));
      // A live process (this one, for the test) is taking it over: hands off.
      writeFileSync(claim, JSON.stringify({ ...mine, token: "6".repeat(32) }));
      const error = await rejectsWith(open({ backend: "file", dir }), "BUSY");
      assert.match(error.message, /is taking over the lock of a writer that is gone/);
      assert.equal(readLock(dir).token, stale.token, "the stale lock is left to the claimant");
      // The claimant was killed too: its claim is stale in turn, and taken over the same way.
      writeFileSync(claim, JSON.stringify({ ...mine, pid: dead, token: "7".repeat(32) }));
      writeFileSync(join(dir, `${LOCK_FILE}.${"8".repeat(32)}.new`), JSON.stringify(stale));
      const next = await open({ backend: "file", dir });
      assert.equal(readLock(dir).pid, process.pid);
      assert.deepEqual(lockFiles(dir), [LOCK_FILE], "leftovers of dead processes are removed");
      await next.close();
      assert.deepEqual(lockFiles(dir), []);
    });
  });

  test(
    "two processes racing to take over one stale lock: exactly one wins",
    LOCK_TIMEOUT,
    async () => {
      await withLockDir(async (dir) => {
        const store = await open({ backend: "file", dir });
        const mine = readLock(dir);
        await store.close();
        const dead = await deadPid();
        for (let round = 0; round < 4; round++) {
          const stale = { ...mine, pid: dead, token: `${round}`.repeat(32) };
          writeFileSync(join(dir, LOCK_FILE), JSON.stringify(stale));
          const children = [new LockChild(dir, "write"), new LockChild(dir, "write")];
          for (const child of children) await child.ready();
          const at = Date.now() + 200;
          for (const child of children) child.send(`go ${at}`);
          const results = await Promise.all(children.map((child) => child.next()));
          const winners = children.filter((_, i) => results[i].event === "opened");
          assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(results)}`);
          const loser = results.find((result) => result.event !== "opened")!;
          assert.equal(loser.code, "BUSY", String(loser.message));
          assert.equal(readLock(dir).pid, winners[0].pid);
          await winners[0].close();
          for (const child of children) await child.exited;
          assert.deepEqual(lockFiles(dir), [], `round ${round}: nothing left behind`);
        }
      });
    },
  );

  test(
    "issue 9: concurrent ifRev increments from a second process cannot be lost",
    LOCK_TIMEOUT,
    async () => {
      await withLockDir(async (dir) => {
        const store = await open({ backend: "file", dir });
        const counter = store.collection("counter");
        await counter.put("c", { n: 0 });
        const child = new LockChild(dir, "increment");
        await child.ready();
        child.send("go");
        let mine = 0;
        while (mine < 200) {
          const entry = (await counter.entry("c"))!;
          try {
            await counter.put("c", { n: (entry.doc.n as number) + 1 }, { ifRev: entry.rev });
            mine++;
          } catch (error) {
            if (!(error instanceof QuireError && error.code === "CONFLICT")) throw error;
          }
        }
        const result = await child.next();
        assert.equal(result.event, "error", "the second writer is refused at open");
        assert.equal(result.code, "BUSY");
        await child.exited;
        assert.deepEqual(await counter.get("c"), { n: 200 });
        assert.equal((await counter.entry("c"))!.rev, 201);
        assert.deepEqual(await store.collections(), [{ name: "counter", options: {} }]);
        assert.equal((await store.check()).ok, true);
        await store.close();
      });
    },
  );
});
