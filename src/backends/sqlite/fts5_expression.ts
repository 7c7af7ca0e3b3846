/**
 * The FTS5 dialect of search: writes a query's tree (src/search/match_node.ts, made by
 * src/search/to_match_node.ts) as an FTS5 MATCH expression, checks a raw query (the caller's
 * `{ raw: true }`, where the user's text is the MATCH expression), and turns the errors FTS5
 * raises for a raw query into `INVALID_SEARCH`.
 *
 * ## What makes the output valid FTS5
 *
 * Every user text is inside a `"…"` string with `"` doubled; operators are only ever the
 * writer's own `AND`, `OR`, `NOT`; every composite operand is parenthesised; a column filter
 * names a column from the caller's list, checked against a strict identifier pattern. Depth is
 * bounded by the parser's limits. Phrases without tokens were dropped for meaning, not
 * validity: FTS5 accepts `""` anywhere, so an inexact tokenizer changes results, never
 * validity.
 *
 * @module
 */

import { QuireError, quote } from "../../errors.ts";
import type { MatchNode } from "../../search/match_node.ts";

/**
 * Writes a query's tree as an FTS5 MATCH expression.
 *
 * @example
 * ```ts
 * import { parseSearchQuery } from "../../search/query_syntax.ts";
 * import { toMatchNode } from "../../search/to_match_node.ts";
 * import { toFts5Expression } from "./fts5_expression.ts";
 * const termsOf = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
 * const query = parseSearchQuery("title:multi-agent -draft", { fields: ["title"] });
 * const tree = toMatchNode(query, { termsOf, fields: ["title"] })!;
 * console.log(toFts5Expression(tree, ["c0"])); // (c0 : "multi-agent") NOT "draft"
 * ```
 *
 * @param node The query's tree.
 * @param columns The FTS5 column of each search field, in the order of the search fields (the
 *   tree's column indexes): the caller's identifiers, never user text.
 * @returns The expression, to bind as a parameter.
 * @throws {QuireError} `INVALID_OPTION` when a phrase's column has no name in `columns` or its
 * name is not a plain identifier: a mistake of the caller, never of the query's text.
 */
export function toFts5Expression(node: MatchNode, columns: readonly string[]): string {
  const write = (node: MatchNode): string => {
    switch (node.kind) {
      case "phrase": {
        const string = `"${node.text.replaceAll('"', '""')}"${node.prefix ? " *" : ""}`;
        return node.columns === undefined
          ? string
          : `${node.columns.map((i) => columnName(columns, i)).join(" ")} : ${string}`;
      }
      case "and":
      case "or":
        return node.nodes.map(operand).join(node.kind === "and" ? " AND " : " OR ");
      case "not":
        return `${operand(node.positive)} NOT ${operand(node.negative)}`;
    }
  };
  const operand = (node: MatchNode) =>
    node.kind === "phrase" && node.columns === undefined ? write(node) : `(${write(node)})`;
  return write(node);
}

/** FTS5 column names we write: plain identifiers that are not FTS5 operators. */
const COLUMN_NAME = /^(?!(?:AND|OR|NOT|NEAR)$)[A-Za-z_][A-Za-z0-9_]*$/;

/** The name of column `index`, checked to be a plain identifier. */
function columnName(columns: readonly string[], index: number): string {
  const column = columns[index];
  if (column === undefined) {
    throw new QuireError("INVALID_OPTION", `Cannot search column ${index}: it has no FTS5 column`);
  }
  if (!COLUMN_NAME.test(column)) {
    throw new QuireError(
      "INVALID_OPTION",
      `Cannot search column ${index}: its FTS5 column ${quote(column)} is not a plain identifier`,
    );
  }
  return column;
}

/**
 * A raw query's text as the MATCH expression, once checked: NUL cannot be bound to SQLite
 * (node:sqlite cuts a bound text short there).
 *
 * @throws {QuireError} `INVALID_SEARCH` when the text holds NUL.
 */
export function rawFts5Expression(text: string): string {
  if (text.includes("\0")) {
    throw new QuireError("INVALID_SEARCH", "Cannot search: the query holds a NUL character");
  }
  return text;
}

/**
 * The start of every error FTS5 raises for a bad MATCH expression (fts5_expr.c, fts5_main.c),
 * as SQLite's message gives it.
 */
const FTS5_QUERY_ERROR =
  /^(?:fts5: |no such column: |unknown special query: |unterminated string|expected integer, got )/;

/** How much of FTS5's message an error repeats. */
const MAX_DETAIL = 200;

/**
 * Turns the error of running a raw FTS5 query (the user's text as the MATCH expression) into
 * `INVALID_SEARCH` when FTS5 refused the expression; any other error is returned unchanged.
 *
 * The driver wraps the binding's error in a `STORAGE` QuireError with the binding's error as
 * `cause` (bun:sqlite's has a `code`, node:sqlite's only a message); FTS5's message is the
 * cause's message, or what follows the driver's context in the QuireError's.
 *
 * @example
 * ```ts
 * import { ftsErrorToQuireError } from "./fts5_expression.ts";
 * try {
 *   // db.prepare("SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?").all(userText);
 * } catch (error) {
 *   throw ftsErrorToQuireError(error);
 * }
 * ```
 *
 * @param error What running the query threw.
 * @returns An `INVALID_SEARCH` QuireError (with `error` as its cause), or `error` itself.
 */
export function ftsErrorToQuireError(error: unknown): unknown {
  if (!(error instanceof QuireError) || error.code !== "STORAGE") return error;
  const detail = fts5Message(error);
  if (detail === undefined) return error;
  const shown = detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail;
  return new QuireError("INVALID_SEARCH", `Cannot search: invalid FTS5 query: ${shown}`, {
    cause: error,
  });
}

/** FTS5's message inside a driver error, if it is one of FTS5's query errors. */
function fts5Message(error: QuireError): string | undefined {
  const cause = error.cause;
  if (cause instanceof Error) {
    return FTS5_QUERY_ERROR.test(cause.message) ? cause.message : undefined;
  }
  // No binding error to look at: the driver's message is "<context>: <SQLite's message>".
  const separator = error.message.indexOf(": ");
  const message = separator === -1 ? "" : error.message.slice(separator + 2);
  return FTS5_QUERY_ERROR.test(message) ? message : undefined;
}
