/**
 * The benchmark's peer subjects (bench/suite/subjects/) answer what they claim, and answer it
 * right: each one available on this runtime is opened on 300 real documents in a temp dir, and
 * every operation it does not declare `cannot` is checked against plain JS over the same
 * documents. A benchmark of a peer that silently does less work than quire would be worthless.
 *
 * @module
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { buildDocuments, documentIds } from "../bench/lib/documents.ts";
import { denoKv, denoKvUnavailable } from "../bench/suite/subjects/denokv.ts";
import { PEERS } from "../bench/suite/subjects/peers.ts";
import { orama } from "../bench/suite/subjects/search.ts";
import type {
  BenchDocument,
  Instance,
  Operation,
  SearchQuery,
  Subject,
} from "../bench/suite/types.ts";
import { runtime, tempDir } from "./helpers.ts";

const COUNT = 300;
const ids = documentIds(COUNT);
// Every third document refers to none; the others to one further on (`getResolved`).
const docs = new Map<string, BenchDocument>(
  buildDocuments(COUNT).map((doc, i) => [
    ids[i],
    { ...doc, related: i % 3 === 0 ? null : ids[(i + 7) % COUNT]! },
  ]),
);
const entries = [...docs];
const sample = ids.filter((_, i) => i % 29 === 0);
const parties = [...new Set([...docs.values()].map((doc) => doc.party))];
const years = [...new Set([...docs.values()].map((doc) => doc.year))].slice(0, 12);

/** Why `subject` cannot run here, if it cannot. */
function unavailable(subject: Subject): string | undefined {
  if (subject.runtimes !== undefined && !subject.runtimes.includes(runtime)) {
    return `${subject.name} runs on ${subject.runtimes.join(", ")} only`;
  }
  if (subject === denoKv) return denoKvUnavailable();
}

/** Asserts that `actual` holds every field of `expected` (stores add their own: `_id`, `$loki`). */
function assertDocument(actual: unknown, expected: BenchDocument | undefined): void {
  assert.ok(expected !== undefined && actual != null, "the document is there");
  const fields = actual as Record<string, unknown>;
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(fields[key], value, key);
}

/** The documents in a search result, whatever the engine's form. */
function hitDocuments(result: unknown): Record<string, unknown>[] {
  const hits = (Array.isArray(result) ? result : (result as { hits: unknown[] }).hits) as Record<
    string,
    unknown
  >[];
  // Orama's hits hold `document`, FlexSearch's `doc`; MiniSearch's are the stored fields.
  return hits.map((hit) => (hit.document ?? hit.doc ?? hit) as Record<string, unknown>);
}

const lower = (doc: Record<string, unknown>) => String(doc.text).toLowerCase();

/**
 * Orama's AND (`threshold: 0`) counts the words a document matched, not the query's terms: with
 * prefix matching, a document holding `congress` and `congressman` passes for `congress war`.
 * Its two-term hits are only checked to hold one of the terms.
 */
const COUNTS_MATCHED_WORDS: readonly Subject[] = [orama];

/** A search operation's query and what each of its hits must satisfy. */
const SEARCHES: {
  operation: Operation;
  query: SearchQuery;
  options?: { minYear?: number; highlight?: boolean };
  matches: (doc: Record<string, unknown>) => boolean;
  /** What the hits of an engine of COUNTS_MATCHED_WORDS must satisfy, when it differs. */
  loose?: (doc: Record<string, unknown>) => boolean;
}[] = [
  {
    operation: "searchTerm",
    query: { kind: "term", words: "congress" },
    matches: (doc) => lower(doc).includes("congress"),
  },
  {
    operation: "searchTwoTerms",
    query: { kind: "twoTerms", words: "congress war" },
    matches: (doc) => lower(doc).includes("congress") && lower(doc).includes("war"),
    loose: (doc) => lower(doc).includes("congress") || lower(doc).includes("war"),
  },
  {
    operation: "searchPhrase",
    query: { kind: "phrase", words: "united states" },
    matches: (doc) => lower(doc).includes("united") && lower(doc).includes("states"),
  },
  {
    operation: "searchPrefix",
    query: { kind: "prefix", words: "gov" },
    matches: (doc) => /\bgov/.test(lower(doc)),
  },
  {
    operation: "searchFiltered",
    query: { kind: "term", words: "congress" },
    options: { minYear: 1900 },
    matches: (doc) => lower(doc).includes("congress") && (doc.year as number) >= 1900,
  },
  {
    operation: "searchHighlighted",
    query: { kind: "term", words: "congress" },
    options: { highlight: true },
    matches: (doc) => lower(doc).includes("congress"),
  },
];

for (const subject of PEERS) {
  describe(`peer ${subject.name}`, () => {
    const reason = unavailable(subject);
    if (reason !== undefined) {
      test("runs here", { skip: reason }, () => {});
      return;
    }
    const claims = (operation: Operation) => subject.cannot?.[operation] === undefined;
    /** A test of `operation`, when the subject claims it (what it cannot do is not a test). */
    const check = (operation: Operation, name: string, fn: () => Promise<void>) => {
      if (claims(operation)) test(`${operation}: ${name}`, fn);
    };

    const temp = tempDir("quire-peer-");
    let store: Instance;
    before(async () => {
      store = await subject.open(temp.dir, entries);
    });
    after(async () => {
      await store?.close();
      temp.remove();
    });

    check("get", "returns the document", async () => {
      for (const id of sample) assertDocument(await store.get!(id), docs.get(id));
      assert.equal(await store.get!("no-such-id") ?? null, null);
    });

    check("getResolved", "returns the document and the one it refers to", async () => {
      for (const id of sample) {
        const [doc, related] = await store.getResolved!(id) as [unknown, unknown];
        const expected = docs.get(id)!;
        assertDocument(doc, expected);
        if (expected.related === null) assert.equal(related ?? null, null);
        else assertDocument(related, docs.get(expected.related));
      }
    });

    check("count", "equals the count over the documents", async () => {
      for (const party of parties) {
        const expected = [...docs.values()].filter((doc) => doc.party === party).length;
        assert.equal(await store.count!(party), expected, party);
      }
    });

    check("findIndexed", "returns the matching documents, within the limit", async () => {
      for (const year of years) {
        const expected = [...docs.values()].filter((doc) => doc.year === year).length;
        for (const limit of [1, 50]) {
          const found = await store.findIndexed!(year, limit) as BenchDocument[];
          assert.equal(found.length, Math.min(limit, expected), `${year}, limit ${limit}`);
          for (const doc of found) assert.equal(doc.year, year);
        }
      }
    });

    check("findUnindexed", "returns the matching documents, within the limit", async () => {
      for (const party of parties) {
        const matches = (doc: BenchDocument) => doc.party === party && doc.words > 80;
        const expected = [...docs.values()].filter(matches).length;
        for (const limit of [3, 50]) {
          const found = await store.findUnindexed!(party, 80, limit) as BenchDocument[];
          assert.equal(found.length, Math.min(limit, expected), `${party}, limit ${limit}`);
          for (const doc of found) assert.ok(matches(doc), JSON.stringify(doc));
        }
      }
    });

    for (const { operation, query, options, matches, loose } of SEARCHES) {
      check(operation, `hits hold "${query.words}"`, async () => {
        const result = await store.search!(query, { limit: 10, ...options });
        const hits = hitDocuments(result);
        assert.ok(hits.length > 0 && hits.length <= 10, `${hits.length} hits`);
        const holds = COUNTS_MATCHED_WORDS.includes(subject) && loose ? loose : matches;
        for (const doc of hits) assert.ok(holds(doc), String(doc.text));
        if (options?.highlight) assert.match(JSON.stringify(result), /<mark>/i);
      });
    }

    check("export", "gives every document as a line of JSON with its id", async () => {
      const lines = await store.exportAll!() as string[];
      const key = (doc: BenchDocument) => `${doc.speech} ${doc.part}`;
      const exported = lines.map((line) => JSON.parse(line) as BenchDocument);
      assert.deepEqual(exported.map(key).sort(), [...docs.values()].map(key).sort());
      for (const id of ids.slice(0, 3)) {
        assert.ok(lines.some((line) => line.includes(JSON.stringify(id))), `${id} is there`);
      }
    });

    check("import", "fills an empty store", async () => {
      const empty = tempDir("quire-peer-import-");
      const imported = await subject.open(empty.dir, []);
      try {
        await imported.importAll!(entries);
        for (const id of sample) assertDocument(await imported.get!(id), docs.get(id));
        assert.equal((await imported.exportAll!() as unknown[]).length, COUNT);
      } finally {
        await imported.close();
        empty.remove();
      }
    });

    const changed = { ...docs.get(ids[1])!, words: 1, text: "Changed by put." };
    // Two new documents and one replaced.
    const added = ["peer-new-1", "peer-new-2", ids[2]].map((id, i) =>
      [id, { ...changed, part: 1001 + i }] as const
    );

    check("put", "a get sees the new and the replaced document", async () => {
      await store.put!(ids[1], changed);
      await store.put!("peer-new-0", changed);
      assertDocument(await store.get!(ids[1]), changed);
      assertDocument(await store.get!("peer-new-0"), changed);
    });

    check("putMany", "a get sees every document of the batch", async () => {
      await store.putMany!(added);
      for (const [id, doc] of added) assertDocument(await store.get!(id), doc);
    });

    test("bytesOnDisk: counts the store's files", {
      skip: subject.reopen === undefined && "keeps nothing on disk",
    }, () => {
      assert.ok(store.bytesOnDisk!() > 0);
    });

    check("coldStartGet", "a reopened store sees the documents and the writes", async () => {
      await store.close();
      store = await subject.reopen!(temp.dir);
      for (const id of sample) assertDocument(await store.get!(id), docs.get(id));
      if (claims("put")) assertDocument(await store.get!("peer-new-0"), changed);
      if (claims("putMany")) assertDocument(await store.get!("peer-new-2"), added[1][1]);
    });
  });
}
