/**
 * The `quire` commands on documents: `get`, `put`, `delete`, `find`, `count`, `search`. Reads
 * need the collection to exist (`No collection "x"`, exit code 1); `put` creates it.
 *
 * @module
 */

import { type Entry, QuireError, type SearchHit, type SearchOptions } from "../../mod.ts";
import { UsageError } from "./cli_args.ts";
import {
  command,
  type Context,
  flag,
  listOption,
  numberOption,
  required,
  stringOption,
} from "./cli_command.ts";
import { readText, write } from "./cli_io.ts";
import { cell, count, plural } from "./cli_output.ts";
import { existingCollection, openToRead, openToWrite } from "./cli_store.ts";

const FILTER_HELP = `A filter is the query DSL's text form: 'year >= 2000 and party = "Whig"',
'tags contains "x" or draft = true', 'title startsWith "A"' (see the README's Queries).`;

function notFound(collection: string, id: string): QuireError {
  return new QuireError(
    "NOT_FOUND",
    `No document ${JSON.stringify(id)} in collection ${JSON.stringify(collection)}`,
  );
}

/** `quire get <collection> <id>` */
export const get = command({
  name: "get",
  args: "<collection> <id>",
  min: 2,
  max: 2,
  summary: "Print a document (exit code 1 if it is not there).",
  options: {
    meta: { type: "boolean", help: "print { id, rev, createdAt, updatedAt, doc }" },
    resolve: {
      type: "string",
      value: "depth",
      help: "replace references with their documents, this many levels deep (0-16)",
    },
  },
  async run(context: Context): Promise<number> {
    const [name, id] = [required(context, 0), required(context, 1)];
    const resolve = numberOption(context, "resolve", { min: 0, max: 16 });
    await using store = await openToRead(context.target);
    await existingCollection(store, name);
    const collection = store.collection(name);
    const value = flag(context, "meta")
      ? await collection.entry(id)
      : await collection.get(id, { resolve });
    if (value === undefined) throw notFound(name, id);
    await context.out.value(value);
    return 0;
  },
});

/** `quire put <collection> <id> [json|-]` */
export const put = command({
  name: "put",
  args: "<collection> <id> [json|-]",
  min: 2,
  max: 3,
  summary: "Create or replace a document, given as an argument or on stdin.",
  details: `The document is a JSON object: the third argument, or stdin when it is "-" or left out.
Prints the new metadata { id, rev, createdAt, updatedAt }.`,
  options: {
    "if-rev": {
      type: "string",
      value: "rev",
      help: "only if the document is at this rev (0: only if it does not exist yet)",
    },
  },
  async run(context: Context): Promise<number> {
    const [name, id] = [required(context, 0), required(context, 1)];
    const given = context.args.positionals[2];
    const ifRev = numberOption(context, "if-rev", { min: 0 });
    if ((given === undefined || given === "-") && context.io.stdin.isTTY === true) {
      throw new UsageError("put needs the document: as an argument, or on stdin", context.spec);
    }
    const json = given === undefined || given === "-" ? await readText(context.io.stdin) : given;
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(json);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new QuireError("INVALID_DOCUMENT", `The document is not JSON: ${reason}`);
    }
    await using store = await openToWrite(context.target);
    const meta = await store.collection(name).put(id, doc, { ifRev });
    if (context.out.json) await context.out.value(meta);
    else {
      const what = meta.rev === 1 ? "created" : "replaced";
      await context.out.lines(`${what} ${name}/${JSON.stringify(id)}: rev ${meta.rev}`);
    }
    return 0;
  },
});

/** `quire delete <collection> <id>` */
export const del = command({
  name: "delete",
  args: "<collection> <id>",
  min: 2,
  max: 2,
  summary: "Delete a document (exit code 1 if it is not there).",
  options: {
    "if-rev": { type: "string", value: "rev", help: "only if the document is at this rev" },
  },
  async run(context: Context): Promise<number> {
    const [name, id] = [required(context, 0), required(context, 1)];
    const ifRev = numberOption(context, "if-rev", { min: 1 });
    await using store = await openToWrite(context.target);
    await existingCollection(store, name);
    if (!await store.collection(name).delete(id, { ifRev })) throw notFound(name, id);
    if (context.out.json) await context.out.value({ collection: name, id, deleted: true });
    else await context.out.lines(`deleted ${name}/${JSON.stringify(id)}`);
    return 0;
  },
});

/** `quire find <collection> [filter]` */
export const find = command({
  name: "find",
  args: "<collection> [filter]",
  min: 1,
  max: 2,
  summary: "Documents that match a filter, a page at a time (NDJSON entries when piped).",
  details: `${FILTER_HELP}
Without --all, the next page's cursor goes to stderr as "next: <cursor>", for --after.`,
  options: {
    sort: { type: "string", value: "keys", help: 'sort keys, "-" for descending: -year,title' },
    limit: { type: "string", value: "n", help: "page size, 1-10000 (default 50)" },
    fields: { type: "string", value: "paths", help: "keep only these fields: title,author.name" },
    after: { type: "string", value: "cursor", help: "the page after this cursor" },
    all: { type: "boolean", help: "every page, not just the first" },
  },
  async run(context: Context): Promise<number> {
    const name = required(context, 0);
    const filter = context.args.positionals[1];
    const options = {
      sort: stringOption(context, "sort"),
      limit: numberOption(context, "limit", { min: 1 }),
      fields: stringOption(context, "fields"),
      after: stringOption(context, "after"),
    };
    await using store = await openToRead(context.target);
    await existingCollection(store, name);
    const collection = store.collection(name);
    const entries: Entry[] = [];
    let next: string | undefined;
    for (;;) {
      const page = await collection.find(filter, options);
      if (context.out.json) {
        const text = page.items.map((entry) => `${JSON.stringify(entry)}\n`).join("");
        await write(context.out.stream, text);
      } else {
        entries.push(...page.items);
      }
      next = page.next;
      if (next === undefined || !flag(context, "all")) break;
      options.after = next;
    }
    if (!context.out.json) await printEntries(context, entries);
    if (next !== undefined && !flag(context, "all")) {
      await write(context.io.stderr, `next: ${next}\n`);
    }
    return 0;
  },
});

/** Entries as a table: the id, then the documents' top-level fields. */
async function printEntries(context: Context, entries: Entry[]): Promise<void> {
  const keys = [...new Set(entries.flatMap((entry) => Object.keys(entry.doc)))].slice(0, 16);
  const rows = entries.map((entry) => [entry.id, ...keys.map((key) => cell(entry.doc[key]))]);
  await context.out.table(["id", ...keys], rows);
  await context.out.lines(plural(entries.length, "document"));
}

/** `quire count <collection> [filter]` */
export const countCommand = command({
  name: "count",
  args: "<collection> [filter]",
  min: 1,
  max: 2,
  summary: "How many documents match a filter (all of them without one).",
  details: FILTER_HELP,
  async run(context: Context): Promise<number> {
    const name = required(context, 0);
    const filter = context.args.positionals[1];
    await using store = await openToRead(context.target);
    await existingCollection(store, name);
    const n = await store.collection(name).count(filter);
    await context.out.lines(context.out.json ? String(n) : count(n));
    return 0;
  },
});

// Terminal bold, for the matches in highlights.
const BOLD = ["\x1b[1m", "\x1b[22m"];

/** `quire search <collection> <query>` */
export const search = command({
  name: "search",
  args: "<collection> <query>",
  min: 2,
  max: 2,
  summary:
    "Full-text search, best match first (NDJSON { id, score, doc, highlights? } when piped).",
  details: `The query is the search syntax: words, "phrases", prefix*, -word, a OR b, field:word.
A query that starts with "-" goes after "--": quire search notes -- '-war peace'.
The next page's cursor and the facet counts go to stderr as "next: <cursor>" and
"facets: <json>" when piped.`,
  options: {
    filter: { type: "string", value: "filter", help: "only documents matching this filter too" },
    limit: { type: "string", value: "n", help: "hits per page, 1-1000 (default 20)" },
    after: { type: "string", value: "cursor", help: "the page after this cursor" },
    highlight: { type: "boolean", help: "snippets of each matching field, the matches marked" },
    facet: { type: "string", multiple: true, value: "path", help: "count the values of a field" },
    fields: { type: "string", value: "paths", help: "keep only these fields: title,year" },
  },
  async run(context: Context): Promise<number> {
    const [name, query] = [required(context, 0), required(context, 1)];
    const facets = listOption(context, "facet");
    const terminalMarks = !context.out.json && !context.io.env.NO_COLOR;
    const options: SearchOptions = {
      filter: stringOption(context, "filter"),
      limit: numberOption(context, "limit", { min: 1 }),
      after: stringOption(context, "after"),
      highlight: flag(context, "highlight")
        ? terminalMarks
          ? { open: BOLD[0], close: BOLD[1], escapeHtml: false }
          : { escapeHtml: false }
        : undefined,
      facets: facets.length > 0 ? facets : undefined,
      fields: stringOption(context, "fields"),
    };
    await using store = await openToRead(context.target);
    await existingCollection(store, name);
    const page = await store.collection(name).search(query, options);
    if (context.out.json) {
      const text = page.hits.map(({ id, score, doc, highlights }) =>
        `${JSON.stringify({ id, score, doc, ...(highlights && { highlights }) })}\n`
      ).join("");
      await write(context.out.stream, text);
      if (page.facets !== undefined) {
        await write(context.io.stderr, `facets: ${JSON.stringify(page.facets)}\n`);
      }
    } else {
      await printHits(context, page.hits, page.facets);
    }
    if (page.next !== undefined) await write(context.io.stderr, `next: ${page.next}\n`);
    return 0;
  },
});

/** Hits as numbered blocks: the id and score, then the snippets (or the document). */
async function printHits(
  context: Context,
  hits: SearchHit[],
  facets: Record<string, { value: unknown; count: number }[]> | undefined,
): Promise<void> {
  const lines: string[] = [];
  hits.forEach((hit, i) => {
    lines.push(`${i + 1}. ${hit.id}  (score ${Number(hit.score.toPrecision(3))})`);
    const parts = hit.highlights ?? Object.fromEntries(
      Object.entries(hit.doc).map(([key, value]) => [key, cut(cell(value), 100)]),
    );
    for (const [field, text] of Object.entries(parts)) lines.push(`   ${field}: ${text}`);
  });
  lines.push(plural(hits.length, "hit"));
  for (const [path, values] of Object.entries(facets ?? {})) {
    const counts = values.map(({ value, count: n }) => `${cell(value)} ${count(n)}`);
    lines.push(`${path}: ${counts.join(", ")}`);
  }
  await context.out.lines(...lines);
}

function cut(text: string, width: number): string {
  const line = text.replace(/\s+/g, " ");
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}
