/**
 * `store.import()`: reads records or NDJSON, checks each record, and writes the good ones in
 * batches (each batch one transaction). A bad record is reported with its line number and the
 * import goes on; a storage failure rolls back the batch it hit and ends the import.
 *
 * @module
 */

import type { RestoreMode, RestoreRequest } from "./backend/types.ts";
import { type NormalizedOptions, normalizeOptions } from "./collection_options.ts";
import { encodeDocument, isPlainObject } from "./document.ts";
import { QuireError } from "./errors.ts";
import { checkCollectionName, checkId } from "./names.ts";

/**
 * What `import()` reads: records, or NDJSON as one string or buffer, or as chunks of text or
 * bytes (a ReadableStream, a Node stream, an async generator).
 */
export type ImportSource =
  | string
  | Uint8Array
  | Iterable<unknown>
  | AsyncIterable<unknown>;

/** Options of `import()`. */
export interface ImportOptions {
  /** What to do with an id that already exists: keep it (`"skip"`) or overwrite it. @default "skip" */
  onConflict?: RestoreMode | undefined;
  /** Records per transaction. @default 1000 */
  batchSize?: number | undefined;
  /** Called after every batch, with the counts so far and the last line read. */
  onProgress?: ((progress: ImportProgress) => void) | undefined;
}

/** What `onProgress` is told after each batch. */
export interface ImportProgress {
  /** Records written so far. */
  imported: number;
  /** Records skipped so far (their id existed, with `onConflict: "skip"`). */
  skipped: number;
  /** Records refused so far. */
  failed: number;
  /** The last line (or record) read. */
  line: number;
}

/** A record that could not be imported. */
export interface ImportFailure {
  /** 1-based line (NDJSON) or position (records). */
  line: number;
  /** The record's id, when it had one. */
  id?: string;
  /** Why the record was refused. */
  error: string;
}

/** What `import()` did. */
export interface ImportResult {
  /** Records written. */
  imported: number;
  /** Records skipped (their id existed, with `onConflict: "skip"`). */
  skipped: number;
  /** The first {@linkcode MAX_LISTED_FAILURES} failures. */
  failed: ImportFailure[];
  /** How many records failed in all. */
  failedCount: number;
}

/** The header line of an NDJSON export. */
export interface ExportHeader {
  /** Marks the file as a quire export. */
  format: "quire-export";
  /** The export format's version. */
  version: 1;
  /** When the export started: ISO-8601 UTC with milliseconds. */
  exportedAt: string;
  /** The exported collections and their options. */
  collections: Record<string, NormalizedOptions>;
}

/** Most failures `import()` lists (all are counted). */
export const MAX_LISTED_FAILURES = 1000;
const MAX_LINE_BYTES = 64 * 1024 * 1024;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A checked record, ready to write. */
export interface ImportRecord extends RestoreRequest {
  collection: string;
}

/** What the import needs from the Store. */
export interface ImportHost {
  maxDocumentBytes: number;
  ensure(collection: string, options: NormalizedOptions | undefined): Promise<void>;
  writeBatch(batch: ImportRecord[], mode: RestoreMode): Promise<boolean[]>;
}

/** Runs an import; see `Store.import`. */
export async function importRecords(
  source: ImportSource,
  options: ImportOptions,
  host: ImportHost,
): Promise<ImportResult> {
  if (typeof options !== "object" || options === null) {
    throw new QuireError("INVALID_OPTION", "Invalid import options: expected an object");
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw new QuireError("INVALID_OPTION", "Invalid onProgress: expected a function");
  }
  const mode = options.onConflict ?? "skip";
  if (mode !== "skip" && mode !== "replace") {
    throw new QuireError("INVALID_OPTION", 'Invalid onConflict: expected "skip" or "replace"');
  }
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new QuireError("INVALID_OPTION", "Invalid batchSize: expected a whole number ≥ 1");
  }
  const result: ImportResult = { imported: 0, skipped: 0, failed: [], failedCount: 0 };
  const headerOptions = new Map<string, NormalizedOptions>();
  const ensured = new Set<string>();
  let batch: ImportRecord[] = [];
  let lastLine = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const written = await host.writeBatch(batch, mode);
    for (const ok of written) ok ? result.imported++ : result.skipped++;
    batch = [];
    const { imported, skipped, failedCount: failed } = result;
    options.onProgress?.({ imported, skipped, failed, line: lastLine });
  };
  const fail = (line: number, error: unknown, id?: string) => {
    result.failedCount++;
    if (result.failed.length < MAX_LISTED_FAILURES) {
      result.failed.push({ line, ...(id === undefined ? {} : { id }), error: errorText(error) });
    }
  };

  for await (const [line, item] of numbered(source)) {
    lastLine = line;
    let value = item;
    if (item === NOT_UTF8) {
      fail(line, new QuireError("INVALID_DOCUMENT", "Line is not valid UTF-8"));
      continue;
    }
    if (typeof item === "string") {
      if (item.trim() === "") continue;
      try {
        value = JSON.parse(item);
      } catch (error) {
        fail(
          line,
          new QuireError("INVALID_DOCUMENT", `Line is not valid JSON: ${errorText(error)}`),
        );
        continue;
      }
    }
    if (isPlainObject(value) && value.format === "quire-export") {
      let listed: Map<string, NormalizedOptions>;
      try {
        listed = readHeader(value);
      } catch (error) {
        fail(line, error);
        continue;
      }
      // Every collection the header lists is made, the empty ones too.
      for (const [name, collectionOptions] of listed) {
        headerOptions.set(name, collectionOptions);
        if (ensured.has(name)) continue;
        await host.ensure(name, collectionOptions);
        ensured.add(name);
      }
      continue;
    }
    let record: ImportRecord;
    try {
      record = checkRecord(value, host.maxDocumentBytes);
    } catch (error) {
      const id = isPlainObject(value) && typeof value.id === "string"
        ? value.id.slice(0, 512)
        : undefined;
      fail(line, error, id);
      continue;
    }
    if (!ensured.has(record.collection)) {
      await host.ensure(record.collection, headerOptions.get(record.collection));
      ensured.add(record.collection);
    }
    batch.push(record);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return result;
}

/** The collections a header lists, with their options; all or nothing. */
function readHeader(header: Record<string, unknown>): Map<string, NormalizedOptions> {
  if (header.version !== 1) {
    throw new QuireError(
      "UNSUPPORTED",
      `Unsupported export version ${JSON.stringify(header.version)}`,
    );
  }
  if (!isPlainObject(header.collections)) {
    throw new QuireError("INVALID_DOCUMENT", "Export header: collections must be an object");
  }
  const listed = new Map<string, NormalizedOptions>();
  for (const [name, options] of Object.entries(header.collections)) {
    listed.set(checkCollectionName(name), normalizeOptions(options));
  }
  return listed;
}

function checkRecord(value: unknown, maxBytes: number): ImportRecord {
  if (!isPlainObject(value)) {
    throw new QuireError("INVALID_DOCUMENT", "Expected a record object { collection, id, doc }");
  }
  const collection = checkCollectionName(value.collection);
  const id = checkId(value.id);
  const data = encodeDocument(value.doc, maxBytes);
  const now = new Date().toISOString();
  const rev = value.rev ?? 1;
  if (typeof rev !== "number" || !Number.isSafeInteger(rev) || rev < 1) {
    throw new QuireError("INVALID_DOCUMENT", "Record rev must be a whole number ≥ 1");
  }
  const createdAt = checkTime(value.createdAt ?? now, "createdAt");
  const updatedAt = checkTime(value.updatedAt ?? createdAt, "updatedAt");
  return { collection, id, rev, createdAt, updatedAt, data };
}

function checkTime(value: unknown, name: string): string {
  if (typeof value !== "string" || !ISO_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw new QuireError(
      "INVALID_DOCUMENT",
      `Record ${name} must be an ISO-8601 UTC time with milliseconds`,
    );
  }
  return value;
}

function errorText(error: unknown): string {
  if (error instanceof QuireError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

const ENCODER = new TextEncoder();
// Each line is decoded whole (no `stream`), so the decoder carries nothing from one to the next.
const DECODER = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** What `numbered` yields for a line whose bytes are not UTF-8. */
const NOT_UTF8 = Symbol("not UTF-8");

/**
 * Numbers the items of a source: NDJSON (text or byte chunks, split into lines across chunk
 * boundaries) yields its lines; any other item counts as one record. Bytes are split at `\n`
 * (a byte that is never part of another character in UTF-8) and each line is decoded on its own,
 * so a line that is not UTF-8 is one bad record ({@linkcode NOT_UTF8}), not the end of the import.
 * A BOM at the very start is dropped, whether the input is text or bytes.
 */
async function* numbered(source: ImportSource): AsyncGenerator<[number, unknown]> {
  // A whole text or buffer is one chunk (a Uint8Array is iterable too, but by byte).
  if (typeof source === "string" || source instanceof Uint8Array) source = [source];
  if (
    source === null || typeof source !== "object" ||
    !(Symbol.iterator in source || Symbol.asyncIterator in source)
  ) {
    throw new QuireError(
      "INVALID_OPTION",
      "Cannot import: expected records, NDJSON text or a stream",
    );
  }
  let line = 0;
  // The current line so far, as it came: text and byte pieces.
  let parts: (string | Uint8Array)[] = [];
  let size = 0;
  let start = true;
  const take = (part: string | Uint8Array) => {
    if (part.length === 0) return;
    parts.push(part);
    size += part.length;
  };
  const finish = (): [number, unknown] => {
    const text = lineText(parts, start);
    start = false;
    parts = [];
    size = 0;
    return [++line, text];
  };
  for await (const item of source as AsyncIterable<unknown>) {
    if (typeof item === "string") {
      let from = 0;
      let newline;
      while ((newline = item.indexOf("\n", from)) !== -1) {
        take(item.slice(from, newline));
        yield finish();
        from = newline + 1;
      }
      take(item.slice(from));
    } else if (item instanceof Uint8Array) {
      let from = 0;
      let newline;
      while ((newline = item.indexOf(0x0a, from)) !== -1) {
        take(item.subarray(from, newline));
        yield finish();
        from = newline + 1;
      }
      take(item.subarray(from));
    } else {
      yield [++line, item];
      continue;
    }
    if (size > MAX_LINE_BYTES) {
      throw new QuireError(
        "TOO_LARGE",
        `Cannot import: line ${line + 1} is over ${MAX_LINE_BYTES} bytes`,
      );
    }
  }
  if (parts.length > 0) yield finish();
}

/** The text of one line (without its `\r\n` or `\n`), or NOT_UTF8. */
function lineText(parts: (string | Uint8Array)[], start: boolean): string | typeof NOT_UTF8 {
  let text: string;
  if (parts.every((part) => typeof part === "string")) {
    text = parts.join("");
  } else {
    const bytes = parts.map((part) => typeof part === "string" ? ENCODER.encode(part) : part);
    let whole = bytes[0];
    if (bytes.length > 1) {
      whole = new Uint8Array(bytes.reduce((n, part) => n + part.length, 0));
      let at = 0;
      for (const part of bytes) {
        whole.set(part, at);
        at += part.length;
      }
    }
    try {
      text = DECODER.decode(whole);
    } catch {
      return NOT_UTF8;
    }
  }
  if (start && text.startsWith("\uFEFF")) text = text.slice(1);
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}
