/**
 * How the `quire` commands print their results: readable tables and lines on a terminal, JSON
 * (one object) or NDJSON (one line per item of a list) when stdout is a pipe or a file, or when
 * `--json` asks for it. Scripts read the JSON; people read the tables.
 *
 * @module
 */

import { type OutStream, write } from "./cli_io.ts";

/** Where a command's result goes, and in which form. */
export class Output {
  readonly stream: OutStream;
  /** JSON/NDJSON rather than tables. */
  readonly json: boolean;

  constructor(stream: OutStream, forceJson: boolean) {
    this.stream = stream;
    this.json = forceJson || stream.isTTY !== true;
  }

  /** The terminal's width (80 when it does not say). */
  get width(): number {
    return this.stream.columns || 80;
  }

  /** Prints lines of text. */
  async lines(...lines: string[]): Promise<void> {
    await write(this.stream, lines.map((line) => `${line}\n`).join(""));
  }

  /** Prints one value as JSON: pretty on a terminal, one line otherwise. */
  async value(value: unknown): Promise<void> {
    const text = this.stream.isTTY === true && !this.json
      ? JSON.stringify(value, null, 2)
      : JSON.stringify(value);
    await write(this.stream, `${text}\n`);
  }

  /** Prints a table (on a terminal) with `header` over `rows`, fitted to the terminal's width. */
  async table(header: string[], rows: string[][], align: ("left" | "right")[] = []): Promise<void> {
    await write(this.stream, formatTable(header, rows, { align, width: this.width }));
  }
}

/** The widest a table cell gets before it is cut with `…`. */
const MAX_CELL = 48;

/**
 * A plain-text table: a header, a rule, and the rows, columns padded to their widest cell. Cells
 * are cut at {@linkcode MAX_CELL} characters; columns that do not fit in `width` are dropped from
 * the right (the last one kept is cut to fit).
 */
export function formatTable(
  header: string[],
  rows: string[][],
  options: { align?: ("left" | "right")[]; width?: number } = {},
): string {
  const all = [header, ...rows].map((row) => row.map((cell) => cut(oneLine(cell), MAX_CELL)));
  const widths = header.map((_, column) =>
    Math.max(...all.map((row) => length(row[column] ?? "")))
  );
  const limit = options.width ?? Infinity;
  let columns = header.length;
  const total = (n: number) => widths.slice(0, n).reduce((sum, w) => sum + w, 0) + 2 * (n - 1);
  while (columns > 1 && total(columns - 1) + 2 + 4 > limit && total(columns) > limit) columns--;
  if (total(columns) > limit) {
    widths[columns - 1] = Math.max(4, limit - total(columns - 1) - 2);
  }
  const render = (row: string[]) =>
    row.slice(0, columns).map((cell, i) => {
      const width = widths[i] ?? 0; // i < columns <= widths.length
      const text = cut(cell ?? "", width);
      const pad = " ".repeat(width - length(text));
      return options.align?.[i] === "right" ? pad + text : i === columns - 1 ? text : text + pad;
    }).join("  ").trimEnd();
  const rule = widths.slice(0, columns).map((w) => "-".repeat(w)).join("  ");
  const [head = [], ...body] = all;
  return [render(head), rule, ...body.map(render)].map((line) => `${line}\n`).join("");
}

/** A value as a table cell: strings as they are, anything else as JSON. */
export function cell(value: unknown): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `1234567` as `1,234,567`. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** `1536` as `1.5 KiB`. */
export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `n` and the noun, plural unless n is 1: `plural(2, "problem")` is `2 problems`. */
export function plural(n: number, noun: string): string {
  return `${count(n)} ${noun}${n === 1 ? "" : "s"}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ");
}

function length(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function cut(text: string, width: number): string {
  if (length(text) <= width) return text;
  return [...text].slice(0, Math.max(0, width - 1)).join("") + "…";
}
