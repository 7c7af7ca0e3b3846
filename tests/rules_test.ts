/**
 * The shared rules under the API: id order and generation, UTF-8 sizes, cursors, NDJSON export.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { exportNdjson, open, writeExport } from "../mod.ts";
import { decodeCursor, encodeCursor } from "../src/cursor.ts";
import { encodeDocument, utf8Length } from "../src/document.ts";
import { compareCodePoints, newId } from "../src/names.ts";
import { seededRandom, tempDir, throwsWith } from "./helpers.ts";

const SAMPLES = [
  0x41,
  0x7a,
  0xe9,
  0x3b1,
  0x4e2d,
  0xd7ff,
  0xe000,
  0xfffd,
  0xffff,
  0x1f600,
  0x10ffff,
];

function randomString(next: () => number): string {
  const length = Math.floor(next() * 6);
  let text = "";
  for (let i = 0; i < length; i++) {
    text += String.fromCodePoint(SAMPLES[Math.floor(next() * SAMPLES.length)]);
  }
  return text;
}

describe("rules", () => {
  test("compareCodePoints orders as UTF-8 bytes do (SQLite's BINARY collation)", () => {
    const next = seededRandom(7);
    const bytes = (text: string) => [...new TextEncoder().encode(text)];
    for (let i = 0; i < 5000; i++) {
      const a = randomString(next);
      const b = randomString(next);
      const [x, y] = [bytes(a), bytes(b)];
      let expected = 0;
      for (let j = 0; j < Math.min(x.length, y.length) && expected === 0; j++) {
        expected = x[j] - y[j];
      }
      if (expected === 0) expected = x.length - y.length;
      assert.equal(Math.sign(compareCodePoints(a, b)), Math.sign(expected), `${a} vs ${b}`);
    }
    // Where JavaScript's own order differs: U+FFFF sorts after U+1F600 in UTF-16, before in UTF-8.
    assert.ok("\uFFFF" > "\u{1F600}");
    assert.ok(compareCodePoints("\uFFFF", "\u{1F600}") < 0);
  });

  test("utf8Length agrees with TextEncoder", () => {
    const next = seededRandom(11);
    for (let i = 0; i < 2000; i++) {
      const text = randomString(next) + randomString(next);
      assert.equal(utf8Length(text), new TextEncoder().encode(text).length);
    }
  });

  test("newId makes 26-character ids that sort in the order they were made", () => {
    const ids = Array.from({ length: 5000 }, () => newId());
    for (const id of ids) assert.match(id, /^[0-9a-hjkmnp-tv-z]{26}$/);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
  });

  test("cursors round-trip and refuse everything else", () => {
    const values = [null, 2.5, "a/b \u{1F600}", "id-1"];
    const cursor = encodeCursor("tag", values);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(cursor, "tag", 4), values);
    throwsWith(() => decodeCursor(cursor, "other query", 4), "INVALID_FILTER");
    throwsWith(() => decodeCursor(cursor, "tag", 3), "INVALID_FILTER");
    throwsWith(() => decodeCursor(encodeCursor("tag", [1, 2]), "tag", 2), "INVALID_FILTER");
    for (const bad of [undefined, 5, "", "%%%", "e30", cursor.slice(0, -2), "a".repeat(5000)]) {
      throwsWith(() => decodeCursor(bad, "tag", 4), "INVALID_FILTER");
    }
  });

  test("encodeDocument returns the JSON text and counts bytes, not characters", () => {
    assert.equal(encodeDocument({ a: [1, "é"] }, 100), '{"a":[1,"é"]}');
    assert.equal(encodeDocument({ t: "é".repeat(4) }, 16), '{"t":"éééé"}'); // 8 + 8 bytes
    throwsWith(() => encodeDocument({ t: "é".repeat(5) }, 16), "TOO_LARGE");
  });
});

describe("NDJSON export", () => {
  test("a header line with the collections and their options, then one line per document", async () => {
    const store = await open("memory://");
    await store.collection("notes", { indexes: ["year"] }).putMany([["n1", { year: 1 }], ["n2", {
      year: 2,
    }]]);
    await store.collection("users").put("u1", { name: "Zoë" });
    const lines: string[] = [];
    for await (const line of exportNdjson(store)) lines.push(line);
    assert.ok(lines.every((line) => line.endsWith("\n") && !line.slice(0, -1).includes("\n")));
    const [header, ...records] = lines.map((line) => JSON.parse(line));
    assert.equal(header.format, "quire-export");
    assert.equal(header.version, 1);
    assert.deepEqual(header.collections, { notes: { indexes: ["year"] }, users: {} });
    assert.deepEqual(records.map((record) => [record.collection, record.id, record.doc]), [
      ["notes", "n1", { year: 1 }],
      ["notes", "n2", { year: 2 }],
      ["users", "u1", { name: "Zoë" }],
    ]);
    await store.close();
  });

  test("writeExport writes a file that import() restores exactly, options included", async () => {
    const { dir, remove } = tempDir();
    try {
      const store = await open(`sqlite://${join(dir, "a.db")}`);
      const notes = store.collection("notes", { indexes: [["party", "year"]] });
      await notes.putMany(
        Array.from({ length: 1200 }, (_, i) => [`n${i}`, { i, text: "line\nbreak" }] as const),
      );
      await notes.put("n0", { i: 0, edited: true });
      const path = join(dir, "export.ndjson");
      assert.deepEqual(await writeExport(store, path), { documents: 1200 });
      assert.equal(readFileSync(path, "utf8").split("\n").length, 1202); // header + 1200 + trailing ""
      const copy = await open(`sqlite://${join(dir, "b.db")}`);
      const result = await copy.import(readFileSync(path));
      assert.deepEqual(result, { imported: 1200, skipped: 0, failed: [], failedCount: 0 });
      assert.deepEqual(await copy.collections(), [{
        name: "notes",
        options: { indexes: [["party", "year"]] },
      }]);
      assert.deepEqual(await copy.collection("notes").entry("n0"), await notes.entry("n0"));
      await copy.close();
      await store.close();
    } finally {
      remove();
    }
  });
});
