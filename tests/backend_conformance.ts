/**
 * The backend conformance suite: one set of cases that every backend set-up (memory, file,
 * SQLite file, SQLite in memory) runs through the public API, on Bun, Deno and Node. Each
 * backend's test file is one call to {@linkcode runBackendTests} plus its own extras.
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  type Document,
  exportNdjson,
  type ExportRecord,
  MAX_DEPTH,
  open,
  QuireError,
  ref,
  type Store,
} from "../mod.ts";
import { rejectsWith, tempDir, throwsWith } from "./helpers.ts";
import { runSearchTests } from "./search_conformance.ts";

/** Options a test may open a store with. */
export interface OpenSettings {
  readonly?: boolean;
  maxDocumentBytes?: number;
}

/** A backend set-up under test: each `setup()` makes a fresh, empty place for data. */
export interface BackendUnderTest {
  name: string;
  setup(): {
    /** Opens a store on this set-up's data (a new empty store each time unless persistent). */
    open(settings?: OpenSettings): Promise<Store>;
    /** Whether a second `open()` sees what the first one wrote. */
    persistent: boolean;
    cleanup(): void;
  };
  /** Cases this backend does not run, each with its reason. */
  skip?: { reason: string; tests: string[] }[];
  /** Each case's timeout, for a backend whose every call is a round trip. @default the runner's */
  timeoutMs?: number;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A document with every kind of JSON value, including text that stresses encodings. */
const RICH: Document = {
  title: "Zoë's café — 東京 🚀",
  empty: "",
  count: 42,
  ratio: -0.125,
  big: Number.MAX_SAFE_INTEGER,
  small: Number.MIN_SAFE_INTEGER,
  tiny: 5e-324,
  huge: 1.7976931348623157e308,
  avogadro: 6.02214076e23,
  negativeHuge: -1e21,
  yes: true,
  no: false,
  nothing: null,
  nul: "a\u0000b",
  controls: "tab\tnewline\nreturn\r",
  quotes: `"double" 'single' \\ backslash`,
  tags: ["a", "b", ["nested", { deep: [1, 2, 3] }]],
  nested: { a: { b: { c: { d: "e" } } }, "key with spaces": 1, "dotted.key": 2, "": "empty key" },
  emptyObject: {},
  emptyArray: [],
  astral: "\u{1F600}\u{10FFFF}",
  bmpEdge: "\uFFFF\uE000",
};

/** Ids every backend must accept and keep apart. */
const ODD_IDS = [
  "../x",
  "a/b",
  "a\\b",
  "CON",
  "con",
  "nul.txt",
  ".",
  "..",
  "A",
  "a",
  " leading and trailing ",
  "trailing.",
  "%2F",
  "~tilde~",
  "_underscore",
  "Ünïcödé",
  "東京",
  "🚀",
  "\u{10FFFF}",
  "\uFFFF",
  "x".repeat(512),
  "é".repeat(256),
  "🚀".repeat(128),
  'quote"s <and> | pipes ? * :',
];

/** Registers the conformance cases for `backend`. */
export function runBackendTests(backend: BackendUnderTest): void {
  const skipped = new Map<string, string>();
  for (const { reason, tests } of backend.skip ?? []) {
    for (const name of tests) skipped.set(name, reason);
  }

  /** A case on a fresh store; the store and its data are removed afterwards. */
  function it(
    name: string,
    fn: (store: Store, env: ReturnType<BackendUnderTest["setup"]>) => Promise<void> | void,
  ) {
    const reason = skipped.get(name);
    if (reason !== undefined) {
      test(name, { skip: reason }, () => {});
      return;
    }
    test(name, backend.timeoutMs === undefined ? {} : { timeout: backend.timeoutMs }, async () => {
      const env = backend.setup();
      const store = await env.open();
      try {
        await fn(store, env);
      } finally {
        await store.close();
        env.cleanup();
      }
    });
  }

  describe(`backend conformance: ${backend.name}`, () => {
    describe("documents", () => {
      it("a document round-trips deep-equal, with every kind of JSON value", async (store) => {
        const notes = store.collection("notes");
        await notes.put("rich", RICH);
        assert.deepEqual(await notes.get("rich"), RICH);
        const entry = await notes.entry("rich");
        assert.deepEqual(entry?.doc, RICH);
      });

      it("put returns metadata: rev starts at 1 and grows by one per write", async (store) => {
        const notes = store.collection("notes");
        const first = await notes.put("n1", { v: 1 });
        assert.equal(first.id, "n1");
        assert.equal(first.rev, 1);
        assert.match(first.createdAt, ISO_MS);
        assert.equal(first.updatedAt, first.createdAt);
        await new Promise((resolve) => setTimeout(resolve, 3));
        const second = await notes.put("n1", { v: 2 });
        assert.equal(second.rev, 2);
        assert.equal(second.createdAt, first.createdAt);
        assert.ok(second.updatedAt > first.updatedAt);
        const third = await notes.put("n1", { v: 3 });
        assert.equal(third.rev, 3);
        const entry = await notes.entry("n1");
        assert.deepEqual(entry, { ...third, doc: { v: 3 } });
      });

      it("get, entry and has of a missing id", async (store) => {
        const notes = store.collection("notes");
        assert.equal(await notes.get("missing"), undefined);
        assert.equal(await notes.entry("missing"), undefined);
        assert.equal(await notes.has("missing"), false);
        await notes.put("present", {});
        assert.equal(await notes.has("present"), true);
        assert.deepEqual(await notes.get("present"), {});
      });

      it("collections are separate namespaces, also when names differ only in case", async (store) => {
        await store.collection("notes").put("x", { in: "notes" });
        await store.collection("Notes").put("x", { in: "Notes" });
        await store.collection("other").put("y", {});
        assert.deepEqual(await store.collection("notes").get("x"), { in: "notes" });
        assert.deepEqual(await store.collection("Notes").get("x"), { in: "Notes" });
        assert.equal(await store.collection("notes").has("y"), false);
        const names = (await store.collections()).map((collection) => collection.name);
        assert.deepEqual(names, ["Notes", "notes", "other"]);
      });

      it("reading a collection that does not exist creates nothing", async (store) => {
        const ghost = store.collection("ghost", { indexes: ["year"] });
        assert.equal(await ghost.get("x"), undefined);
        assert.equal(await ghost.has("x"), false);
        assert.equal(await ghost.count(), 0);
        assert.deepEqual(await ghost.find(), { items: [] });
        assert.equal(await ghost.delete("x"), false);
        assert.deepEqual(await store.collections(), []);
        await ghost.put("x", {});
        assert.deepEqual(await store.collections(), [{
          name: "ghost",
          options: { indexes: ["year"] },
        }]);
      });

      it("every valid id works and stays distinct", async (store) => {
        const notes = store.collection("notes");
        for (const id of ODD_IDS) await notes.put(id, { id });
        for (const id of ODD_IDS) {
          assert.deepEqual(await notes.get(id), { id }, `id ${JSON.stringify(id)}`);
        }
        assert.equal(await notes.count(), ODD_IDS.length);
        const listed = (await notes.find({}, { limit: 1000 })).items.map((entry) => entry.id);
        assert.deepEqual(new Set(listed), new Set(ODD_IDS));
      });

      it("insert makes time-ordered ids that sort in insertion order", async (store) => {
        const notes = store.collection("notes");
        const ids: string[] = [];
        for (let i = 0; i < 50; i++) ids.push((await notes.insert({ i })).id);
        assert.equal(new Set(ids).size, 50);
        assert.deepEqual([...ids].sort(), ids);
        const listed = (await notes.find({}, { limit: 100 })).items.map((entry) => entry.doc.i);
        assert.deepEqual(listed, [...Array(50).keys()]);
      });

      it("delete removes a document and says whether it existed", async (store) => {
        const notes = store.collection("notes");
        await notes.put("n1", { v: 1 });
        assert.equal(await notes.delete("n1"), true);
        assert.equal(await notes.delete("n1"), false);
        assert.equal(await notes.get("n1"), undefined);
        assert.equal(await notes.count(), 0);
        // A new document under a deleted id starts again at rev 1.
        assert.equal((await notes.put("n1", { v: 2 })).rev, 1);
      });

      it("count and clear", async (store) => {
        const notes = store.collection("notes");
        assert.equal(await notes.count(), 0);
        await notes.putMany(Array.from({ length: 25 }, (_, i) => [`n${i}`, { i }] as const));
        await store.collection("other").put("keep", {});
        assert.equal(await notes.count(), 25);
        assert.equal(await notes.clear(), 25);
        assert.equal(await notes.count(), 0);
        assert.equal(await notes.clear(), 0);
        assert.equal(await store.collection("other").count(), 1);
      });

      it("nothing is shared with objects passed in or handed out", async (store) => {
        const notes = store.collection("notes");
        const doc = { list: [1, 2], inner: { x: 1 } };
        await notes.put("n1", doc);
        doc.list.push(3);
        doc.inner.x = 99;
        const got = (await notes.get("n1"))!;
        assert.deepEqual(got, { list: [1, 2], inner: { x: 1 } });
        (got.list as number[]).push(4);
        (got.inner as { x: number }).x = 7;
        assert.deepEqual(await notes.get("n1"), { list: [1, 2], inner: { x: 1 } });
        const page = await notes.find();
        (page.items[0].doc.inner as { x: number }).x = 5;
        assert.deepEqual(await notes.get("n1"), { list: [1, 2], inner: { x: 1 } });
      });

      it("__proto__ and constructor keys round-trip as data and pollute nothing", async (store) => {
        const notes = store.collection("notes");
        const doc = JSON.parse(
          '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "a": {"__proto__": [1]}}',
        );
        await notes.put("p", doc);
        const got = (await notes.get("p"))!;
        assert.deepEqual(Object.keys(got), ["__proto__", "constructor", "a"]);
        assert.ok(Object.hasOwn(got, "__proto__"));
        assert.deepEqual(Object.getOwnPropertyDescriptor(got, "__proto__")?.value, {
          polluted: true,
        });
        assert.equal(Object.getPrototypeOf(got), Object.prototype);
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
        assert.deepEqual(JSON.stringify(got), JSON.stringify(doc));
        const listed = (await notes.find()).items[0].doc;
        assert.ok(Object.hasOwn(listed, "__proto__"));
      });

      it("-0 is stored as 0 and an undefined property is left out, as in JSON", async (store) => {
        const notes = store.collection("notes");
        await notes.put("z", { zero: -0, list: [-0], gone: undefined });
        const got = (await notes.get("z"))!;
        assert.ok(Object.is(got.zero, 0));
        assert.ok(Object.is((got.list as number[])[0], 0));
        assert.deepEqual(got, { zero: 0, list: [0] });
      });

      it("many concurrent writes to one id each take effect once", async (store) => {
        const notes = store.collection("notes");
        await Promise.all(Array.from({ length: 100 }, (_, i) => notes.put("hot", { i })));
        assert.equal((await notes.entry("hot"))?.rev, 100);
      });
    });

    describe("refusals leave nothing written", () => {
      const invalidDocuments: [string, () => unknown, RegExp][] = [
        ["NaN", () => ({ a: NaN }), /\$\.a .*NaN/],
        ["Infinity", () => ({ a: { b: Infinity } }), /\$\.a\.b .*Infinity/],
        ["-Infinity", () => ({ a: [-Infinity] }), /\$\.a\[0\]/],
        ["BigInt", () => ({ a: 1n }), /\$\.a .*BigInt/],
        ["undefined in an array", () => ({ a: [1, undefined] }), /\$\.a\[1\] .*undefined/],
        ["a sparse array", () => ({ a: [1, , 3] }), /\$\.a\[1\] .*hole/],
        ["a function", () => ({ f() {} }), /\$\.f .*function/],
        ["a symbol value", () => ({ s: Symbol("x") }), /\$\.s .*symbol/],
        ["a symbol key", () => ({ [Symbol("k")]: 1 }), /symbol key/],
        ["a Date", () => ({ when: new Date(0) }), /\$\.when .*Date/],
        ["a Map", () => ({ m: new Map() }), /\$\.m .*Map/],
        ["a class instance", () => ({ p: new (class Point {})() }), /\$\.p .*Point/],
        ["a Uint8Array", () => ({ bytes: new Uint8Array(2) }), /\$\.bytes .*Uint8Array/],
        ["a cycle", () => {
          const a: Record<string, unknown> = { x: 1 };
          a.self = { back: a };
          return a;
        }, /\$\.self\.back .*cycle/],
        ["a lone surrogate in a value", () => ({ s: "a\uD800b" }), /\$\.s .*lone surrogate/],
        ["a lone surrogate in a key", () => ({ ["k\uDC00"]: 1 }), /lone surrogate/],
        // SQLite's JSON paths end a key at NUL, so { "n\0x": 2 } would match { n: 2 } there.
        [
          "a key holding NUL",
          () => ({ a: { ["n\u0000x"]: 2 } }),
          /\$\.a\["n\\u0000x"\] is a key holding NUL/,
        ],
        ["an integer beyond 2^53", () => ({ n: 2 ** 53 }), /\$\.n .*2\^53/],
        ["a negative integer beyond 2^53", () => ({ n: -(2 ** 60) }), /\$\.n/],
        ["a whole number just under 10^21", () => ({ n: 9.99e20 }), /\$\.n/],
        ["nesting deeper than the limit", () => {
          let doc: Record<string, unknown> = { leaf: true };
          for (let i = 0; i < MAX_DEPTH; i++) doc = { d: doc };
          return doc;
        }, /deeper than 64/],
        ["an array at the top", () => [1, 2], /plain object, got an array/],
        ["a string at the top", () => "text", /plain object/],
        ["null at the top", () => null, /plain object, got null/],
        [
          "an object with a custom prototype",
          () => Object.create({ inherited: 1 }),
          /plain object/,
        ],
      ];
      for (const [what, make, message] of invalidDocuments) {
        it(`refuses ${what} with INVALID_DOCUMENT naming the path`, async (store) => {
          const notes = store.collection("notes");
          const error = await rejectsWith(notes.put("bad", make() as Document), "INVALID_DOCUMENT");
          assert.match(error.message, message);
          await rejectsWith(
            notes.putMany([["good", { ok: 1 }], ["bad", make() as Document]]),
            "INVALID_DOCUMENT",
          );
          await rejectsWith(notes.insert(make() as Document), "INVALID_DOCUMENT");
          assert.equal(await notes.count(), 0);
          assert.equal(await notes.has("good"), false);
        });
      }

      it("accepts nesting exactly at the depth limit", async (store) => {
        let doc: Record<string, unknown> = { leaf: true };
        for (let i = 0; i < MAX_DEPTH - 2; i++) doc = { d: doc };
        await store.collection("notes").put("deep", doc as Document);
        assert.deepEqual(await store.collection("notes").get("deep"), doc);
      });

      it("refuses a document over the size limit with TOO_LARGE", async (store, env) => {
        await store.close(); // the file backend lets one store write a directory at a time
        const small = await env.open({ maxDocumentBytes: 1000 });
        try {
          const notes = small.collection("notes");
          await notes.put("fits", { text: "x".repeat(900) });
          // 400 × "é" is 800 bytes of UTF-8: the limit counts bytes, not characters.
          const error = await rejectsWith(notes.put("big", { text: "é".repeat(500) }), "TOO_LARGE");
          assert.match(error.message, /1000 bytes/);
          await rejectsWith(
            notes.putMany([["ok", {}], ["big", { text: "x".repeat(2000) }]]),
            "TOO_LARGE",
          );
          assert.equal(await notes.count(), 1);
        } finally {
          await small.close();
        }
      });

      const invalidIds: [string, unknown][] = [
        ["an empty id", ""],
        ["an id with NUL", "a\u0000b"],
        ["an id with a newline", "a\nb"],
        ["an id with DEL", "a\u007f"],
        ["an id with a C1 control", "a\u0085"],
        ["an id with a lone surrogate", "a\uD800"],
        ["an id over 512 bytes", "x".repeat(513)],
        ["an id of 171 three-byte characters (513 bytes)", "東".repeat(171)],
        ["a number as id", 42],
        ["undefined as id", undefined],
      ];
      for (const [what, id] of invalidIds) {
        it(`refuses ${what} with INVALID_ID on every entry point`, async (store) => {
          const notes = store.collection("notes");
          const bad = id as string;
          await rejectsWith(notes.put(bad, {}), "INVALID_ID");
          await rejectsWith(notes.putMany([["fine", {}], [bad, {}]]), "INVALID_ID");
          await rejectsWith(notes.get(bad), "INVALID_ID");
          await rejectsWith(notes.entry(bad), "INVALID_ID");
          await rejectsWith(notes.has(bad), "INVALID_ID");
          await rejectsWith(notes.delete(bad), "INVALID_ID");
          assert.equal(await notes.count(), 0);
        });
      }

      const invalidNames = [
        "",
        "1abc",
        "a b",
        "a/b",
        "../x",
        "_x",
        "x".repeat(65),
        "é",
        "a.b",
        "a\u0000",
      ];
      for (const name of invalidNames) {
        it(`refuses the collection name ${JSON.stringify(name.slice(0, 20))} with INVALID_NAME`, async (store) => {
          throwsWith(() => store.collection(name), "INVALID_NAME");
          assert.deepEqual(await store.collections(), []);
        });
      }

      it("accepts collection names at the edges of the rule", async (store) => {
        for (const name of ["a", "Z", "a-b_c9", "x".repeat(64)]) {
          await store.collection(name).put("1", {});
        }
        assert.equal((await store.collections()).length, 4);
      });

      it("refuses bad write options and bad find options", async (store) => {
        const notes = store.collection("notes");
        await rejectsWith(notes.put("n", {}, { ifRev: -1 }), "INVALID_OPTION");
        await rejectsWith(notes.put("n", {}, { ifRev: 1.5 }), "INVALID_OPTION");
        await rejectsWith(notes.delete("n", { ifRev: NaN }), "INVALID_OPTION");
        for (const limit of [0, -1, 1.5, NaN, Infinity, "10"]) {
          await rejectsWith(notes.find({}, { limit: limit as number }), "INVALID_OPTION");
        }
        await rejectsWith(notes.get("n", { resolve: -1 }), "INVALID_OPTION");
        await rejectsWith(notes.get("n", { resolve: 1000 }), "INVALID_OPTION");
        throwsWith(() => store.collection("opts", { bogus: true } as never), "INVALID_OPTION");
        throwsWith(() => store.collection("opts", { indexes: "year" } as never), "INVALID_OPTION");
        throwsWith(() => store.collection("opts", { indexes: ["a..b"] }), "INVALID_OPTION");
        assert.equal(await notes.count(), 0);
      });
    });

    describe("conditional writes", () => {
      it("ifRev must match the stored rev, else CONFLICT and nothing changes", async (store) => {
        const notes = store.collection("notes");
        await notes.put("n1", { v: 1 });
        await notes.put("n1", { v: 2 }, { ifRev: 1 });
        const error = await rejectsWith(notes.put("n1", { v: 3 }, { ifRev: 1 }), "CONFLICT");
        assert.match(error.message, /expected rev 1, but its rev is 2/);
        assert.deepEqual(await notes.entry("n1").then((entry) => [entry?.rev, entry?.doc]), [2, {
          v: 2,
        }]);
      });

      it("ifRev 0 means the document must not exist yet", async (store) => {
        const notes = store.collection("notes");
        assert.equal((await notes.put("n1", { v: 1 }, { ifRev: 0 })).rev, 1);
        await rejectsWith(notes.put("n1", { v: 2 }, { ifRev: 0 }), "CONFLICT");
        assert.deepEqual(await notes.get("n1"), { v: 1 });
      });

      it("ifRev on a missing document is a CONFLICT and creates nothing", async (store) => {
        const notes = store.collection("notes");
        const error = await rejectsWith(notes.put("ghost", {}, { ifRev: 3 }), "CONFLICT");
        assert.match(error.message, /does not exist/);
        assert.equal(await notes.has("ghost"), false);
      });

      it("delete with ifRev", async (store) => {
        const notes = store.collection("notes");
        await notes.put("n1", {});
        await notes.put("n1", {});
        await rejectsWith(notes.delete("n1", { ifRev: 1 }), "CONFLICT");
        await rejectsWith(notes.delete("n1", { ifRev: 0 }), "CONFLICT");
        assert.equal(await notes.has("n1"), true);
        assert.equal(await notes.delete("n1", { ifRev: 2 }), true);
        await rejectsWith(notes.delete("n1", { ifRev: 2 }), "CONFLICT");
        assert.equal(await notes.delete("n1", { ifRev: 0 }), false);
      });
    });

    describe("find and pagination", () => {
      it("pages come in code point order of ids, with an opaque cursor", async (store) => {
        const notes = store.collection("notes");
        const ids = [
          "b",
          "a",
          "B",
          "aa",
          "é",
          "\uFFFF",
          "\u{1F600}",
          "\uE000",
          "10",
          "9",
          "a b",
          "~",
        ];
        for (const id of ids) await notes.put(id, { id });
        const expected = [...ids].sort((x, y) => {
          const a = [...x].map((c) => c.codePointAt(0)!);
          const b = [...y].map((c) => c.codePointAt(0)!);
          for (let i = 0; i < Math.min(a.length, b.length); i++) {
            if (a[i] !== b[i]) return a[i] - b[i];
          }
          return a.length - b.length;
        });
        const seen: string[] = [];
        let page = await notes.find({}, { limit: 5 });
        for (;;) {
          assert.ok(page.items.length <= 5);
          seen.push(...page.items.map((entry) => entry.id));
          if (page.next === undefined) break;
          assert.match(page.next, /^[A-Za-z0-9_-]+$/);
          page = await notes.find({}, { limit: 5, after: page.next });
        }
        assert.deepEqual(seen, expected);
      });

      it("an entry has its metadata and document", async (store) => {
        const notes = store.collection("notes");
        const meta = await notes.put("n1", { title: "x" });
        const { items, next } = await notes.find();
        assert.equal(next, undefined);
        assert.deepEqual(items, [{ ...meta, doc: { title: "x" } }]);
      });

      it("the default limit is 50 and huge limits are clamped", async (store) => {
        const notes = store.collection("notes");
        await notes.putMany(
          Array.from({ length: 60 }, (_, i) => [`n${String(i).padStart(2, "0")}`, { i }] as const),
        );
        const first = await notes.find();
        assert.equal(first.items.length, 50);
        assert.ok(first.next);
        const rest = await notes.find({}, { after: first.next });
        assert.equal(rest.items.length, 10);
        assert.equal(rest.next, undefined);
        assert.equal((await notes.find({}, { limit: 1e9 })).items.length, 60);
      });

      it("a tampered or foreign cursor is INVALID_FILTER", async (store) => {
        const notes = store.collection("notes");
        await notes.putMany([["a", {}], ["b", {}], ["c", {}]]);
        const { next } = await notes.find({}, { limit: 1 });
        for (
          const cursor of [
            `${next}x`,
            "not a cursor",
            "",
            "e30",
            btoa('{"q":"other","k":"a"}'),
            "!!!",
            "a".repeat(5000),
          ]
        ) {
          await rejectsWith(notes.find({}, { after: cursor }), "INVALID_FILTER");
        }
      });

      it("after: undefined is the first page; null or any other non-string is INVALID_OPTION", async (store) => {
        const notes = store.collection("notes", { search: { fields: ["title"] } });
        await notes.putMany([["a", { title: "fox" }], ["b", { title: "fox" }], [
          "c",
          { title: "fox" },
        ]]);
        // The idiomatic loop: its first call passes `after: undefined`, its last page has no next.
        const seen: string[] = [];
        let after: string | undefined;
        do {
          const page = await notes.find({}, { limit: 2, after });
          seen.push(...page.items.map((entry) => entry.id));
          after = page.next;
        } while (after !== undefined);
        assert.deepEqual(seen, ["a", "b", "c"]);
        const hits: string[] = [];
        do {
          const page = await notes.search("fox", { limit: 2, after });
          hits.push(...page.hits.map((hit) => hit.id));
          after = page.next;
        } while (after !== undefined);
        assert.deepEqual(hits.toSorted(), ["a", "b", "c"]);

        for (const bad of [null, 0, 1, false, {}, ["x"]]) {
          const options = { after: bad } as unknown as { after: string };
          const found = await rejectsWith(notes.find({}, options), "INVALID_OPTION");
          assert.equal(
            found.message,
            "after must be a cursor string from a page's next; leave it out for the first page",
          );
          await rejectsWith(
            notes.find('title = "fox"', { sort: "title", ...options }),
            "INVALID_OPTION",
          );
          await rejectsWith(notes.search("fox", options), "INVALID_OPTION");
          await rejectsWith(
            notes.search("fox", { filter: { title: "fox" }, ...options }),
            "INVALID_OPTION",
          );
        }
      });

      it("pagination is stable while others insert and delete", async (store) => {
        const notes = store.collection("notes");
        const stable = Array.from({ length: 40 }, (_, i) => `s${String(i).padStart(2, "0")}`);
        for (const id of stable) await notes.put(id, {});
        const seen: string[] = [];
        let after: string | undefined;
        let round = 0;
        do {
          const page = await notes.find({}, { limit: 7, after });
          seen.push(...page.items.map((entry) => entry.id));
          after = page.next;
          // Writers insert before and after the cursor and delete transient documents.
          await notes.put(`s${String(round).padStart(2, "0")}-new`, {});
          await notes.put(`a-early-${round}`, {});
          await notes.put(`z-late-${round}`, {});
          if (round > 0) await notes.delete(`z-late-${round - 1}`);
          round++;
        } while (after !== undefined);
        assert.equal(new Set(seen).size, seen.length, "no duplicates");
        for (const id of stable) assert.ok(seen.includes(id), `${id} was not skipped`);
      });
    });

    describe("queries", () => {
      const SPEECHES: [string, Document][] = [
        ["s1", {
          year: 1790,
          president: "Washington",
          party: "none",
          tags: ["union", "credit"],
          words: 1089,
        }],
        ["s2", {
          year: 1861,
          president: "Lincoln",
          party: "Republican",
          tags: ["union", "war"],
          words: 6998,
        }],
        ["s3", {
          year: 1933,
          president: "Roosevelt",
          party: "Democratic",
          tags: ["banks"],
          words: 2100.5,
        }],
        ["s4", { year: 2001, president: "Bush", party: "Republican", tags: [], draft: true }],
        ["s5", { year: 2021, president: "Biden", party: "Democratic", words: null, draft: false }],
        ["s6", {
          year: "1900",
          president: "Zoë",
          party: "Whig",
          nested: { "dotted.key": 1, "a b": [1, 2] },
        }],
      ];

      async function loaded(store: Store) {
        const speeches = store.collection("speeches");
        await speeches.putMany(SPEECHES);
        return speeches;
      }

      async function ids(
        speeches: ReturnType<Store["collection"]>,
        filter?: Record<string, unknown> | string,
        sort?: string,
      ) {
        return (await speeches.find(filter, { sort, limit: 100 })).items.map((entry) => entry.id);
      }

      it("the object form and the text form find the same documents", async (store) => {
        const speeches = await loaded(store);
        const cases: [Record<string, unknown>, string, string[]][] = [
          [{ year: { $gte: 1900 } }, "year >= 1900", ["s3", "s4", "s5"]],
          [{ party: "Republican", year: { $lt: 2000 } }, 'party = "Republican" and year < 2000', [
            "s2",
          ]],
          [
            { $or: [{ tags: { $contains: "war" } }, { draft: true }] },
            'tags contains "war" or draft = true',
            ["s2", "s4"],
          ],
          [{ president: { $startsWith: "B" } }, 'president startsWith "B"', ["s4", "s5"]],
          [{ president: { $like: "%OO%" } }, 'president like "%OO%"', ["s3"]],
          [{ party: { $in: ["Whig", "none"] } }, 'party in ["Whig", "none"]', ["s1", "s6"]],
          [{ $not: { party: "Republican" } }, 'not party = "Republican"', ["s1", "s3", "s5", "s6"]],
        ];
        for (const [object, text, expected] of cases) {
          assert.deepEqual(await ids(speeches, object), expected, JSON.stringify(object));
          assert.deepEqual(await ids(speeches, text), expected, text);
          assert.equal(await speeches.count(object), expected.length);
        }
      });

      it("comparisons are type-strict; $ne and $nin also match a missing path; null is not missing", async (store) => {
        const speeches = await loaded(store);
        assert.deepEqual(await ids(speeches, { year: 1900 }), []);
        assert.deepEqual(await ids(speeches, { year: "1900" }), ["s6"]);
        assert.deepEqual(await ids(speeches, { draft: true }), ["s4"]);
        assert.deepEqual(await ids(speeches, { draft: 1 }), []);
        assert.deepEqual(await ids(speeches, { words: 2100.5 }), ["s3"]);
        assert.deepEqual(await ids(speeches, { words: null }), ["s5"]);
        assert.deepEqual(await ids(speeches, { words: { $exists: false } }), ["s4", "s6"]);
        assert.deepEqual(await ids(speeches, { words: { $exists: true } }), [
          "s1",
          "s2",
          "s3",
          "s5",
        ]);
        assert.deepEqual(await ids(speeches, { draft: { $ne: true } }), [
          "s1",
          "s2",
          "s3",
          "s5",
          "s6",
        ]);
        assert.deepEqual(await ids(speeches, { party: { $nin: ["Republican", "Democratic"] } }), [
          "s1",
          "s6",
        ]);
        assert.deepEqual(await ids(speeches, { "nested.dotted.key": 1 }), []);
        assert.deepEqual(await ids(speeches, '"nested"."dotted.key" = 1'), ["s6"]);
        assert.deepEqual(await ids(speeches, 'nested."a b".1 = 2'), ["s6"]);
        assert.deepEqual(await ids(speeches, { "tags.0": "union" }), ["s1", "s2"]);
      });

      it("sort orders by value with missing first, ties by id; metadata fields work", async (store) => {
        const speeches = await loaded(store);
        assert.deepEqual(await ids(speeches, undefined, "-year"), [
          "s6",
          "s5",
          "s4",
          "s3",
          "s2",
          "s1",
        ]);
        assert.deepEqual(await ids(speeches, undefined, "words"), [
          "s4",
          "s5",
          "s6",
          "s1",
          "s3",
          "s2",
        ]);
        // Code point order puts capitals first: "Democratic" < "Republican" < "Whig" < "none".
        assert.deepEqual(await ids(speeches, undefined, "party,-year"), [
          "s5",
          "s3",
          "s4",
          "s2",
          "s6",
          "s1",
        ]);
        assert.deepEqual(await ids(speeches, { $id: { $in: ["s2", "s9"] } }), ["s2"]);
        await speeches.put("s1", { year: 1790, president: "Washington", party: "none" });
        assert.deepEqual(await ids(speeches, { $rev: { $gt: 1 } }), ["s1"]);
        assert.deepEqual(await ids(speeches, "$rev = 2"), ["s1"]);
        assert.deepEqual(await ids(speeches, { $rev: "2" }), []);
        assert.equal((await ids(speeches, undefined, "-$updatedAt"))[0], "s1");
      });

      it("fields projects each document onto the given paths", async (store) => {
        const speeches = await loaded(store);
        const page = await speeches.find({ $id: "s6" }, {
          fields: ["president", "nested.a b", "missing"],
        });
        assert.deepEqual(page.items[0].doc, { president: "Zoë", nested: { "a b": [1, 2] } });
        const text = await speeches.find({ $id: "s2" }, { fields: "year, tags" });
        assert.deepEqual(text.items[0].doc, { year: 1861, tags: ["union", "war"] });
        await rejectsWith(speeches.find({}, { fields: [] }), "INVALID_FILTER");
        await rejectsWith(speeches.find({}, { fields: ["tags.0"] }), "INVALID_FILTER");
      });

      it("sorted pages stay stable while others write, and cursors belong to their query", async (store) => {
        const notes = store.collection("notes");
        await notes.putMany(
          Array.from(
            { length: 40 },
            (_, i) => [`n${String(i).padStart(2, "0")}`, { n: i % 7, keep: true }] as const,
          ),
        );
        const seen: string[] = [];
        let after: string | undefined;
        let round = 0;
        do {
          const page = await notes.find({ keep: true }, { sort: "-n", limit: 6, after });
          seen.push(...page.items.map((entry) => entry.id));
          after = page.next;
          await notes.put(`x${round}`, { n: round % 7, keep: true });
          await notes.put(`y${round}`, { n: 3, keep: false });
          round++;
        } while (after !== undefined);
        assert.equal(new Set(seen).size, seen.length, "no duplicates");
        for (let i = 0; i < 40; i++) assert.ok(seen.includes(`n${String(i).padStart(2, "0")}`));
        const first = await notes.find({ keep: true }, { sort: "-n", limit: 2 });
        await rejectsWith(
          notes.find({ keep: true }, { sort: "n", after: first.next }),
          "INVALID_FILTER",
        );
        await rejectsWith(
          notes.find({ keep: false }, { sort: "-n", after: first.next }),
          "INVALID_FILTER",
        );
      });

      it("deleteMany deletes exactly the matches, and rolls back with its transaction", async (store) => {
        const speeches = await loaded(store);
        await assert.rejects(store.transaction(async () => {
          assert.equal(await speeches.deleteMany({ party: "Republican" }), 2);
          throw new Error("undo");
        }));
        assert.equal(await speeches.count(), 6);
        assert.equal(await speeches.deleteMany('party = "Republican"'), 2);
        assert.deepEqual(await ids(speeches), ["s1", "s3", "s5", "s6"]);
        assert.equal(await speeches.deleteMany({ party: "nobody" }), 0);
        assert.equal(await store.collection("ghost").deleteMany({ a: 1 }), 0);
      });

      it("a bad filter is INVALID_FILTER and changes nothing", async (store) => {
        const speeches = await loaded(store);
        for (
          const filter of [
            { year: { $regex: "x" } },
            { $where: "1" },
            { year: { $gt: [1] } },
            "year >>= 3",
            "(year = 1",
            { $or: "x" },
          ]
        ) {
          await rejectsWith(speeches.find(filter as Record<string, unknown>), "INVALID_FILTER");
          await rejectsWith(speeches.count(filter as Record<string, unknown>), "INVALID_FILTER");
          await rejectsWith(
            speeches.deleteMany(filter as Record<string, unknown>),
            "INVALID_FILTER",
          );
        }
        await rejectsWith(speeches.find({}, { sort: "year,,title" }), "INVALID_FILTER");
        assert.equal(await speeches.count(), 6);
      });

      it("explain says how a find would run", async (store) => {
        const speeches = await loaded(store);
        const plan = await speeches.explain({ year: { $gte: 1900 } }, { sort: "-year" });
        assert.equal(plan.backend, store.backend);
        assert.ok(plan.plan.length > 0);
        assert.ok(Array.isArray(plan.indexes));
      });
    });

    describe("transactions", () => {
      it("commit makes every write visible", async (store) => {
        await store.transaction(async (tx) => {
          await tx.collection("a").put("1", { v: 1 });
          await tx.collection("b").put("2", { v: 2 });
        });
        assert.deepEqual(await store.collection("a").get("1"), { v: 1 });
        assert.deepEqual(await store.collection("b").get("2"), { v: 2 });
      });

      it("a throw rolls back every write: puts, deletes and clears", async (store) => {
        const notes = store.collection("notes");
        await notes.putMany([["keep", { v: 1 }], ["gone", { v: 1 }]]);
        await assert.rejects(
          store.transaction(async () => {
            await notes.put("keep", { v: 2 });
            await notes.put("new", { v: 1 });
            await notes.delete("gone");
            await store.collection("other").put("x", {});
            assert.equal(await notes.count(), 2, "reads inside see the transaction's own writes");
            await notes.clear();
            assert.equal(await notes.count(), 0);
            throw new Error("boom");
          }),
          /boom/,
        );
        assert.deepEqual(await notes.entry("keep").then((entry) => [entry?.rev, entry?.doc]), [1, {
          v: 1,
        }]);
        assert.equal(await notes.has("new"), false);
        assert.deepEqual(await notes.get("gone"), { v: 1 });
        assert.equal(await store.collection("other").count(), 0);
      });

      it("a failed conditional write inside rolls back the whole transaction", async (store) => {
        const notes = store.collection("notes");
        await notes.put("n1", { v: 1 });
        await rejectsWith(
          store.transaction(async () => {
            await notes.put("n2", { v: 1 });
            await notes.put("n1", { v: 2 }, { ifRev: 5 });
          }),
          "CONFLICT",
        );
        assert.equal(await notes.has("n2"), false);
      });

      it("nested transactions join the outer one; a caught inner failure undoes only the inner part", async (store) => {
        const notes = store.collection("notes");
        const result = await store.transaction(async (tx) => {
          await notes.put("outer", {});
          await tx.transaction(async () => {
            await notes.put("inner-ok", {});
          });
          await assert.rejects(
            store.transaction(async () => {
              await notes.put("inner-bad", {});
              throw new Error("inner");
            }),
            /inner/,
          );
          assert.equal(await notes.has("inner-bad"), false);
          return "done";
        });
        assert.equal(result, "done");
        const ids = (await notes.find()).items.map((entry) => entry.id);
        assert.deepEqual(ids, ["inner-ok", "outer"]);
      });

      it("an outer rollback undoes committed inner transactions too", async (store) => {
        const notes = store.collection("notes");
        await assert.rejects(
          store.transaction(async () => {
            await store.transaction(async () => await notes.put("inner", {}));
            throw new Error("outer");
          }),
          /outer/,
        );
        assert.equal(await notes.count(), 0);
      });

      it("others wait for a transaction and never see its uncommitted writes", async (store) => {
        const notes = store.collection("notes");
        await notes.put("n", { v: 0 });
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const events: string[] = [];
        const tx = store.transaction(async () => {
          await notes.put("n", { v: 1 });
          events.push("tx wrote");
          await gate;
          events.push("tx ends");
        });
        await new Promise((resolve) => setTimeout(resolve, 5));
        const outside = notes.get("n").then((doc) => {
          events.push(`outside read v=${doc?.v}`);
        });
        const outsideWrite = notes.put("other", {}).then(() => events.push("outside wrote"));
        await new Promise((resolve) => setTimeout(resolve, 5));
        assert.deepEqual(events, ["tx wrote"]);
        release();
        await Promise.all([tx, outside, outsideWrite]);
        assert.deepEqual(events.slice(0, 2), ["tx wrote", "tx ends"]);
        assert.deepEqual(events.slice(2).sort(), ["outside read v=1", "outside wrote"]);
      });

      it("putMany is all or nothing inside a failing transaction", async (store) => {
        const notes = store.collection("notes");
        await assert.rejects(
          store.transaction(async () => {
            await notes.putMany(Array.from({ length: 30 }, (_, i) => [`n${i}`, { i }] as const));
            throw new Error("after putMany");
          }),
        );
        assert.equal(await notes.count(), 0);
      });

      it("putMany writes a batch as put would, duplicates and search index included", async (store) => {
        const notes = store.collection("notes", { search: { fields: { title: 1 } } });
        const first = await notes.put("old", { title: "old text" });
        const odd = 'é \u2028 " \\ 😀';
        const metas = await notes.putMany([
          ["a", { title: "alpha" }],
          ["old", { title: "replaced words" }],
          [odd, { title: odd }],
        ]);
        assert.deepEqual(metas.map((meta) => [meta.id, meta.rev]), [["a", 1], ["old", 2], [
          odd,
          1,
        ]]);
        assert.equal(metas[1].createdAt, first.createdAt);
        assert.equal(new Set(metas.map((meta) => meta.updatedAt)).size, 1);
        assert.deepEqual(await notes.get(odd), { title: odd });
        const twice = await notes.putMany([["a", { title: "alpha two" }], ["a", {
          title: "alpha again",
        }]]);
        assert.deepEqual(twice.map((meta) => [meta.id, meta.rev]), [["a", 2], ["a", 3]]);
        assert.deepEqual(await notes.get("a"), { title: "alpha again" });
        const more = await notes.putMany([["b", { title: "beta words" }], ["c", {
          title: "gamma",
        }]]);
        assert.deepEqual(more.map((meta) => [meta.id, meta.rev]), [["b", 1], ["c", 1]]);
        const ids = async (query: string) =>
          (await notes.search(query)).hits.map((hit) => hit.id).sort();
        assert.deepEqual(await ids("words"), ["b", "old"]);
        assert.deepEqual(await ids("old"), []);
        assert.deepEqual(await ids("again"), ["a"]);
        assert.deepEqual(await store.check(), { ok: true, documents: 5, problems: [] });
      });

      it("a putMany in a nested transaction rolls back with it", async (store) => {
        const notes = store.collection("notes", { search: { fields: { t: 1 } } });
        await store.transaction(async () => {
          await notes.putMany([["kept", { t: "kept one" }], ["k2", { t: "kept two" }]]);
          await assert.rejects(
            store.transaction(async () => {
              await notes.putMany([["gone", { t: "gone one" }], ["kept", { t: "changed" }]]);
              throw new Error("inner");
            }),
          );
        });
        assert.deepEqual(await notes.get("kept"), { t: "kept one" });
        assert.equal(await notes.has("gone"), false);
        assert.deepEqual((await notes.search("kept")).hits.map((hit) => hit.id).sort(), [
          "k2",
          "kept",
        ]);
        assert.deepEqual((await notes.search("gone")).hits, []);
        assert.deepEqual(await store.check(), { ok: true, documents: 2, problems: [] });
      });

      it("the transaction's value is returned and a non-async callback works", async (store) => {
        assert.equal(await store.transaction(() => 7), 7);
      });
    });

    describe("references", () => {
      it("resolve replaces references up to the given depth", async (store) => {
        await store.collection("users").put("u1", { name: "Ann", team: ref("teams", "t1") });
        await store.collection("teams").put("t1", { name: "Core" });
        await store.collection("notes").put("n1", {
          author: ref("users", "u1"),
          tags: [ref("teams", "t1")],
        });
        const notes = store.collection("notes");
        assert.deepEqual(await notes.get("n1"), {
          author: { $ref: "users", $id: "u1" },
          tags: [{ $ref: "teams", $id: "t1" }],
        });
        assert.deepEqual(await notes.get("n1", { resolve: 1 }), {
          author: { name: "Ann", team: { $ref: "teams", $id: "t1" } },
          tags: [{ name: "Core" }],
        });
        assert.deepEqual(await notes.get("n1", { resolve: 2 }), {
          author: { name: "Ann", team: { name: "Core" } },
          tags: [{ name: "Core" }],
        });
      });

      it("missing targets resolve to null and cycles stop", async (store) => {
        const nodes = store.collection("nodes");
        await nodes.put("a", {
          next: ref("nodes", "b"),
          missing: ref("nodes", "zz"),
          nowhere: ref("nope", "x"),
        });
        await nodes.put("b", { next: ref("nodes", "a") });
        const resolved = await nodes.get("a", { resolve: 5 });
        assert.deepEqual(resolved, {
          next: { next: { $ref: "nodes", $id: "a" } },
          missing: null,
          nowhere: null,
        });
      });

      it("ref() checks its arguments", () => {
        throwsWith(() => ref("bad name", "x"), "INVALID_NAME");
        throwsWith(() => ref("users", ""), "INVALID_ID");
        assert.deepEqual(ref("users", "u1"), { $ref: "users", $id: "u1" });
      });

      it("check() reports dangling references", async (store) => {
        await store.collection("users").put("u1", {});
        await store.collection("notes").put("n1", {
          a: ref("users", "u1"),
          b: [ref("users", "gone")],
        });
        await store.collection("notes").put("n2", { c: ref("ghosts", "g") });
        const report = await store.check();
        assert.equal(report.ok, false);
        assert.equal(report.documents, 3);
        const dangling = report.problems.filter((problem) => problem.code === "DANGLING_REF");
        assert.deepEqual(dangling.map((problem) => [problem.collection, problem.id]), [[
          "notes",
          "n1",
        ], ["notes", "n2"]]);
        assert.match(dangling[0].message, /users\/"gone"/);
        await store.collection("users").put("gone", {});
        await store.collection("ghosts").put("g", {});
        assert.deepEqual(await store.check(), { ok: true, documents: 5, problems: [] });
      });
    });

    describe("export, import, backup, stats", () => {
      it("export and exportNdjson take only the collections asked for", async (store) => {
        await store.collection("empty", { indexes: ["a"] }).putMany([]); // listed, no documents
        await store.collection("notes").put("n1", { a: 1 });
        await store.collection("users").put("u1", { name: "Ann" });
        await store.collection("zeta").put("z1", {});
        const ids = async (collections?: string[]) => {
          const out: string[] = [];
          for await (const r of store.export({ collections })) out.push(`${r.collection}/${r.id}`);
          return out;
        };
        assert.deepEqual(await ids(), ["notes/n1", "users/u1", "zeta/z1"]);
        assert.deepEqual(await ids(["zeta", "notes", "zeta"]), ["notes/n1", "zeta/z1"]);
        assert.deepEqual(await ids([]), []);
        const lines: string[] = [];
        for await (const line of exportNdjson(store, { collections: ["empty", "users"] })) {
          lines.push(line);
        }
        assert.deepEqual(Object.keys(JSON.parse(lines[0]).collections), ["empty", "users"]);
        assert.deepEqual(JSON.parse(lines[0]).collections.empty, { indexes: ["a"] });
        assert.equal(lines.length, 2);
        // A name that is not a collection fails at once, before any line.
        await rejectsWith(ids(["notes", "missing"]), "NOT_FOUND");
        await rejectsWith(ids(["../x"]), "INVALID_NAME");
        await rejectsWith(exportNdjson(store, { collections: ["missing"] }).next(), "NOT_FOUND");
      });

      it(
        "export yields every document with its metadata; import restores it exactly",
        async (store, env) => {
          const notes = store.collection("notes", { indexes: ["year"] });
          await notes.putMany([["n1", RICH], ["n2", { year: 2000 }]]);
          await notes.put("n2", { year: 2001 });
          await store.collection("users").put("u1", { name: "Ann" });
          const records: ExportRecord[] = [];
          for await (const record of store.export()) records.push(record);
          assert.deepEqual(records.map((record) => [record.collection, record.id, record.rev]), [
            ["notes", "n1", 1],
            ["notes", "n2", 2],
            ["users", "u1", 1],
          ]);
          const copy = await open("memory://");
          const result = await copy.import(records);
          assert.deepEqual(result, { imported: 3, skipped: 0, failed: [], failedCount: 0 });
          const again: ExportRecord[] = [];
          for await (const record of copy.export()) again.push(record);
          assert.deepEqual(again, records);
          await copy.close();
          // And into this backend from NDJSON text, with a header that carries options.
          const target = env.persistent ? undefined : await env.open();
          const into = target ?? store;
          if (target === undefined) {
            await store.collection("notes").clear();
            await store.collection("users").clear();
          }
          const header = {
            format: "quire-export",
            version: 1,
            exportedAt: new Date().toISOString(),
            collections: { notes: { indexes: ["year"] } },
          };
          const text = [header, ...records].map((line) => JSON.stringify(line)).join("\n") + "\n";
          const imported = await into.import(text);
          assert.deepEqual(imported, { imported: 3, skipped: 0, failed: [], failedCount: 0 });
          const back: ExportRecord[] = [];
          for await (const record of into.export()) back.push(record);
          assert.deepEqual(back, records);
          assert.deepEqual((await into.collections()).find((c) => c.name === "notes")?.options, {
            indexes: ["year"],
          });
          await target?.close();
        },
      );

      it("import reports bad lines with their numbers and imports the rest", async (store) => {
        const lines = [
          JSON.stringify({ collection: "notes", id: "ok1", doc: { a: 1 } }),
          "{not json",
          JSON.stringify({ collection: "bad name", id: "x", doc: {} }),
          "",
          JSON.stringify({ collection: "notes", id: "", doc: {} }),
          JSON.stringify({ collection: "notes", id: "nan", doc: { a: "NaN" }, rev: 0 }),
          JSON.stringify({
            collection: "notes",
            id: "ok2",
            doc: { b: 2 },
            rev: 7,
            createdAt: "2020-01-01T00:00:00.000Z",
            updatedAt: "2021-01-01T00:00:00.000Z",
          }),
          JSON.stringify({ collection: "notes", id: "arr", doc: [1] }),
          JSON.stringify({ collection: "notes", id: "time", doc: {}, createdAt: "yesterday" }),
        ];
        // Split into byte chunks at awkward places, as a stream would deliver them.
        const bytes = new TextEncoder().encode(lines.join("\r\n"));
        const chunks = [bytes.slice(0, 7), bytes.slice(7, 100), bytes.slice(100)];
        const result = await store.import(chunks);
        assert.equal(result.imported, 2);
        assert.equal(result.failedCount, 6);
        assert.deepEqual(result.failed.map((failure) => failure.line), [2, 3, 5, 6, 8, 9]);
        assert.match(result.failed[1].error, /INVALID_NAME/);
        assert.equal(result.failed[4].id, "arr");
        assert.deepEqual(await store.collection("notes").entry("ok2"), {
          id: "ok2",
          rev: 7,
          createdAt: "2020-01-01T00:00:00.000Z",
          updatedAt: "2021-01-01T00:00:00.000Z",
          doc: { b: 2 },
        });
      });

      it("import batches skip or replace per record, across collections and duplicates", async (store) => {
        await store.collection("notes").put("n1", { v: "mine" });
        const records = [
          { collection: "notes", id: "n1", rev: 5, doc: { v: "theirs" } },
          { collection: "notes", id: "n2", rev: 3, doc: { v: "new" } },
          { collection: "other", id: "o1", rev: 1, doc: {} },
          { collection: "notes", id: "n3", rev: 1, doc: { v: 1 } },
          { collection: "notes", id: "n3", rev: 2, doc: { v: 2 } },
        ];
        const skip = await store.import(records);
        assert.deepEqual([skip.imported, skip.skipped], [3, 2]);
        const notes = store.collection("notes");
        assert.deepEqual(await notes.get("n1"), { v: "mine" });
        assert.deepEqual((await notes.entry("n2"))?.rev, 3);
        assert.deepEqual(await notes.get("n3"), { v: 1 });
        const replace = await store.import(records, { onConflict: "replace" });
        assert.deepEqual([replace.imported, replace.skipped], [5, 0]);
        assert.deepEqual((await notes.entry("n1"))?.rev, 5);
        assert.deepEqual(await notes.get("n1"), { v: "theirs" });
        assert.deepEqual(await notes.entry("n3").then((entry) => [entry?.rev, entry?.doc]), [2, {
          v: 2,
        }]);
        assert.deepEqual(await store.check(), { ok: true, documents: 4, problems: [] });
      });

      it("import skips existing ids by default and replaces them when asked", async (store) => {
        const notes = store.collection("notes");
        await notes.put("n1", { v: "mine" });
        const record = { collection: "notes", id: "n1", rev: 9, doc: { v: "theirs" } };
        assert.deepEqual(await store.import([record]), {
          imported: 0,
          skipped: 1,
          failed: [],
          failedCount: 0,
        });
        assert.deepEqual(await notes.get("n1"), { v: "mine" });
        assert.deepEqual(await store.import([record], { onConflict: "replace" }), {
          imported: 1,
          skipped: 0,
          failed: [],
          failedCount: 0,
        });
        assert.deepEqual(await notes.entry("n1").then((entry) => [entry?.rev, entry?.doc]), [9, {
          v: "theirs",
        }]);
      });

      it("import never half-applies a batch", async (store) => {
        async function* source() {
          for (let i = 0; i < 25; i++) yield { collection: "notes", id: `n${i}`, doc: { i } };
          throw new Error("the source broke");
        }
        const progress: number[][] = [];
        await assert.rejects(
          store.import(source(), {
            batchSize: 10,
            onProgress: (p) => progress.push([p.imported, p.skipped, p.failed, p.line]),
          }),
          /the source broke/,
        );
        assert.deepEqual(progress, [[10, 0, 0, 10], [20, 0, 0, 20]]);
        // Two whole batches were committed; the third, unfinished one left nothing.
        assert.equal(await store.collection("notes").count(), 20);
        // Inside a transaction that fails, nothing at all is left.
        await store.collection("notes").clear();
        await assert.rejects(store.transaction(async () => {
          await store.import([{ collection: "notes", id: "x", doc: {} }]);
          throw new Error("abort");
        }));
        assert.equal(await store.collection("notes").count(), 0);
      });

      it("import refuses bad options and sources", async (store) => {
        await rejectsWith(store.import([], { onConflict: "merge" as never }), "INVALID_OPTION");
        await rejectsWith(store.import([], { batchSize: 0 }), "INVALID_OPTION");
        await rejectsWith(store.import(42 as never), "INVALID_OPTION");
        const unknownVersion = JSON.stringify({
          format: "quire-export",
          version: 99,
          collections: {},
        });
        const result = await store.import(unknownVersion);
        assert.equal(result.failed[0].line, 1);
        assert.match(result.failed[0].error, /UNSUPPORTED/);
      });

      it("stats count documents and their JSON bytes", async (store) => {
        await store.collection("notes").putMany([["a", { t: "é" }], ["b", { n: 1 }]]);
        await store.collection("empty").put("x", {});
        await store.collection("empty").delete("x");
        const stats = await store.stats();
        assert.equal(stats.backend, store.backend);
        // {"t":"é"} is 10 bytes of UTF-8, {"n":1} is 7.
        assert.deepEqual(stats.collections, {
          empty: { count: 0, bytes: 0 },
          notes: { count: 2, bytes: 17 },
        });
      });

      it("backup writes a copy that open() reads", async (store) => {
        await store.collection("notes", { indexes: ["year"] }).putMany([["a", { year: 1 }], [
          "b",
          RICH,
        ]]);
        const { dir, remove } = tempDir();
        try {
          const path = join(dir, store.backend === "file" ? "copy" : "copy.db");
          await store.backup(path);
          assert.ok(existsSync(path));
          const copy = await open(store.backend === "file" ? `file://${path}` : `sqlite://${path}`);
          const records: ExportRecord[] = [];
          for await (const record of copy.export()) records.push(record);
          assert.deepEqual(records.map((record) => record.doc), [{ year: 1 }, RICH]);
          assert.deepEqual(await copy.collections(), [{
            name: "notes",
            options: { indexes: ["year"] },
          }]);
          await copy.close();
          await rejectsWith(store.backup(path), "STORAGE");
        } finally {
          remove();
        }
      });

      it("check() passes on a healthy store", async (store) => {
        await store.collection("notes").putMany([["a", RICH], ["b", { x: ref("notes", "a") }]]);
        assert.deepEqual(await store.check(), { ok: true, documents: 2, problems: [] });
      });
    });

    describe("options, read-only and closing", () => {
      it("collection options are persisted for the next open", async (store, env) => {
        store.collection("notes", { indexes: ["year", ["party", "year"]] });
        await store.collection("notes").put("n", {});
        assert.deepEqual(await store.collections(), [{
          name: "notes",
          options: { indexes: ["year", ["party", "year"]] },
        }]);
        if (!env.persistent) return;
        await store.close();
        const again = await env.open();
        try {
          assert.deepEqual(await again.collections(), [{
            name: "notes",
            options: { indexes: ["year", ["party", "year"]] },
          }]);
          // Without options, the persisted ones stay; with new ones, they replace them.
          await again.collection("notes").put("m", {});
          assert.deepEqual((await again.collections())[0].options, {
            indexes: ["year", ["party", "year"]],
          });
          await again.collection("notes", { indexes: [] }).count();
          assert.deepEqual((await again.collections())[0].options, { indexes: [] });
        } finally {
          await again.close();
        }
      });

      it("a read-only store reads and refuses every write with READ_ONLY", async (store, env) => {
        await store.collection("notes").put("n1", { v: 1 });
        if (!env.persistent) return;
        await store.close();
        const ro = await env.open({ readonly: true });
        try {
          assert.equal(ro.readonly, true);
          const notes = ro.collection("notes");
          assert.deepEqual(await notes.get("n1"), { v: 1 });
          await rejectsWith(notes.put("n2", {}), "READ_ONLY");
          await rejectsWith(notes.putMany([["n2", {}]]), "READ_ONLY");
          await rejectsWith(notes.delete("n1"), "READ_ONLY");
          await rejectsWith(notes.clear(), "READ_ONLY");
          await rejectsWith(notes.insert({}), "READ_ONLY");
          await rejectsWith(ro.import([]), "READ_ONLY");
          // A collection that does not exist reads as empty and is not created.
          assert.equal(await ro.collection("missing").count(), 0);
          assert.equal(await ro.collection("missing").get("x"), undefined);
          assert.deepEqual((await ro.collections()).map((c) => c.name), ["notes"]);
          assert.deepEqual(await notes.get("n1"), { v: 1 });
        } finally {
          await ro.close();
        }
      });

      it("a closed store refuses every call with CLOSED; close is idempotent", async (store) => {
        const notes = store.collection("notes");
        await notes.put("n1", {});
        await store.close();
        await store.close();
        await rejectsWith(notes.get("n1"), "CLOSED");
        await rejectsWith(notes.put("n2", {}), "CLOSED");
        await rejectsWith(store.transaction(() => 1), "CLOSED");
        await rejectsWith(store.stats(), "CLOSED");
      });

      it("close waits for a running transaction to finish", async (store) => {
        const notes = store.collection("notes");
        const tx = store.transaction(async () => {
          await notes.put("a", {});
          await new Promise((resolve) => setTimeout(resolve, 10));
          await notes.put("b", {});
        });
        await new Promise((resolve) => setTimeout(resolve, 1));
        await store.close();
        await tx;
        await rejectsWith(notes.count(), "CLOSED");
      });

      it("await using closes the store", async (store, env) => {
        await store.close(); // the file backend lets one store write a directory at a time
        let escaped: Store | undefined;
        {
          await using scoped = await env.open();
          escaped = scoped;
          await scoped.collection("notes").count();
        }
        await rejectsWith(escaped.stats(), "CLOSED");
      });

      it("errors are QuireErrors with a code from the list", async (store) => {
        const error = await rejectsWith(store.collection("notes").put("", {}), "INVALID_ID");
        assert.ok(error instanceof QuireError);
        assert.ok(error instanceof Error);
        assert.equal(error.name, "QuireError");
      });
    });
    describe("filters at the limits (issue 9)", () => {
      /** d00…d39 with `n` 0…39, and four whose `n` is not a number; all titled "peace". */
      async function numbered(store: Store, options: Record<string, unknown> = {}) {
        const docs = store.collection("docs", {
          search: { fields: ["title"] },
          indexes: ["n", "t"],
          ...options,
        });
        const entries: [string, Document][] = [];
        for (let i = 0; i < 40; i++) {
          entries.push([`d${String(i).padStart(2, "0")}`, { n: i, title: "peace" }]);
        }
        entries.push(["m", { title: "peace" }], ["s", { n: "5", title: "peace" }]);
        entries.push(["t", { n: true, title: "peace" }], ["z", { n: null, title: "peace" }]);
        await docs.putMany(entries);
        return docs;
      }

      /** `FILTER_LIMITS.inValues` numbers none of the documents hold, for list `k`. */
      const list = (k: number): (number | string | boolean)[] =>
        Array.from({ length: 1000 }, (_, j) => 100_000 + k * 1000 + j);

      it("$in lists at the limits answer: 255 lists of 1,000 values under one $or", async (store) => {
        const docs = await numbered(store);
        const lists = Array.from({ length: 255 }, (_, k) => list(k));
        lists[3][0] = 3;
        lists[50][500] = 1; // not the stored true, which SQLite reads as 1
        lists[100][5] = "5"; // the string, not the number 5
        lists[254][999] = 39;
        const filter = { $or: lists.map((values) => ({ n: { $in: values } })) };
        const expected = ["d01", "d03", "d39", "s"];
        const found = await docs.find(filter, { limit: 100 });
        assert.deepEqual(found.items.map((entry) => entry.id), expected);
        assert.equal(await docs.count(filter), expected.length);
        const sorted = await docs.find(filter, { sort: "-n,title,$rev", limit: 2 });
        assert.deepEqual(sorted.items.map((entry) => entry.id), ["s", "d39"]);
        const rest = await docs.find(filter, { sort: "-n,title,$rev", after: sorted.next });
        assert.deepEqual(rest.items.map((entry) => entry.id), ["d03", "d01"]);
        const hits = await docs.search("peace", { filter, limit: 100 });
        assert.deepEqual(hits.hits.map((hit) => hit.id).sort(), expected);
        assert.equal(await docs.deleteMany(filter), expected.length);
        assert.equal(await docs.count(), 40);
      });

      it("$nin lists at the limits answer, and still match a missing path", async (store) => {
        const docs = await numbered(store);
        const lists = Array.from({ length: 127 }, (_, k) => list(k));
        for (let i = 0; i < 40; i++) lists[i * 3][i] = i; // every number 0…39
        lists[126][0] = "5";
        lists[126][1] = true;
        const filter = { $and: lists.map((values) => ({ n: { $nin: values } })) };
        assert.deepEqual((await docs.find(filter)).items.map((entry) => entry.id), ["m", "z"]);
        const hits = await docs.search("peace", { filter });
        assert.deepEqual(hits.hits.map((hit) => hit.id).sort(), ["m", "z"]);
      });

      it("255 $startsWith terms, 255 $like terms, and a text filter at its limit answer", async (store) => {
        const docs = await numbered(store);
        const prefixes = Array.from({ length: 255 }, (_, k) => `p${k}`);
        prefixes[7] = "pea";
        const starts = { $or: prefixes.map((prefix) => ({ title: { $startsWith: prefix } })) };
        assert.equal(await docs.count(starts), 44);
        const likes = { $or: prefixes.map((prefix) => ({ title: { $like: `%${prefix}%` } })) };
        assert.equal(await docs.count(likes), 44);
        const terms = Array.from({ length: 255 }, (_, k) => `n = ${k + 1000}`);
        terms[200] = "n = 7";
        const text = terms.join(" or ");
        assert.ok(text.length <= 8192);
        assert.deepEqual((await docs.find(text)).items.map((entry) => entry.id), ["d07"]);
      });

      it("a key holding NUL is refused in every path, on every backend", async (store) => {
        const docs = await numbered(store);
        const key = "n\u0000x";
        for (
          const filter of [{ [key]: 1 }, { [`${key}.y`]: { $in: [1, 2] } }, `"${"n\\u0000x"}" = 1`]
        ) {
          await rejectsWith(docs.find(filter), "INVALID_FILTER");
          await rejectsWith(docs.count(filter), "INVALID_FILTER");
          await rejectsWith(docs.deleteMany(filter), "INVALID_FILTER");
          await rejectsWith(docs.search("peace", { filter }), "INVALID_FILTER");
        }
        await rejectsWith(docs.find({}, { fields: [key] }), "INVALID_FILTER");
        await rejectsWith(docs.search("peace", { fields: [key] }), "INVALID_FILTER");
        await rejectsWith(docs.search("peace", { facets: [key] }), "INVALID_OPTION");
        throwsWith(() => store.collection("other", { indexes: [key] }), "INVALID_OPTION");
        throwsWith(
          () => store.collection("other", { search: { fields: [key] } }),
          "INVALID_OPTION",
        );
        assert.equal(await docs.count(), 44);
        // A value holding NUL is still refused as a value, and keys without NUL still work.
        await rejectsWith(docs.find({ n: key }), "INVALID_FILTER");
        assert.deepEqual((await docs.find({ n: 1 })).items.map((entry) => entry.id), ["d01"]);
      });

      it("$startsWith and $like take at most 8,192 characters, in both forms", async (store) => {
        const docs = await numbered(store);
        const long = "x".repeat(9000);
        await docs.putMany([["long", { t: long }], ["astral", { t: "\u{10FFFF}".repeat(5000) }]]);
        for (const op of ["$startsWith", "$like"]) {
          const at = (text: string) => ({ t: { [op]: text } });
          // 8,192 characters: a prefix, or a pattern whose last character is `%`.
          const tail = op === "$like" ? "%" : "x";
          const x = await docs.find(at("x".repeat(8191) + tail));
          assert.deepEqual(x.items.map((entry) => entry.id), ["long"]);
          const astral = await docs.find(
            at("\u{10FFFF}".repeat(4095) + (op === "$like" ? "%" : "\u{10FFFF}")),
          );
          assert.deepEqual(astral.items.map((entry) => entry.id), ["astral"]);
          for (const length of [8193, 200_000, 1_000_000]) {
            const error = await rejectsWith(
              docs.find(at("x".repeat(length))),
              "INVALID_FILTER",
            );
            assert.match(error.message, /at most 8192 characters/);
            await rejectsWith(docs.count(at("y".repeat(length))), "INVALID_FILTER");
            await rejectsWith(
              docs.search("peace", { filter: at("y".repeat(length)) }),
              "INVALID_FILTER",
            );
          }
        }
        const text = `t startsWith "${"x".repeat(8170)}"`;
        assert.deepEqual((await docs.find(text)).items.map((entry) => entry.id), ["long"]);
        await rejectsWith(docs.find(`t startsWith "${"x".repeat(8200)}"`), "INVALID_FILTER");
      });
    });
    runSearchTests(backend);
  });
}
