/**
 * The contracts of the benchmark suite (bench/suite/): what a measured subject offers, the
 * operations, and the result JSON that each run writes to bench/results/ and that report.ts turns
 * into bench/RESULTS.md and its charts.
 *
 * @module
 */

/** A benchmark document (bench/suite/data.ts): about 500 bytes of JSON. */
export interface BenchDocument {
  [key: string]: string | number | string[] | null;
  /**
   * The id of an earlier document of the same collection, which `getResolved` follows. (quire
   * stores it as a reference, `{ $ref, $id }`, for `get` with `resolve`; NeDB, like MongoDB,
   * refuses keys that start with `$`.)
   */
  related: string | null;
  speech: string;
  year: number;
  president: string;
  party: string;
  part: number;
  text: string;
  words: number;
  keywords: string[];
}

/** The collection the suite's documents are in. */
export const COLLECTION = "docs";

/** The runtimes the suite runs on. */
export type RuntimeName = "bun" | "deno" | "node";

/** The operations, as the result JSON names them. */
export const OPERATIONS = [
  "put", // one document, autocommit
  "putMany", // batches of 1,000, one transaction each
  "get", // by id
  "getResolved", // by id, following `related`
  "findIndexed", // year = Y, limit 50, `year` indexed
  "findUnindexed", // party = P and words > W, limit 50
  "count", // party = P
  "searchTerm",
  "searchTwoTerms",
  "searchPhrase",
  "searchPrefix",
  "searchFiltered", // a term, with year ≥ Y
  "searchHighlighted", // a term, with highlights
  "export", // every document out
  "import", // every document in (an empty store)
  "coldStartGet", // open an existing store and answer the first get (ms)
  "coldStartSearch", // open an existing store and answer the first search (ms)
] as const;
export type Operation = typeof OPERATIONS[number];

/** Sizes, in bytes, measured once per subject and size. */
export const MEASURES = ["bytesOnDisk", "rssBytes"] as const;
export type Measure = typeof MEASURES[number];

/** Who a subject is: quire itself, the floor it is held to, or a peer it is compared with. */
export type SubjectGroup = "quire" | "floor" | "peer";

/** A search query of one kind (bench/suite/data.ts gives the same ones to every subject). */
export interface SearchQuery {
  kind: "term" | "twoTerms" | "phrase" | "prefix";
  /** The words (for a prefix query, the prefix without `*`). */
  words: string;
}

/** One loaded store, index or table of a subject; every operation is optional. */
export interface Instance {
  put?(id: string, doc: BenchDocument): unknown;
  putMany?(entries: readonly (readonly [string, BenchDocument])[]): unknown;
  get?(id: string): unknown;
  getResolved?(id: string): unknown;
  findIndexed?(year: number, limit: number): unknown;
  findUnindexed?(party: string, minWords: number, limit: number): unknown;
  count?(party: string): unknown;
  search?(
    query: SearchQuery,
    options: { limit: number; minYear?: number; highlight?: boolean },
  ): unknown;
  /** Every document as a line of JSON holding its id (NDJSON, as a backup or a copy would be). */
  exportAll?(): unknown;
  importAll?(docs: readonly (readonly [string, BenchDocument])[]): unknown;
  /** The bytes the instance keeps on disk (files, WAL, directories). */
  bytesOnDisk?(): number;
  close(): unknown;
}

/** How to open a subject's instance. */
export interface OpenOptions {
  /** Whether its search index is made too (only the searches need it). @default true */
  search?: boolean;
}

/** Something measured: a quire backend, a floor or a peer. */
export interface Subject {
  /** Its name in tables: "quire sqlite", "raw bun:sqlite", "nedb", … */
  name: string;
  group: SubjectGroup;
  /** Where it runs; every runtime when absent. */
  runtimes?: readonly RuntimeName[];
  /** The largest document count it is run at, and why not more (the tables say so). */
  maxSize?: { size: number; reason: string };
  /**
   * Operations it cannot do, with the reason the tables print ("no full-text search", "no
   * transactions: putMany is a loop"): these are shown as such, never left out.
   */
  cannot?: Partial<Record<Operation, string>>;
  /**
   * Opens an instance in `dir` (an empty directory of its own), holding `docs` (ids are
   * `docs[i][0]`), with `year` indexed and `text` searchable where the subject has such things.
   */
  open(
    dir: string,
    docs: readonly (readonly [string, BenchDocument])[],
    options?: OpenOptions,
  ): Promise<Instance>;
  /**
   * Opens what an earlier instance left in `dir` (for the cold-start operations); absent for
   * subjects that keep nothing on disk.
   */
  reopen?(dir: string): Promise<Instance>;
}

/** Statistics of one case's samples, each in microseconds per unit. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
}

/** One operation of one subject at one size. */
export interface CaseResult extends Partial<Stats> {
  operation: Operation;
  subject: string;
  group: SubjectGroup;
  size: number;
  /** What one sample's time is divided by: operations or documents. */
  unit: "op" | "doc";
  /** Microseconds per unit, one per sample (absent when unsupported). */
  samples?: number[];
  /** Why the subject cannot do it. */
  unsupported?: string;
}

/** A time ratio of two subjects on one operation, from rounds that alternate them. */
export interface RatioResult {
  operation: Operation;
  subject: string;
  against: string;
  size: number;
  /**
   * For a scaling ratio: `against` is the subject itself holding this many documents, timed side
   * by side with it holding `size` (run.ts `measureScaling`).
   */
  againstSize?: number;
  /** One time ratio (subject / against) per round. */
  rounds: number[];
  median: number;
}

/** A size measured once. */
export interface MeasureResult {
  metric: Measure;
  subject: string;
  size: number;
  value: number;
}

/** A target of the suite, checked within one run. */
export interface TargetResult {
  id: string;
  /** As the issue words it: "SQLite backend get ≤ 1.2× raw". */
  text: string;
  value: number;
  limit: number;
  /** Whether `value` must stay at or below `limit` ("max") or at or above it ("min"). */
  direction: "max" | "min";
  verdict: "PASS" | "MISS";
}

/** What one run of the suite on one runtime writes: bench/results/<kind>-<runtime>.json. */
export interface RunResult {
  schema: 1;
  kind: "quick" | "full";
  /** ISO 8601. */
  date: string;
  commit: string;
  runtime: { name: RuntimeName; version: string; sqlite: string };
  machine: {
    cpus: number;
    model: string;
    memoryBytes: number;
    load: { before: number[]; after: number[] };
  };
  sizes: number[];
  /** Present while the run goes on (the file is written after every subject), or if it stopped. */
  partial?: true;
  cases: CaseResult[];
  ratios: RatioResult[];
  measures: MeasureResult[];
  targets: TargetResult[];
}
