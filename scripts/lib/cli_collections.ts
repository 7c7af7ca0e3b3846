/**
 * The `quire` commands on collections: `collections` lists them, `create` makes one (or changes
 * its indexes and search fields) without writing code, `reindex` rebuilds search indexes.
 *
 * @module
 */

import type {
  CollectionOptions,
  IndexProgressEvent,
  SearchFieldOptions,
  Store,
  TokenizerName,
} from "../../mod.ts";
import { QuireError } from "../../mod.ts";
import { UsageError } from "./cli_args.ts";
import { command, type Context, listOption, required, stringOption } from "./cli_command.ts";
import { write } from "./cli_io.ts";
import { count, plural } from "./cli_output.ts";
import { Progress } from "./cli_progress.ts";
import { type CollectionList, existingCollection, openToRead, openToWrite } from "./cli_store.ts";

type StoredOptions = CollectionList[number]["options"];

/** `year; party+year`: the indexes, a composite one joined by `+`. */
function indexesText(options: StoredOptions): string {
  return (options.indexes ?? []).map((index) => Array.isArray(index) ? index.join("+") : index)
    .join("; ");
}

/** `title^3 text (porter)`: the search fields, their weights if not 1, the tokenizer. */
function searchText(options: StoredOptions): string {
  const search = options.search;
  if (search === undefined) return "";
  const fields = search.fields.map((field, i) => {
    const weight = search.weights?.[i] ?? 1;
    return weight === 1 ? field : `${field}^${weight}`;
  });
  return `${fields.join(" ")} (${search.tokenizer})`;
}

/** `quire collections` */
export const collections = command({
  name: "collections",
  args: "",
  min: 0,
  max: 0,
  summary: "The collections: documents, indexes, search fields (NDJSON when piped).",
  async run(context: Context): Promise<number> {
    await using store = await openToRead(context.target);
    const list = await store.collections();
    const stats = (await store.stats()).collections;
    const rows = list.map(({ name, options }) => ({
      name,
      count: stats[name]?.count ?? 0,
      options,
    }));
    if (context.out.json) {
      await context.out.lines(...rows.map((row) => JSON.stringify(row)));
      return 0;
    }
    await context.out.table(
      ["collection", "documents", "indexes", "search"],
      rows.map((
        row,
      ) => [row.name, count(row.count), indexesText(row.options), searchText(row.options)]),
      ["left", "right"],
    );
    return 0;
  },
});

/** The options `create` asks for, on top of the stored ones. */
function wantedOptions(context: Context, current: StoredOptions | undefined): CollectionOptions {
  const options: CollectionOptions = {
    ...(current?.indexes && { indexes: current.indexes }),
    ...(current?.search && { search: current.search }),
  };
  const indexes = listOption(context, "index", false);
  if (indexes.length > 0) {
    options.indexes = indexes.map((index) => {
      const paths = index.split(",").map((path) => path.trim());
      const [first] = paths;
      return paths.length === 1 && first !== undefined ? first : paths;
    });
  }
  const fields = listOption(context, "search");
  const tokenizer = stringOption(context, "tokenizer");
  const prefix = stringOption(context, "prefix");
  if (fields.length === 0 && tokenizer === undefined && prefix === undefined) return options;
  const stored = current?.search;
  let search: SearchFieldOptions;
  if (fields.length > 0) {
    const weights: Record<string, number> = {};
    for (const field of fields) {
      const colon = field.lastIndexOf(":");
      const weight = colon === -1 ? 1 : Number(field.slice(colon + 1));
      if (!(weight > 0)) {
        throw new UsageError(
          `--search takes field[:weight] with a positive weight, not ${JSON.stringify(field)}`,
          context.spec,
        );
      }
      weights[colon === -1 ? field : field.slice(0, colon)] = weight;
    }
    search = { fields: weights };
  } else if (stored !== undefined) {
    search = { fields: stored.fields, weights: stored.weights };
  } else {
    throw new UsageError(
      "--tokenizer and --prefix need search fields: give --search",
      context.spec,
    );
  }
  // What is not given stays as stored; the diacritics setting goes with its tokenizer.
  search.tokenizer = (tokenizer ?? stored?.tokenizer) as TokenizerName | undefined;
  if (stored !== undefined && search.tokenizer === stored.tokenizer) {
    search.removeDiacritics = stored.removeDiacritics;
  }
  search.prefix = prefix === undefined
    ? stored?.prefix
    : prefix.split(",").map((n) => Number(n.trim()));
  options.search = JSON.parse(JSON.stringify(search)); // without the undefined ones
  return options;
}

/** `quire create <collection>` */
export const create = command({
  name: "create",
  args: "<collection>",
  min: 1,
  max: 1,
  summary: "Create a collection, or change its indexes and search fields.",
  details:
    `Options given replace the stored ones of the same kind; the others stay. Changing the search
fields or tokenizer rebuilds the search index (with a progress bar on a terminal).
  quire create speeches --index year --index party,year --search title:3 --search text`,
  options: {
    index: {
      type: "string",
      multiple: true,
      value: "paths",
      help: "an index on a JSON path; a,b is one composite index",
    },
    search: {
      type: "string",
      multiple: true,
      value: "field[:weight]",
      help: "a full-text search field and its BM25 weight (default 1)",
    },
    tokenizer: {
      type: "string",
      value: "name",
      help: "unicode61 (default), porter (English stemming) or trigram (substrings)",
    },
    prefix: {
      type: "string",
      value: "n,m",
      help: "FTS5 prefix indexes, for faster prefix* queries",
    },
  },
  async run(context: Context): Promise<number> {
    const name = required(context, 0);
    let progress: Progress | undefined;
    const onIndexProgress = ({ collection, indexed, total }: IndexProgressEvent) => {
      progress ??= Progress.start(context.io.stderr, {
        label: `index ${collection}`,
        total,
        unit: "documents",
      });
      progress.update(indexed);
    };
    await using store = await openToWrite(context.target, { onIndexProgress });
    const before = (await store.collections()).find((entry) => entry.name === name);
    const options = wantedOptions(context, before?.options);
    let collection;
    try {
      collection = store.collection(name, options);
    } catch (error) {
      // A bad --index, --search, --tokenizer or --prefix value.
      if (error instanceof QuireError && error.code === "INVALID_OPTION") {
        throw new UsageError(error.message, context.spec);
      }
      throw error;
    }
    try {
      await collection.putMany([]); // writes the collection and its options
    } finally {
      progress?.stop();
    }
    const after = await existingCollection(store, name);
    const changed = JSON.stringify(after) !== JSON.stringify(before?.options);
    const what = before === undefined ? "created" : changed ? "changed" : "unchanged";
    if (context.out.json) {
      await context.out.value({ name, [what]: true, options: after });
      return 0;
    }
    const lines = [`${what} collection ${name}`];
    if (after.indexes?.length) lines.push(`  indexes: ${indexesText(after)}`);
    if (after.search) lines.push(`  search: ${searchText(after)}`);
    await context.out.lines(...lines);
    return 0;
  },
});

/** The collections to reindex: the one named, or every one with search fields. */
async function searchable(store: Store, name: string | undefined): Promise<string[]> {
  if (name !== undefined) {
    await existingCollection(store, name);
    return [name];
  }
  return (await store.collections()).filter((entry) => entry.options.search).map((e) => e.name);
}

/** `quire reindex [collection]` */
export const reindex = command({
  name: "reindex",
  args: "[collection]",
  min: 0,
  max: 1,
  summary: "Rebuild the search index of a collection, or of every one with search fields.",
  async run(context: Context): Promise<number> {
    await using store = await openToWrite(context.target);
    const names = await searchable(store, context.args.positionals[0]);
    if (names.length === 0) {
      await write(
        context.io.stderr,
        "quire: nothing to reindex: no collection has search fields\n",
      );
      return 0;
    }
    for (const name of names) {
      const collection = store.collection(name);
      const documents = await collection.count();
      const progress = Progress.start(context.io.stderr, {
        label: `reindex ${name}`,
        total: documents,
        unit: "documents",
      });
      try {
        await collection.reindex({ onProgress: ({ indexed }) => progress.update(indexed) });
        progress.update(documents);
      } catch (error) {
        progress.stop();
        throw error;
      }
      await progress.finish(`reindexed ${name}: ${plural(documents, "document")}`);
      if (context.out.json) {
        await context.out.lines(JSON.stringify({ collection: name, documents }));
      } else await context.out.lines(`reindexed ${name}: ${plural(documents, "document")}`);
    }
    return 0;
  },
});
