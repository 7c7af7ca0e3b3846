/**
 * Unit cases of the memory and file backends' search pieces that the parity test
 * (search_parity_test.ts) cannot reach with real text: token positions past what a default-sized
 * document holds, and highlights of overlapping (trigram) tokens.
 *
 * @module
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { highlight, highlighting } from "../src/search/highlight.ts";
import type { MatchNode } from "../src/search/match_node.ts";
import { SearchIndex } from "../src/search/search_index.ts";
import { tokenize, type TokenizerName } from "../src/search/tokenize.ts";
import { seededRandom } from "./helpers.ts";

/** A tokenizer that reads `term@position` pairs, so that positions can be large in short texts. */
function positioned(text: string) {
  return text.split(" ").map((pair) => {
    const [term, position] = pair.split("@");
    return { term, position: Number(position) };
  });
}

function phrase(tokens: string[], columns?: number[]): MatchNode {
  return { kind: "phrase", text: tokens.join(" "), tokens, prefix: false, columns };
}

describe("SearchIndex", () => {
  test("positions past 2^21 stay in their column", () => {
    const index = new SearchIndex(2, positioned);
    // "x" last in column 0 and "y" first in column 1 are no phrase, however far "x" is.
    index.add("apart", [`x@${2 ** 21 - 1}`, "y@0"]);
    index.add("together", [`x@${2 ** 21} y@${2 ** 21 + 1}`, null]);
    index.add("late", [`q@${2 ** 21 + 3}`, "z@0"]);
    assert.deepEqual(index.search(phrase(["x", "y"]), [1, 1]).map((m) => m.id), ["together"]);
    const late = index.search(phrase(["q"], [0]), [2, 1]);
    assert.deepEqual(late.map((m) => m.id), ["late"]);
    assert.ok(Number.isFinite(late[0].rank) && late[0].rank < 0);
    assert.deepEqual(index.search(phrase(["q"], [1]), [2, 1]), []);
  });
});

describe("SearchIndex.with", () => {
  test("a view with changes ranks exactly as an index built with them", () => {
    const random = seededRandom(5);
    const words = ["war", "peace", "union", "state", "nation", "law", "people", "free"];
    const text = () =>
      Array.from({ length: 1 + Math.floor(random() * 12) }, () => words[Math.floor(random() * 8)])
        .join(" ");
    const tokenize = (text: string) =>
      text.split(" ").filter(Boolean).map((term, position) => ({ term, position }));
    const documents = new Map<string, (string | null)[]>();
    for (let i = 0; i < 60; i++) documents.set(`d${i}`, [text(), random() < 0.2 ? null : text()]);
    const committed = new SearchIndex(2, tokenize);
    for (const [id, texts] of documents) committed.add(id, texts);

    const changes: [string, (string | null)[] | null][] = [
      ["d1", null],
      ["d2", [text(), text()]],
      ["new", ["war peace war", null]],
      ["d2", null], // deleted after its change
      ["d3", ["union", "union union"]],
      ["gone", null], // never there
      ["new", ["peace", "war"]], // changed again
    ];
    const expected = new SearchIndex(2, tokenize);
    const after = new Map(documents);
    for (const [id, texts] of changes) {
      if (texts === null) after.delete(id);
      else after.set(id, texts);
    }
    for (const [id, texts] of after) expected.add(id, texts);

    const view = committed.with(changes);
    assert.equal(view.size, expected.size);
    const queries: MatchNode[] = [
      phrase(["war"]),
      phrase(["war", "peace"]),
      { kind: "or", nodes: [phrase(["union"]), phrase(["peace"], [1])] },
      { kind: "not", positive: phrase(["war"]), negative: phrase(["law"]) },
      { kind: "phrase", text: "pe", tokens: ["pe"], prefix: true },
    ];
    const sorted = (matches: { id: string; rank: number }[]) =>
      matches.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    for (const query of queries) {
      const label = JSON.stringify(query);
      assert.deepEqual(
        sorted(view.search(query, [2, 0.5])),
        sorted(expected.search(query, [2, 0.5])),
        label,
      );
    }
    // The committed index is as it was.
    const fresh = new SearchIndex(2, tokenize);
    for (const [id, texts] of documents) fresh.add(id, texts);
    for (const query of queries) {
      assert.deepEqual(
        sorted(committed.search(query, [1, 1])),
        sorted(fresh.search(query, [1, 1])),
      );
    }
  });
});

describe("highlight", () => {
  const marks = highlighting({ open: "[", close: "]" });
  const snippet = (text: string, tokenizer: TokenizerName, query: MatchNode) =>
    highlight(text, tokenize(text, { tokenizer }), query, 0, marks);
  const trigrams = (text: string) => tokenize(text, { tokenizer: "trigram" }).map((t) => t.term);

  test("overlapping trigram matches get one pair of markers and no repeated text", () => {
    const query: MatchNode = {
      kind: "and",
      nodes: [phrase(trigrams("bcd")), phrase(trigrams("cde"))],
    };
    assert.equal(snippet("abcdef", "trigram", query), "a[bcde]f");
    assert.equal(snippet("abcdef", "trigram", phrase(trigrams("bcdef"))), "a[bcdef]");
    // Touching matches are joined too.
    const touching: MatchNode = {
      kind: "or",
      nodes: [phrase(trigrams("abc")), phrase(trigrams("def"))],
    };
    assert.equal(snippet("abcdefg", "trigram", touching), "[abcdef]g");
  });

  test("separate words keep separate markers", () => {
    const query: MatchNode = { kind: "and", nodes: [phrase(["war"]), phrase(["peace"])] };
    assert.equal(snippet("War and peace", "unicode61", query), "[War] and [peace]");
  });
});
