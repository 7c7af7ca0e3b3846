/**
 * Generates `src/search/fts5_tables.ts`: the character tables that quire's TypeScript tokenizers
 * (src/search/tokenize.ts) need to split and fold text exactly as SQLite's FTS5 does. The tables
 * are read back from SQLite itself, not from a Unicode database: FTS5 uses its own, older tables
 * and its own folding rules, and those are what the memory and file backends must agree with.
 *
 * Usage (from the repository root):
 *   bun scripts/gen_fts5_tables.ts            probes Bun's SQLite and, through a child process,
 *                                             Deno's; writes the file only if both agree
 *   deno run -A scripts/gen_fts5_tables.ts    the same, the other way round
 *   bun scripts/gen_fts5_tables.ts --json     prints this runtime's tables as JSON (what the
 *                                             child process is asked for)
 *
 * How SQLite is probed, for every Unicode scalar value except U+0000 (the driver refuses NUL):
 * - `unicode61 remove_diacritics 0|1|2` on the character alone: whether it makes a token (a
 *   token character) and what it folds to;
 * - the same tokenizers on "a" + character + "a": characters that are no token characters but
 *   still one token with the a's continue a token without starting one (FTS5's "diacritic"
 *   characters);
 * - `trigram` (remove_diacritics 0, 1 and 2) on the character three times: what it folds to,
 *   for every character (the trigram tokenizer folds separators too), or that it is dropped
 *   (no trigram comes out).
 * Tokens are read back through an `fts5vocab` table of type 'instance'. Each probe table has one
 * column per character of a row, so every token names its character by its row and column.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { type Database, openDriver } from "../src/sqlite/driver.ts";
import { RUNTIME } from "../src/runtime.ts";

/** Where the generated tables go. */
const OUTPUT = fileURLToPath(new URL("../src/search/fts5_tables.ts", import.meta.url));
/** Characters per probe row: one per column. */
const COLUMNS = 100;
/** The largest Unicode scalar value. */
const MAX_CODE_POINT = 0x10ffff;
/** `remove_diacritics` settings, in table order. */
const REMOVE_DIACRITICS = [0, 1, 2] as const;

/** What SQLite's FTS5 does with one character, under every tokenizer setting probed. */
export interface CodePointProbe {
  /** unicode61 on the character alone, per remove_diacritics: the term, or null (no token). */
  alone: (string | null)[];
  /** unicode61 on "a" + character + "a", per remove_diacritics: the one term, or null (two). */
  between: (string | null)[];
  /** trigram on the character three times, per remove_diacritics: the term, or null (none). */
  trigram: (string | null)[];
}

/**
 * Asks the database's FTS5 what it makes of each code point (see the module comment).
 *
 * @param db An open database whose SQLite has FTS5.
 * @param codePoints Unicode scalar values, none of them 0 or a surrogate.
 * @returns One probe per code point, keyed by the code point.
 */
export function probeCodePoints(db: Database, codePoints: number[]): Map<number, CodePointProbe> {
  const probes = new Map<number, CodePointProbe>();
  for (const codePoint of codePoints) {
    if (
      codePoint <= 0 || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > MAX_CODE_POINT
    ) {
      throw new RangeError(`Cannot probe code point ${codePoint}: not a non-NUL scalar value`);
    }
    probes.set(codePoint, { alone: [], between: [], trigram: [] });
  }
  for (const removeDiacritics of REMOVE_DIACRITICS) {
    const unicode61 = `unicode61 remove_diacritics ${removeDiacritics}`;
    const trigram = `trigram remove_diacritics ${removeDiacritics}`;
    const alone = probeTable(db, unicode61, codePoints, (c) => c);
    const between = probeTable(db, unicode61, codePoints, (c) => `a${c}a`);
    const tripled = probeTable(db, trigram, codePoints, (c) => c + c + c);
    codePoints.forEach((codePoint, i) => {
      const probe = probes.get(codePoint)!;
      probe.alone[removeDiacritics] = onlyTerm(alone[i]);
      probe.between[removeDiacritics] = onlyTerm(between[i]);
      probe.trigram[removeDiacritics] = onlyTerm(tripled[i]);
    });
  }
  return probes;
}

/** The single term of a probe, or null when it made none; more than one is no single term. */
function onlyTerm(terms: string[]): string | null {
  return terms.length === 1 ? terms[0] : null;
}

/** Indexes `text(c)` for each code point in an FTS5 table; returns each one's terms in order. */
function probeTable(
  db: Database,
  tokenizer: string,
  codePoints: number[],
  text: (character: string) => string,
): string[][] {
  const columns = Array.from({ length: COLUMNS }, (_, i) => `c${i}`);
  db.exec(`DROP TABLE IF EXISTS temp.probe_vocab; DROP TABLE IF EXISTS temp.probe`);
  db.exec(
    `CREATE VIRTUAL TABLE temp.probe USING fts5(${columns.join(", ")}, tokenize = '${tokenizer}')`,
  );
  db.exec(`CREATE VIRTUAL TABLE temp.probe_vocab USING fts5vocab(temp, probe, 'instance')`);
  const insert = db.prepare(
    `INSERT INTO temp.probe (rowid, ${columns.join(", ")}) VALUES (?${", ?".repeat(COLUMNS)})`,
  );
  db.transaction(() => {
    for (let row = 0; row * COLUMNS < codePoints.length; row++) {
      const values: (string | null)[] = columns.map((_, column) => {
        const codePoint = codePoints[row * COLUMNS + column];
        return codePoint === undefined ? null : text(String.fromCodePoint(codePoint));
      });
      insert.run(row + 1, ...values);
    }
  });
  const terms: string[][] = codePoints.map(() => []);
  const rows = db.prepare(
    `SELECT term, doc, col FROM temp.probe_vocab ORDER BY doc, col, offset`,
  ).values() as [string, number, string][];
  for (const [term, doc, column] of rows) {
    terms[(doc - 1) * COLUMNS + Number(column.slice(1))].push(term);
  }
  return terms;
}

/** The tables derived from the probes, as the generated file stores them (see `encode*`). */
export interface Fts5Tables {
  /** Token characters as alternating run lengths (see {@linkcode encodeRanges}). */
  tokenChars: string;
  /** Characters that continue a token but do not start one, encoded the same way. */
  diacritics: string;
  /** Folding with remove_diacritics 0, as changes from the identity (see {@linkcode encodeMap}). */
  fold0: string;
  /** Folding with remove_diacritics 2, as changes from fold0. */
  fold2: string;
  /** Folding with remove_diacritics 1, as changes from fold2 (known for token characters only). */
  fold1: string;
}

/** Probes every code point on this runtime's SQLite and derives the tables; throws on surprises. */
export async function deriveTables(): Promise<{ tables: Fts5Tables; sqlite: string }> {
  const db = await openDriver(":memory:");
  const { version } = db.prepare("SELECT sqlite_version() AS version").get() as {
    version: string;
  };
  const codePoints: number[] = [];
  for (let c = 1; c <= MAX_CODE_POINT; c++) if (c < 0xd800 || c > 0xdfff) codePoints.push(c);
  const probes = probeCodePoints(db, codePoints);
  db.close();

  const tokenChars: number[] = [];
  const diacritics: number[] = [];
  const fold = [new Map<number, number>(), new Map<number, number>(), new Map<number, number>()];
  const single = (term: string, what: string, c: number): number => {
    const points = [...term];
    if (points.length > 1) throw new Error(`${what} of U+${hex(c)} is more than one character`);
    return points.length === 0 ? 0 : points[0].codePointAt(0)!;
  };
  for (const [c, probe] of probes) {
    // The trigram tokenizer folds every character; a character it drops makes no trigram.
    const trigramFold = probe.trigram.map((term) => {
      if (term === null) return 0;
      const points = [...term];
      if (points.length !== 3 || points[0] !== points[1] || points[1] !== points[2]) {
        throw new Error(`trigram of U+${hex(c)} x3 is ${JSON.stringify(term)}`);
      }
      return points[0].codePointAt(0)!;
    });
    // trigram treats every remove_diacritics but 0 as 2 (fts5TriCreate): check that it still does.
    if (trigramFold[1] !== trigramFold[2]) {
      throw new Error(`trigram remove_diacritics 1 and 2 differ on U+${hex(c)}`);
    }
    const isToken = probe.alone.map((term) => term !== null);
    const continues = probe.between.map((term) => term !== null);
    if (isToken[1] !== isToken[0] || isToken[2] !== isToken[0]) {
      throw new Error(`U+${hex(c)} is a token character for some remove_diacritics only`);
    }
    if (continues[1] !== continues[0] || continues[2] !== continues[0]) {
      throw new Error(`U+${hex(c)} continues a token for some remove_diacritics only`);
    }
    if (isToken[0] && !continues[0]) throw new Error(`token character U+${hex(c)} ends a token`);
    const unicode61Fold = REMOVE_DIACRITICS.map((rd) => {
      if (isToken[0]) return single(probe.alone[rd]!, "unicode61 fold", c);
      if (continues[0]) {
        const term = probe.between[rd]!;
        if (!term.startsWith("a") || !term.endsWith("a")) {
          throw new Error(`"a" + U+${hex(c)} + "a" gives ${JSON.stringify(term)}`);
        }
        return single(term.slice(1, -1), "unicode61 fold", c);
      }
      return undefined;
    });
    if (isToken[0]) tokenChars.push(c);
    else if (continues[0]) diacritics.push(c);
    if (isToken[0] && unicode61Fold[0] === 0) {
      throw new Error(`token character U+${hex(c)} folds to nothing: tokens could be empty`);
    }
    // unicode61 and trigram share one fold function (sqlite3Fts5UnicodeFold): check that.
    if (unicode61Fold[0] !== undefined && unicode61Fold[0] !== trigramFold[0]) {
      throw new Error(`unicode61 and trigram fold U+${hex(c)} differently`);
    }
    if (unicode61Fold[2] !== undefined && unicode61Fold[2] !== trigramFold[2]) {
      throw new Error(`unicode61 and trigram fold U+${hex(c)} differently (remove_diacritics 2)`);
    }
    if (trigramFold[0] !== c) fold[0].set(c, trigramFold[0]);
    if (trigramFold[2] !== trigramFold[0]) fold[2].set(c, trigramFold[2]);
    if (unicode61Fold[1] !== undefined && unicode61Fold[1] !== trigramFold[2]) {
      fold[1].set(c, unicode61Fold[1]);
    }
  }
  // tokenize.ts reads a lone surrogate as U+FFFD, as SQLite receives it, and relies on this to
  // keep such a surrogate out of unicode61 terms.
  if (probes.get(0xfffd)!.alone[0] !== null) throw new Error("U+FFFD is a token character");
  for (const map of fold) {
    for (const [c, target] of map) {
      if ((c <= 0xffff) !== (target <= 0xffff)) {
        throw new Error(`U+${hex(c)} folds across the BMP boundary: the tables assume it cannot`);
      }
    }
  }
  return {
    sqlite: version,
    tables: {
      tokenChars: encodeRanges(tokenChars),
      diacritics: encodeRanges(diacritics),
      fold0: encodeMap(fold[0]),
      fold2: encodeMap(fold[2]),
      fold1: encodeMap(fold[1]),
    },
  };
}

function hex(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, "0");
}

/**
 * Encodes a sorted set of code points as base-36 numbers joined by commas: the length of the
 * first gap (from 0), then of the first run in the set, the next gap, the next run, and so on.
 */
export function encodeRanges(sorted: number[]): string {
  const lengths: number[] = [];
  let end = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[j - 1] + 1) j++;
    lengths.push(sorted[i] - end, j - i);
    end = sorted[j - 1] + 1;
    i = j;
  }
  return lengths.map((n) => n.toString(36)).join(",");
}

/**
 * Encodes a code point mapping as runs of four base-36 numbers: the gap from the end of the
 * previous run, the run's length, its kind, and a value. Kind 1 maps every code point of the
 * run to itself plus the value (a case pair block such as A–Z); kind 2 does the same for every
 * second code point (alternating upper and lower case); kind 0 maps every code point of the run
 * to the value itself (such as à–å to a, or combining marks to 0, which means "dropped").
 */
export function encodeMap(map: Map<number, number>): string {
  const entries = [...map].sort(([a], [b]) => a - b);
  const numbers: number[] = [];
  let end = 0;
  for (let i = 0; i < entries.length;) {
    const [start, target] = entries[i];
    // Of the three kinds of run, take the one that covers the most entries from here.
    const runs = [0, 1, 2].map((kind) => {
      const step = kind === 2 ? 2 : 1;
      let j = i + 1;
      while (
        j < entries.length && entries[j][0] === entries[j - 1][0] + step &&
        (kind === 0 ? entries[j][1] === target : entries[j][1] - entries[j][0] === target - start)
      ) j++;
      return { kind, count: j - i };
    });
    const best = runs.reduce((a, b) => (b.count > a.count ? b : a));
    const step = best.kind === 2 ? 2 : 1;
    const value = best.kind === 0 ? target : target - start;
    numbers.push(start - end, best.count, best.kind, value);
    end = start + (best.count - 1) * step + 1;
    i += best.count;
  }
  return numbers.map((n) => n.toString(36)).join(",");
}

/** The generated module's text. */
function render(tables: Fts5Tables, sources: string[], command: string): string {
  const wrap = (text: string) => {
    const lines: string[] = [];
    for (let i = 0; i < text.length; i += 96) lines.push(`  "${text.slice(i, i + 96)}"`);
    return lines.length === 0 ? ` ""` : `\n${lines.join(" +\n")}`;
  };
  return `// Generated by \`${command}\`: do not edit.
// What SQLite's FTS5 does with every Unicode scalar value, read back from
${sources.map((source) => `//   ${source}`).join(" and\n")},
// which give identical tables. The formats are described in scripts/gen_fts5_tables.ts
// (encodeRanges, encodeMap); src/search/tokenize.ts decodes them.
// deno-fmt-ignore-file

/**
 * unicode61 token characters: categories L*, N* and Co in SQLite's own (Unicode 6) tables, and
 * every code point those tables leave unassigned (FTS5 counts them as token characters too).
 */
export const TOKEN_CHARS =${wrap(tables.tokenChars)};

/** Characters that continue a unicode61 token but do not start one (sqlite3Fts5UnicodeIsdiacritic). */
export const DIACRITICS =${wrap(tables.diacritics)};

/** sqlite3Fts5UnicodeFold with remove_diacritics 0: changes from the identity. */
export const FOLD_0 =${wrap(tables.fold0)};

/** sqlite3Fts5UnicodeFold with remove_diacritics 2: changes from FOLD_0. */
export const FOLD_2 =${wrap(tables.fold2)};

/** sqlite3Fts5UnicodeFold with remove_diacritics 1: changes from FOLD_2 (token characters only). */
export const FOLD_1 =${wrap(tables.fold1)};
`;
}

/** `[runtime, command prefix]` of the other runtime, to confirm the tables there. */
function otherRuntime(): { name: string; command: string[] } {
  const bin = (name: string) =>
    fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
  const script = fileURLToPath(import.meta.url);
  return RUNTIME === "bun"
    ? { name: "deno", command: [bin("deno"), "run", "-A", script, "--json"] }
    : { name: "bun", command: [bin("bun"), script, "--json"] };
}

async function main(): Promise<void> {
  if (process.argv.includes("--json")) {
    const derived = await deriveTables();
    process.stdout.write(JSON.stringify({ version: runtimeVersion(), ...derived }));
    return;
  }
  const started = performance.now();
  const own = await deriveTables();
  const other = otherRuntime();
  const child = spawnSync(other.command[0], other.command.slice(1), {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) {
    throw new Error(`Cannot probe ${other.name}'s SQLite: ${child.stderr || child.error}`);
  }
  const theirs = JSON.parse(child.stdout) as {
    version: string;
    sqlite: string;
    tables: Fts5Tables;
  };
  const differing = (Object.keys(own.tables) as (keyof Fts5Tables)[]).filter((key) =>
    own.tables[key] !== theirs.tables[key]
  );
  if (differing.length > 0) {
    throw new Error(
      `SQLite ${own.sqlite} (${RUNTIME}) and ${theirs.sqlite} (${other.name}) differ in ` +
        `${differing.join(", ")}: the tokenizers cannot match both`,
    );
  }
  const command = RUNTIME === "bun"
    ? "bun scripts/gen_fts5_tables.ts"
    : "deno run -A scripts/gen_fts5_tables.ts";
  const sources = [
    `SQLite ${own.sqlite} (${RUNTIME} ${runtimeVersion()})`,
    `SQLite ${theirs.sqlite} (${other.name} ${theirs.version})`,
  ];
  const text = render(own.tables, sources, command);
  writeFileSync(OUTPUT, text);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`Wrote ${OUTPUT} (${text.length} bytes) in ${seconds} s: ${sources.join(", ")}`);
}

function runtimeVersion(): string {
  const global = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  return global.Bun?.version ?? global.Deno?.version.deno ?? "";
}

if (import.meta.main) await main();
