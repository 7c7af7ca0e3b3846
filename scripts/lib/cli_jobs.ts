/**
 * The `quire` commands on a whole store: `stats`, `check`, `export`, `import`, `backup`. The long
 * ones show their progress on stderr (see cli_progress.ts); their result goes to stdout.
 *
 * @module
 */

import { createReadStream, statSync } from "node:fs";
import { exportNdjson, type ImportResult, QuireError, writeExport } from "../../mod.ts";
import { UsageError } from "./cli_args.ts";
import {
  command,
  type Context,
  flag,
  numberOption,
  required,
  stringOption,
} from "./cli_command.ts";
import { importSource } from "./cli_import.ts";
import { LineWriter, write } from "./cli_io.ts";
import { bytes, count, plural } from "./cli_output.ts";
import { Progress } from "./cli_progress.ts";
import { existingCollection, openToRead, openToWrite, shownUrl } from "./cli_store.ts";

/** How many problems `check` and failures `import` print by default. */
const SHOWN_PROBLEMS = 20;

/** `quire stats` */
export const stats = command({
  name: "stats",
  args: "",
  min: 0,
  max: 0,
  summary: "Collections with their document counts and bytes, and the storage figures.",
  async run(context: Context): Promise<number> {
    await using store = await openToRead(context.target);
    const report = await store.stats();
    if (context.out.json) {
      await context.out.value(report);
      return 0;
    }
    const rows = Object.entries(report.collections);
    const total = rows.reduce(
      (sum, [, c]) => ({ count: sum.count + c.count, bytes: sum.bytes + c.bytes }),
      { count: 0, bytes: 0 },
    );
    await context.out.lines(`${report.backend} ${report.location}`, "");
    await context.out.table(
      ["collection", "documents", "bytes"],
      [
        ...rows.map(([name, c]) => [name, count(c.count), count(c.bytes)]),
        ["total", count(total.count), count(total.bytes)],
      ],
      ["left", "right", "right"],
    );
    const storage = Object.entries(report.storage);
    if (storage.length > 0) {
      await context.out.lines("");
      await context.out.table(
        ["storage", "value"],
        storage.map(([key, value]) => [key, typeof value === "number" ? count(value) : value]),
      );
    }
    return 0;
  },
});

/** `quire check` */
export const check = command({
  name: "check",
  args: "",
  min: 0,
  max: 0,
  summary: "Check the storage and every reference; exit code 1 when there are problems.",
  details: "Checks SQLite's integrity, that every document decodes, and that no reference dangles.",
  options: {
    "max-problems": {
      type: "string",
      value: "n",
      help: `print at most n problems (default ${SHOWN_PROBLEMS}); all are counted`,
    },
  },
  async run(context: Context): Promise<number> {
    const max = numberOption(context, "max-problems", { min: 0 }) ??
      SHOWN_PROBLEMS;
    await using store = await openToRead(context.target);
    const progress = Progress.start(context.io.stderr, { label: "check" });
    let report;
    try {
      report = await store.check();
    } catch (error) {
      progress.stop();
      throw error;
    }
    const { ok, documents, problems } = report;
    const summary = `${plural(documents, "document")} checked, ${
      plural(problems.length, "problem")
    }`;
    await progress.finish(`checked ${shownUrl(context.target.url)}: ${summary}`);
    if (context.out.json) {
      await context.out.value({
        ok,
        documents,
        problemCount: problems.length,
        problems: problems.slice(0, max),
      });
      return ok ? 0 : 1;
    }
    const lines = problems.slice(0, max).map((problem) => {
      const where = problem.collection === undefined
        ? ""
        : ` ${problem.collection}/${JSON.stringify(problem.id ?? "")}`;
      return `${problem.code}${where}: ${problem.message}`;
    });
    if (problems.length > max) {
      lines.push(`… and ${count(problems.length - max)} more (--max-problems shows more)`);
    }
    await context.out.lines(...lines, summary);
    return ok ? 0 : 1;
  },
});

/** `quire export [collections...]` */
export const exportCommand = command({
  name: "export",
  args: "[collections...]",
  min: 0,
  max: Infinity,
  summary: "NDJSON export of every collection, or of those named (to stdout, or --out).",
  details:
    "A header line (format, version, collections and their options), then one line per document;\n" +
    "`quire import` and `store.import()` read it back.",
  options: {
    out: { type: "string", value: "file", help: "write to this file (created or truncated)" },
  },
  async run(context: Context): Promise<number> {
    const names = [...new Set(context.args.positionals)];
    const out = stringOption(context, "out");
    await using store = await openToRead(context.target);
    for (const name of names) await existingCollection(store, name);
    const options = { collections: names.length === 0 ? undefined : names };
    const chosen = await store.exportedCollections(options);
    const counts = (await store.stats()).collections;
    const total = chosen.reduce((sum, { name }) => sum + (counts[name]?.count ?? 0), 0);
    // NDJSON on a terminal is the output itself: no bar over it.
    const quiet = out === undefined && context.io.stdout.isTTY === true;
    const progress = quiet ? undefined : Progress.start(context.io.stderr, {
      label: "export",
      total,
      unit: "documents",
    });
    let documents = 0;
    try {
      if (out !== undefined) {
        const onProgress = (done: number) => progress?.update(done);
        documents = (await writeExport(store, out, { ...options, onProgress })).documents;
      } else {
        const stdout = new LineWriter(context.io.stdout);
        let lines = -1; // the header is not a document
        for await (const line of exportNdjson(store, options)) {
          await stdout.add(line);
          if (++lines % 500 === 0) progress?.update(lines);
        }
        await stdout.flush();
        documents = lines;
        progress?.update(documents);
      }
    } catch (error) {
      progress?.stop();
      throw error;
    }
    const where = out === undefined ? "" : ` to ${out}`;
    await progress?.finish(`exported ${plural(documents, "document")}${where}`);
    if (out !== undefined) {
      if (context.out.json) await context.out.value({ out, documents });
      else await context.out.lines(`exported ${plural(documents, "document")} to ${out}`);
    }
    return 0;
  },
});

/** `quire import <file|->` */
export const importCommand = command({
  name: "import",
  args: "<file|->",
  min: 1,
  max: 1,
  summary: "Import an NDJSON export, or JSON documents into one collection (- reads stdin).",
  details:
    `Without --collection: export records { collection, id, doc, rev?, createdAt?, updatedAt? },
as NDJSON (a header line sets collection options) or as a JSON array.
With --collection: plain documents, as a JSON array or as JSON lines; each one's id is its
--id-field (a string or a number), or a new generated id.
A record that cannot be imported is reported with its line and the rest go on (exit code 1).
Ids that exist already are skipped, unless --replace.`,
  options: {
    collection: {
      type: "string",
      value: "name",
      help: "the input is documents for this collection",
    },
    "id-field": {
      type: "string",
      value: "field",
      help: "the documents' id field (with --collection)",
    },
    replace: { type: "boolean", help: "overwrite documents whose id exists (default: skip them)" },
  },
  async run(context: Context): Promise<number> {
    const file = required(context, 0);
    const collection = stringOption(context, "collection");
    const idField = stringOption(context, "id-field");
    if (idField !== undefined && collection === undefined) {
      throw new UsageError("--id-field goes with --collection", context.spec);
    }
    let size: number | undefined;
    if (file === "-") {
      if (context.io.stdin.isTTY === true) {
        throw new UsageError(
          "import - reads stdin, which is a terminal: pipe a file in",
          context.spec,
        );
      }
    } else {
      const stat = statOf(file);
      if (stat === undefined || !stat.isFile()) {
        throw new QuireError("NOT_FOUND", `Cannot import ${JSON.stringify(file)}: no such file`);
      }
      size = stat.size;
    }
    await using store = await openToWrite(context.target);
    if (collection !== undefined) store.collection(collection); // INVALID_NAME before any work
    const progress = Progress.start(context.io.stderr, {
      label: `import ${file === "-" ? "stdin" : file}`,
      total: size,
      unit: file === "-" ? "records" : "bytes",
    });
    let result: ImportResult;
    let numbering: "line" | "item";
    try {
      const input = file === "-" ? context.io.stdin : createReadStream(file);
      const prepared = await importSource(input as AsyncIterable<Uint8Array>, {
        collection,
        idField,
        onBytes: size === undefined ? undefined : (n) => progress.update(n),
      });
      numbering = prepared.numbering;
      result = await store.import(prepared.source, {
        onConflict: flag(context, "replace") ? "replace" : "skip",
        onProgress: size === undefined ? ({ line }) => progress.update(line) : undefined,
      });
    } catch (error) {
      progress.stop();
      throw error;
    }
    const summary = `imported ${count(result.imported)}, skipped ${count(result.skipped)}, ` +
      `failed ${count(result.failedCount)}`;
    await progress.finish(summary);
    if (context.out.json) {
      await context.out.value(result);
    } else {
      const lines = [summary];
      for (const failure of result.failed.slice(0, SHOWN_PROBLEMS)) {
        const id = failure.id === undefined ? "" : ` (id ${JSON.stringify(failure.id)})`;
        lines.push(`  ${numbering} ${failure.line}${id}: ${failure.error}`);
      }
      const more = result.failedCount - Math.min(result.failed.length, SHOWN_PROBLEMS);
      if (more > 0) lines.push(`  … and ${count(more)} more (--json lists up to 1,000)`);
      await context.out.lines(...lines);
    }
    if (result.imported === 0 && result.failedCount > 0 && collection === undefined) {
      await write(
        context.io.stderr,
        "quire: nothing imported: if the input holds plain documents, give --collection <name>\n",
      );
    }
    return result.failedCount > 0 ? 1 : 0;
  },
});

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** `quire backup <path>` */
export const backup = command({
  name: "backup",
  args: "<path>",
  min: 1,
  max: 1,
  summary: "Write a consistent copy of the database that open() reads (refuses to overwrite).",
  details: "A SQLite file for the SQLite and memory backends, a directory for the file backend.",
  async run(context: Context): Promise<number> {
    const path = required(context, 0);
    await using store = await openToRead(context.target);
    const progress = Progress.start(context.io.stderr, { label: `backup to ${path}` });
    try {
      await store.backup(path);
    } catch (error) {
      progress.stop();
      throw error;
    }
    const stat = statOf(path);
    const size = stat?.isFile() ? stat.size : undefined;
    const line = `backed up ${shownUrl(context.target.url)} to ${path}` +
      (size === undefined ? "" : ` (${bytes(size)})`);
    await progress.finish(line);
    if (context.out.json) {
      await context.out.value({ path, ...(size !== undefined && { bytes: size }) });
    } else await context.out.lines(line);
    return 0;
  },
});
