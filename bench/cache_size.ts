/**
 * What SQLite's page cache (`cacheMiB`) does to a get at 1,000,000 documents: the suite's
 * documents in quire's SQLite backend (as bench/suite/subjects/quire.ts loads them, without
 * search; with `--search`, with the searchable copy too, as the suite's own cases have it),
 * then gets of ids in random order on stores opened with each cache size in turn, the
 * sizes' chunks interleaved (a chunk is 20,000 gets; each size's first chunk warms its cache
 * and is not counted), and with a memory map (`mmapMiB`). The raw binding on the same file
 * (`SELECT data` + `JSON.parse`, 64 MiB, with and without the map) is there for the ratio.
 * With `--against 10000`, a second store holding the first 10,000 of the documents joins the
 * rounds, with the default cache and with the map: the suite's `get-flat` target, the get at the
 * large size over the get at the small one, timed side by side, for each setting.
 *
 *   bun bench/cache_size.ts [--size 1000000] [--sizes 64,256,1024] [--search] [--against 10000]
 *   deno run -A bench/cache_size.ts …
 *
 * @module
 */

import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Collection, open, type Store } from "../mod.ts";
import { shuffled } from "./lib/documents.ts";
import { median, printTable, runtimeName } from "./lib/measure.ts";
import { bindingName, openRawDocsDatabase } from "./lib/raw_sqlite.ts";
import { documents } from "./suite/data.ts";
import { quireSqlite } from "./suite/subjects/quire.ts";
import { COLLECTION } from "./suite/types.ts";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "1000000" },
    sizes: { type: "string", default: "64,256,1024" },
    search: { type: "boolean", default: false },
    against: { type: "string" },
  },
});
const SIZE = Number(values.size);
const CACHES = values.sizes.split(",").map(Number);
const AGAINST = values.against === undefined ? undefined : Number(values.against);
if (AGAINST !== undefined && !(Number.isInteger(AGAINST) && AGAINST > 0 && AGAINST < SIZE)) {
  throw new Error(
    `--against must be a whole number of documents below --size, not ${values.against}`,
  );
}
const GETS = 20_000;
const ROUNDS = 9;
/** The map asked for; SQLite caps it at its build's limit, and the table shows what it took. */
const MMAP_MIB = 4096;

const dir = mkdtempSync(join(tmpdir(), "quire-cache-size-"));
try {
  const docs = await documents(SIZE);
  await (await quireSqlite.open(dir, docs, { search: values.search })).close();
  const file = join(dir, "quire.db");
  const ids = shuffled(docs.map(([id]) => id));
  /** Each store with the ids its gets draw from: the small store's are its own. */
  const stores: [string, Store, Collection, string[]][] = [];
  for (const mib of CACHES) {
    const store = await open({ backend: "sqlite", path: file, cacheMiB: mib });
    stores.push([`quire, cacheMiB ${mib}`, store, store.collection(COLLECTION), ids]);
  }
  const mappedStore = await open({ backend: "sqlite", path: file, mmapMiB: MMAP_MIB });
  const mappedMiB = Math.round(Number((await mappedStore.stats()).storage.mmapMiB));
  const mappedName = `quire, mmapMiB ${mappedMiB}`;
  stores.push([
    mappedName,
    mappedStore,
    mappedStore.collection(COLLECTION),
    ids,
  ]);
  /** With `--against`: the names of the large and the small store compared, for each setting. */
  const flatPairs: [string, string][] = [];
  if (AGAINST !== undefined) {
    const smallDir = join(dir, "small");
    mkdirSync(smallDir);
    await (await quireSqlite.open(smallDir, docs.slice(0, AGAINST), { search: values.search }))
      .close();
    const smallFile = join(smallDir, "quire.db");
    const small = await open({ backend: "sqlite", path: smallFile, cacheMiB: CACHES[0] });
    const smallMapped = await open({ backend: "sqlite", path: smallFile, mmapMiB: MMAP_MIB });
    const at = AGAINST.toLocaleString("en");
    const smallIds = shuffled(docs.slice(0, AGAINST).map(([id]) => id));
    const cached = `quire at ${at}, cacheMiB ${CACHES[0]}`;
    const mapped = `quire at ${at}, mmapMiB ${mappedMiB}`;
    stores.push([cached, small, small.collection(COLLECTION), smallIds]);
    stores.push([mapped, smallMapped, smallMapped.collection(COLLECTION), smallIds]);
    flatPairs.push(
      [stores[0]![0], cached],
      [mappedName, mapped],
      [mappedName, cached],
    );
  }
  const raw = await openRawDocsDatabase(file);
  const table = /FROM ("[^"]+")/.exec((await stores[0]![2].explain({})).sql!)![1]!;
  const select = raw.prepare(`SELECT data FROM ${table} WHERE id = ?`);
  const mapped = await openRawDocsDatabase(file);
  mapped.prepare(`PRAGMA mmap_size = ${MMAP_MIB * 2 ** 20}`).get();
  const selectMapped = mapped.prepare(`SELECT data FROM ${table} WHERE id = ?`);
  type Get = (id: string) => unknown;
  const layers: [string, Get, string[]][] = [
    ...stores.map(([name, , collection, of]): [string, Get, string[]] => [
      name,
      (id) => collection.get(id),
      of,
    ]),
    [
      "raw, 64 MiB",
      (id) => JSON.parse((select.get(id) as { data: string }).data),
      ids,
    ],
    [
      `raw, 64 MiB, mmap_size ${mappedMiB} MiB`,
      (id) => JSON.parse((selectMapped.get(id) as { data: string }).data),
      ids,
    ],
  ];
  const times = new Map(layers.map(([name]) => [name, [] as number[]]));
  let next = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    for (let i = 0; i < layers.length; i++) {
      const [name, get, of] = layers[(round + i) % layers.length]!;
      const start = performance.now();
      for (let call = 0; call < GETS; call++) await get(of[next++ % of.length]!);
      if (round > 0) times.get(name)!.push((performance.now() - start) / GETS * 1e3);
    }
  }
  console.log(
    `get by id in random order on ${runtimeName()} (${bindingName()}): ${
      SIZE.toLocaleString("en")
    } documents, file ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB, ` +
      `${GETS.toLocaleString("en")} gets a chunk, median of ${ROUNDS} rounds\n`,
  );
  printTable(
    [
      ["store", "µs per get"],
      ...layers.map(([name]) => [name, median(times.get(name)!).toFixed(1)]),
    ],
    [false, true],
  );
  if (flatPairs.length > 0) {
    const of = (name: string) => median(times.get(name)!);
    console.log(
      `\nget at ${SIZE.toLocaleString("en")} over get at ${AGAINST!.toLocaleString("en")}, ` +
        `side by side:\n` +
        flatPairs.map(([large, small]) =>
          `  ${(of(large) / of(small)).toFixed(2)}× (${large} over ${small})`
        ).join("\n"),
    );
  }
  for (const [, store] of stores) await store.close();
  raw.close();
  mapped.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
