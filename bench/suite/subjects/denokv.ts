/**
 * Deno KV on a local file (`Deno.openKv(path)`: Deno's key-value store on its own SQLite), Deno
 * only. It needs `--unstable-kv`, which deno.json's `"unstable": ["kv"]` gives every `deno`
 * command run in this repository. How it differs from quire:
 *
 * - **A key-value store:** documents are values under `["docs", id]` (V8-serialized, not JSON);
 *   values over 64 KiB cannot be stored at all.
 * - **Transactions:** each `set` commits alone. `putMany` and `importAll` commit atomic
 *   operations, but an atomic operation holds at most 1,000 mutations and 800 KiB of keys and
 *   values, so the runs of documents are cut by an estimate of their size (the JSON, doubled
 *   when it holds text outside Latin-1, which V8 stores as UTF-16): a batch of 1,000 of the
 *   benchmark's documents (about 500 bytes of JSON, most of them with such text) takes two
 *   atomic operations, so it is not one transaction.
 * - **No queries, no secondary indexes:** `findIndexed`, `findUnindexed` and `count` cannot be
 *   asked; a user keeps index keys (`["by_year", year, id]`) or counters by hand, in the
 *   same atomic operations as the documents.
 * - **Cold start:** `reopen` opens the SQLite file; nothing is loaded before the first get.
 * - **No full-text search.**
 *
 * @module
 */

import { join } from "node:path";
import type { BenchDocument, Instance, Subject } from "../types.ts";
import { cannotAll, directoryBytes, SEARCH_OPERATIONS } from "./peer_support.ts";

type Entries = readonly (readonly [string, BenchDocument])[];

const FILE = "kv.sqlite3";
const PREFIX = "docs";

/** Deno KV's limits on one atomic operation. */
const MAX_MUTATIONS = 1_000;
const MAX_BYTES = 800 * 1024;
/** Room per document for its key and what V8's serialization adds over JSON. */
const SLACK_BYTES = 64;

/** Why Deno KV cannot answer queries. */
const NO_QUERIES = "no queries or secondary indexes (a user keeps index keys by hand)";

/** Deno KV on a file in the subject's directory. */
export const denoKv: Subject = {
  name: "Deno KV",
  group: "peer",
  runtimes: ["deno"],
  cannot: {
    ...cannotAll(SEARCH_OPERATIONS, "no full-text search"),
    findIndexed: NO_QUERIES,
    findUnindexed: NO_QUERIES,
    count: NO_QUERIES,
  },
  async open(dir, docs) {
    const instance = await load(dir);
    await instance.importAll!(docs);
    return instance;
  },
  reopen: load,
};

/** Whether this process can open Deno KV (Deno with `--unstable-kv`), or why not. */
export function denoKvUnavailable(): string | undefined {
  if (typeof Deno === "undefined") return "Deno KV runs on Deno only";
  if (typeof Deno.openKv !== "function") return "Deno KV needs --unstable-kv";
}

async function load(dir: string): Promise<Instance> {
  const kv = await Deno.openKv(join(dir, FILE));
  const get = async (id: string) => (await kv.get<BenchDocument>([PREFIX, id])).value;
  const putAll = async (entries: Entries) => {
    for (const batch of atomicBatches(entries)) {
      const atomic = kv.atomic();
      for (const [id, doc] of batch) atomic.set([PREFIX, id], doc);
      await atomic.commit();
    }
  };
  return {
    put: (id, doc) => kv.set([PREFIX, id], doc),
    putMany: putAll,
    get,
    async getResolved(id) {
      const doc = await get(id);
      return [doc, doc?.related == null ? null : await get(doc.related)];
    },
    async exportAll() {
      const lines: string[] = [];
      for await (const entry of kv.list<BenchDocument>({ prefix: [PREFIX] })) {
        lines.push(JSON.stringify({ id: entry.key[1], ...entry.value }));
      }
      return lines;
    },
    importAll: putAll,
    bytesOnDisk: () => directoryBytes(dir),
    close: () => kv.close(),
  };
}

/** `entries` cut into runs that each fit in one atomic operation. */
function atomicBatches(entries: Entries): Entries[] {
  const batches: Entries[] = [];
  let from = 0;
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    const [id, doc] = entries[i];
    const json = JSON.stringify(doc);
    // deno-lint-ignore no-control-regex -- any character outside Latin-1 makes a string UTF-16
    const size = (/[^\x00-\xff]/.test(json) ? 2 * json.length : json.length) + id.length +
      SLACK_BYTES;
    if (i > from && (i - from === MAX_MUTATIONS || bytes + size > MAX_BYTES)) {
      batches.push(entries.slice(from, i));
      from = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (from < entries.length) batches.push(entries.slice(from));
  return batches;
}
