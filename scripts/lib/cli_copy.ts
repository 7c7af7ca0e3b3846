/**
 * `quire copy <from-url> <to-url> [collections...]`: every collection (or those named), with its
 * options and every document's rev and times, from one store to another on any backends, e.g. from
 * SQLite to Postgres when a store outgrows one machine, and back.
 *
 * It streams: the source is read a page at a time (its NDJSON export) and written in batches of
 * 1,000 records, each in one transaction, so memory stays flat whatever the size. Rerunning it is
 * safe: each document is written with its own metadata (`replace`), so a second run leaves the
 * target as one run does. `--resume` skips the documents the target already has, to finish an
 * interrupted copy faster (a document changed at the source since the first run is then not
 * updated). Documents the target holds that the source does not are left alone; a collection
 * the target has already keeps its own options.
 *
 * @module
 */

import { exportNdjson, type ImportResult } from "../../mod.ts";
import { command, type Context, flag, required } from "./cli_command.ts";
import { count, plural } from "./cli_output.ts";
import { Progress } from "./cli_progress.ts";
import { existingCollection, openToRead, openToWrite, shownUrl, type Target } from "./cli_store.ts";

/** `quire copy <from-url> <to-url> [collections...]` */
export const copyCommand = command({
  name: "copy",
  args: "<from-url> <to-url> [collections...]",
  min: 2,
  max: Infinity,
  summary: "Copy collections, with their options, revs and times, between any two stores.",
  details:
    `Streams every collection (or those named) from <from-url> into <to-url>, which is created if
need be: sqlite://, file://, postgres://... Rerunning it is safe (documents are written with
their own rev and times); --resume skips the ids the target has already.`,
  options: {
    resume: { type: "boolean", help: "skip documents whose id the target has (finish a copy)" },
  },
  async run(context: Context): Promise<number> {
    const from: Target = { url: required(context, 0), from: "argument" };
    const to: Target = { url: required(context, 1), from: "argument" };
    const names = [...new Set(context.args.positionals.slice(2))];
    await using source = await openToRead(from);
    for (const name of names) await existingCollection(source, name);
    const options = { collections: names.length === 0 ? undefined : names };
    const chosen = await source.exportedCollections(options);
    // A backend without figures (stats) gives no total: the bar then counts without one.
    const counts = await source.stats().then((stats) => stats.collections, () => undefined);
    const total = counts &&
      chosen.reduce((sum, { name }) => sum + (counts[name]?.count ?? 0), 0);
    await using target = await openToWrite(to);
    const progress = Progress.start(context.io.stderr, {
      label: `copy to ${shownUrl(to.url)}`,
      total,
      unit: "documents",
    });
    let result: ImportResult;
    try {
      result = await target.import(exportNdjson(source, options), {
        onConflict: flag(context, "resume") ? "skip" : "replace",
        onProgress: ({ imported, skipped, failed }) => progress.update(imported + skipped + failed),
      });
    } catch (error) {
      progress.stop();
      throw error;
    }
    const summary = `copied ${plural(result.imported, "document")} of ` +
      `${plural(chosen.length, "collection")} from ${shownUrl(from.url)} to ${shownUrl(to.url)}` +
      (result.skipped > 0 ? `, skipped ${count(result.skipped)} the target had` : "") +
      (result.failedCount > 0 ? `, failed ${count(result.failedCount)}` : "");
    await progress.finish(summary);
    if (context.out.json) await context.out.value({ collections: chosen.length, ...result });
    else {
      const lines = [summary];
      for (const failure of result.failed.slice(0, 20)) {
        lines.push(`  ${failure.id === undefined ? "" : `${failure.id}: `}${failure.error}`);
      }
      await context.out.lines(...lines);
    }
    return result.failedCount > 0 ? 1 : 0;
  },
});
