/**
 * The search box language (src/search/query_syntax.ts), its compiler to the backends' tree
 * (src/search/to_match_node.ts) and the tree's FTS5 writer
 * (src/backends/sqlite/fts5_expression.ts): one table of cases, each a query, the FTS5
 * expression it must compile to and the documents that expression must find in a real FTS5
 * table; the parser's AST for the shapes another evaluator relies on; the limits; raw FTS5
 * errors; and a seeded fuzz of random queries that must all compile to valid FTS5.
 */

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { QuireError } from "../src/errors.ts";
import { ftsErrorToQuireError, toFts5Expression } from "../src/backends/sqlite/fts5_expression.ts";
import { phrasesOf } from "../src/search/match_node.ts";
import {
  and,
  not,
  or,
  parseSearchQuery,
  phrase,
  SEARCH_LIMITS,
  type SearchNode,
  term,
} from "../src/search/query_syntax.ts";
import { toMatchNode } from "../src/search/to_match_node.ts";
import { openDriver } from "../src/sqlite/driver.ts";
import { seededRandom, throwsWith } from "./helpers.ts";

/** A stand-in for unicode61 with diacritics removed, close enough for these ASCII/Latin cases. */
function termsOf(text: string): string[] {
  return text.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "").split(
    /[^\p{L}\p{N}\p{Co}]+/u,
  ).filter(Boolean);
}

const FIELDS = ["title", "body", "author.name"];
const COLUMNS = ["c0", "c1", "c2"];

/** The documents, by name; the name's position + 1 is its rowid. */
const DOCUMENTS: readonly { name: string; title: string; body: string; author: string }[] = [
  { name: "agents", title: "Multi-agent systems", body: "Agents that talk", author: "Ann Lee" },
  { name: "cpp", title: "C++ is fun", body: "templates and more", author: "Bjarne" },
  { name: "mail", title: "Contact", body: "write to a@b.com about SKU-1234", author: "Bob" },
  { name: "cafe", title: "Café crème", body: "don't stop believing", author: "Zoë" },
  { name: "plain", title: "Plain text", body: "multi agents are fun; not spam", author: "Ann" },
  { name: "spam", title: "Buy now", body: "spam spam http://x.example at 12:30", author: "S" },
  { name: "pets", title: "Cats and dogs", body: "dog food or cat food", author: "Lee" },
];

const db = await openDriver(":memory:");
db.exec(
  "CREATE VIRTUAL TABLE docs USING fts5(c0, c1, c2, tokenize='unicode61 remove_diacritics 2')",
);
for (const [i, doc] of DOCUMENTS.entries()) {
  db.prepare("INSERT INTO docs (rowid, c0, c1, c2) VALUES (?, ?, ?, ?)").run(
    i + 1,
    doc.title,
    doc.body,
    doc.author,
  );
}
after(() => db.close());

const select = db.prepare("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rowid");

/** The names of the documents an FTS5 expression finds. */
function run(expression: string): string[] {
  return select.values(expression).map(([rowid]) => DOCUMENTS[Number(rowid) - 1].name);
}

/**
 * Parses and compiles a query with the test's fields and tokenizer: its FTS5 expression and how
 * many words and phrases it kept, or `undefined` when it matches nothing.
 */
function compile(query: string, terms: (text: string) => string[] = termsOf) {
  const tree = toMatchNode(parseSearchQuery(query, { fields: FIELDS }), {
    termsOf: terms,
    fields: FIELDS,
  });
  return tree && { expression: toFts5Expression(tree, COLUMNS), terms: phrasesOf(tree).length };
}

/** A test name: control characters made visible, long inputs cut. */
function shorten(query: string): string {
  const visible = JSON.stringify(query);
  return visible.length > 80 ? `${visible.slice(0, 60)}… (${query.length} characters)` : visible;
}

interface Case {
  query: string;
  /** The FTS5 expression; `undefined` when the query matches nothing without running SQL. */
  expression: string | undefined;
  /** The documents it finds. */
  ids: string[];
}

const CASES: Case[] = [
  // words: all required, case and accents do not matter
  { query: "fun", expression: '"fun"', ids: ["cpp", "plain"] },
  { query: "FUN", expression: '"FUN"', ids: ["cpp", "plain"] },
  { query: "multi agents", expression: '"multi" AND "agents"', ids: ["agents", "plain"] },
  { query: "  fun \t templates\n", expression: '"fun" AND "templates"', ids: ["cpp"] },
  { query: "cafe creme", expression: '"cafe" AND "creme"', ids: ["cafe"] },
  { query: "CAFÉ", expression: '"CAFÉ"', ids: ["cafe"] },
  { query: "fun\u00a0templates\u3000", expression: '"fun" AND "templates"', ids: ["cpp"] },
  // phrases
  { query: '"multi agents"', expression: '"multi agents"', ids: ["plain"] },
  { query: '"agents are fun"', expression: '"agents are fun"', ids: ["plain"] },
  { query: '"fun templates"', expression: '"fun templates"', ids: [] },
  { query: '"c++ is"', expression: '"c++ is"', ids: ["cpp"] },
  { query: '"a (b) OR c"', expression: '"a (b) OR c"', ids: [] },
  { query: 'x"y" "don\'t stop"', expression: '"x""y""" AND "don\'t stop"', ids: [] },
  // prefixes: the last token is a prefix, also in a phrase or a punctuated word
  { query: "agen*", expression: '"agen" *', ids: ["agents", "plain"] },
  { query: "multi-ag*", expression: '"multi-ag" *', ids: ["agents", "plain"] },
  { query: '"multi agent"*', expression: '"multi agent" *', ids: ["agents", "plain"] },
  { query: "tem* fu*", expression: '"tem" * AND "fu" *', ids: ["cpp"] },
  { query: "fun**", expression: '"fun*" *', ids: ["cpp", "plain"] },
  // -word and NOT word
  { query: "fun -templates", expression: '"fun" NOT "templates"', ids: ["plain"] },
  { query: "fun NOT templates", expression: '"fun" NOT "templates"', ids: ["plain"] },
  { query: 'fun -"agents are"', expression: '"fun" NOT "agents are"', ids: ["cpp"] },
  { query: "-templates fun", expression: '"fun" NOT "templates"', ids: ["plain"] },
  {
    query: "agents -templates -spam",
    expression: '"agents" NOT ("templates" OR "spam")',
    ids: ["agents"],
  },
  {
    query: "fun -(templates more)",
    expression: '"fun" NOT ("templates" AND "more")',
    ids: [
      "plain",
    ],
  },
  {
    query: "fun -(templates zebra)",
    expression: '"fun" NOT ("templates" AND "zebra")',
    ids: [
      "cpp",
      "plain",
    ],
  },
  { query: "NOT NOT fun", expression: '"fun"', ids: ["cpp", "plain"] },
  { query: "fun -NOT", expression: '"fun" NOT "NOT"', ids: ["cpp"] },
  { query: "food -OR", expression: '"food" NOT "OR"', ids: [] },
  // what only says what not to match matches nothing
  { query: "-spam", expression: undefined, ids: [] },
  { query: "NOT spam", expression: undefined, ids: [] },
  { query: "-spam -fun", expression: undefined, ids: [] },
  { query: "-(spam fun)", expression: undefined, ids: [] },
  { query: "fun OR -spam", expression: undefined, ids: [] },
  // negation beside something positive is exact (a OR not b = not (b NOT a))
  {
    query: "fun (templates OR -spam)",
    expression: '"fun" NOT ("spam" NOT "templates")',
    ids: ["cpp"],
  },
  {
    query: "fun (-spam OR -templates)",
    expression: '"fun" NOT ("spam" AND "templates")',
    ids: [
      "cpp",
      "plain",
    ],
  },
  { query: "fun (-spam -templates)", expression: '"fun" NOT ("spam" OR "templates")', ids: [] },
  { query: "fun -(-spam)", expression: '"fun" AND "spam"', ids: ["plain"] },
  // OR, and its precedence: NOT, then AND, then OR, as in FTS5
  { query: "templates OR food", expression: '"templates" OR "food"', ids: ["cpp", "pets"] },
  {
    query: "crème OR dog food",
    expression: '"crème" OR ("dog" AND "food")',
    ids: [
      "cafe",
      "pets",
    ],
  },
  { query: "(crème OR dog) food", expression: '("crème" OR "dog") AND "food"', ids: ["pets"] },
  { query: "cats AND dogs", expression: '"cats" AND "dogs"', ids: ["pets"] },
  { query: "a OR b AND c", expression: '"a" OR ("b" AND "c")', ids: ["mail"] },
  // lower-case operators are words
  { query: "cats or dogs", expression: '"cats" AND "or" AND "dogs"', ids: ["pets"] },
  { query: "dogs and", expression: '"dogs" AND "and"', ids: ["pets"] },
  { query: "fun not", expression: '"fun" AND "not"', ids: ["plain"] },
  // configured fields
  { query: "title:fun", expression: 'c0 : "fun"', ids: ["cpp"] },
  { query: "body:fun", expression: 'c1 : "fun"', ids: ["plain"] },
  { query: "author.name:ann", expression: 'c2 : "ann"', ids: ["agents", "plain"] },
  { query: 'title:"plain text"', expression: 'c0 : "plain text"', ids: ["plain"] },
  { query: 'title:"c++"*', expression: 'c0 : "c++" *', ids: ["cpp", "mail", "cafe", "pets"] },
  { query: "title:multi-ag*", expression: 'c0 : "multi-ag" *', ids: ["agents"] },
  { query: "fun -title:fun", expression: '"fun" NOT (c0 : "fun")', ids: ["plain"] },
  {
    query: "title:fun OR body:fun",
    expression: '(c0 : "fun") OR (c1 : "fun")',
    ids: ["cpp", "plain"],
  },
  { query: 'title:"unclosed', expression: 'c0 : """unclosed"', ids: [] },
  // other prefixes are text
  { query: "http://x", expression: '"http://x"', ids: ["spam"] },
  { query: "12:30", expression: '"12:30"', ids: ["spam"] },
  { query: "re:subject", expression: '"re:subject"', ids: [] },
  { query: "Title:fun", expression: '"Title:fun"', ids: [] },
  { query: "author:ann", expression: '"author:ann"', ids: [] },
  { query: "title: fun", expression: '"title:" AND "fun"', ids: [] },
  { query: "fun title:*", expression: '"fun"', ids: ["cpp", "plain"] },
  // parentheses
  {
    query: "(templates OR food) fun",
    expression: '("templates" OR "food") AND "fun"',
    ids: [
      "cpp",
    ],
  },
  { query: "((fun))", expression: '"fun"', ids: ["cpp", "plain"] },
  {
    query: "(zebra OR (b OR (fun templates)))",
    expression: '"zebra" OR ("b" OR ("fun" AND "templates"))',
    ids: ["cpp", "mail"],
  },
  { query: "f(x)", expression: '"f" AND "x"', ids: [] },
  { query: "fun()", expression: '"fun"', ids: ["cpp", "plain"] },
  // degraded syntax: literal text, words without tokens dropped
  { query: '"unclosed phrase', expression: '"""unclosed" AND "phrase"', ids: [] },
  { query: '"crème café', expression: '"""crème" AND "café"', ids: ["cafe"] },
  { query: "(fun", expression: '"fun"', ids: ["cpp", "plain"] },
  { query: "fun)", expression: '"fun"', ids: ["cpp", "plain"] },
  { query: ")fun(", expression: '"fun"', ids: ["cpp", "plain"] },
  { query: "*", expression: undefined, ids: [] },
  { query: "fun *", expression: '"fun"', ids: ["cpp", "plain"] },
  { query: "*fun", expression: '"*fun"', ids: ["cpp", "plain"] },
  { query: "OR food", expression: '"OR" AND "food"', ids: ["pets"] },
  { query: "food OR", expression: '"food" AND "OR"', ids: ["pets"] },
  { query: "food OR OR cat", expression: '"food" OR ("OR" AND "cat")', ids: ["pets"] },
  { query: "(food OR)", expression: '"food" AND "OR"', ids: ["pets"] },
  { query: "AND food", expression: '"AND" AND "food"', ids: ["pets"] },
  { query: "fun NOT", expression: '"fun" AND "NOT"', ids: ["plain"] },
  { query: "NOT", expression: '"NOT"', ids: ["plain"] },
  { query: "fun -", expression: '"fun"', ids: ["cpp", "plain"] },
  { query: "- fun", expression: '"fun"', ids: ["cpp", "plain"] },
  { query: "--fun", expression: '"--fun"', ids: ["cpp", "plain"] },
  { query: "(fun -)", expression: '"fun"', ids: ["cpp", "plain"] },
  {
    query: "^fun {fun} fun+ +fun",
    expression: '"^fun" AND "{fun}" AND "fun+" AND "+fun"',
    ids: [
      "cpp",
      "plain",
    ],
  },
  { query: "NEAR(fun templates)", expression: '"NEAR" AND ("fun" AND "templates")', ids: [] },
  { query: "fun : templates", expression: '"fun" AND "templates"', ids: ["cpp"] },
  {
    query: "((((((((((fun))))))))))",
    expression: '"fun"',
    ids: ["cpp", "plain"],
  },
  // punctuated tokens find the documents that contain them
  { query: "multi-agent", expression: '"multi-agent"', ids: ["agents"] },
  { query: "don't", expression: '"don\'t"', ids: ["cafe"] },
  { query: "SKU-1234", expression: '"SKU-1234"', ids: ["mail"] },
  { query: "sku-1234", expression: '"sku-1234"', ids: ["mail"] },
  { query: "a@b.com", expression: '"a@b.com"', ids: ["mail"] },
  { query: "C++", expression: '"C++"', ids: ["cpp"] },
  { query: "5'10\"", expression: '"5\'10"""', ids: [] },
  // control characters separate words; nothing left matches nothing
  { query: "fun\u0000templates", expression: '"fun" AND "templates"', ids: ["cpp"] },
  { query: "fun\u0085templates\u2028", expression: '"fun" AND "templates"', ids: ["cpp"] },
  { query: "\u001bfun\u007f", expression: '"fun"', ids: ["cpp", "plain"] },
  { query: '"fun\u0000templates"', expression: '"fun templates"', ids: [] },
  { query: "fun\ud800", expression: '"fun"', ids: ["cpp", "plain"] },
  { query: "😀fun", expression: '"😀fun"', ids: ["cpp", "plain"] },
  { query: "", expression: undefined, ids: [] },
  { query: " \t\n\u2029", expression: undefined, ids: [] },
  { query: '""', expression: undefined, ids: [] },
  { query: "+++ -+++ ()", expression: undefined, ids: [] },
  { query: 'fun ""', expression: '"fun"', ids: ["cpp", "plain"] },
  { query: "fun OR +++", expression: '"fun"', ids: ["cpp", "plain"] },
  { query: "\u0000", expression: undefined, ids: [] },
];

describe("search query: text → FTS5 expression → documents", () => {
  for (const { query, expression, ids } of CASES) {
    test(shorten(query), () => {
      const compiled = compile(query);
      assert.equal(compiled?.expression, expression);
      assert.deepEqual(compiled === undefined ? [] : run(compiled.expression), ids);
    });
  }
});

describe("search query: the AST another evaluator reads", () => {
  const cases: [string, SearchNode][] = [
    ["multi-ag*", term("multi-ag", { prefix: true })],
    ['title:"a b"*', phrase("a b", { prefix: true, field: "title" })],
    ["author.name:Ann", term("Ann", { field: "author.name" })],
    ["a -b", and([term("a"), not(term("b"))])],
    ["a OR b c", or([term("a"), and([term("b"), term("c")])])],
    ["(a b) c", and([and([term("a"), term("b")]), term("c")])],
    ["NOT NOT a", term("a")],
    ["NOT -a", term("a")],
    ["-NOT a", and([not(term("NOT")), term("a")])],
    ["OR a NOT", and([term("OR"), term("a"), term("NOT")])],
    ["(a", and([term("("), term("a")])],
    ["()", and([])],
    ["", and([])],
    ['"x', term('"x')],
    ["xyz:a", term("xyz:a")],
  ];
  for (const [query, expected] of cases) {
    test(shorten(query), () => {
      assert.deepEqual(parseSearchQuery(query, { fields: ["title", "author.name"] }), expected);
    });
  }

  test("a field name is matched whole and the longest configured one wins", () => {
    const fields = ["a", "a.b"];
    assert.deepEqual(parseSearchQuery("a.b:x", { fields }), term("x", { field: "a.b" }));
    assert.deepEqual(parseSearchQuery("a:x", { fields }), term("x", { field: "a" }));
    assert.deepEqual(parseSearchQuery("ab:x", { fields }), term("ab:x"));
  });

  test("the compiler reports how many words and phrases it kept", () => {
    assert.equal(compile('fun "" +++ -templates title:"c++"')?.terms, 3);
  });
});

describe("search query: limits", () => {
  test(`a query of ${SEARCH_LIMITS.length} characters is accepted, one more is refused`, () => {
    const quoted = `"${"fun ".repeat(SEARCH_LIMITS.length / 4 - 1)}fu"`;
    assert.equal(quoted.length, SEARCH_LIMITS.length);
    assert.equal(compile(quoted)?.terms, 1);
    const error = throwsWith(() => compile(`${quoted} `), "INVALID_SEARCH");
    assert.equal(
      error.message,
      `Cannot search: the query is longer than ${SEARCH_LIMITS.length} characters (1025)`,
    );
  });

  test("control characters count towards the length", () => {
    throwsWith(() => compile("\u0000".repeat(SEARCH_LIMITS.length + 1)), "INVALID_SEARCH");
  });

  test(`${SEARCH_LIMITS.terms} words and phrases are accepted, one more is refused`, () => {
    const words = Array.from({ length: SEARCH_LIMITS.terms }, (_, i) => `w${i}`);
    assert.equal(compile(words.join(" "))?.terms, SEARCH_LIMITS.terms);
    const error = throwsWith(() => compile(`${words.join(" ")} "x y"`), "INVALID_SEARCH");
    assert.equal(
      error.message,
      `Cannot search: the query has more than ${SEARCH_LIMITS.terms} words and phrases`,
    );
    // Operators, "-" and parentheses do not count; degraded syntax does.
    const operators = `(${words.slice(0, 16).join(" OR ")}) -(${words.slice(16).join(" AND ")})`;
    assert.equal(compile(operators)?.terms, SEARCH_LIMITS.terms);
    throwsWith(() => compile("(".repeat(SEARCH_LIMITS.terms + 1)), "INVALID_SEARCH");
  });

  test("a huge query is refused before it is parsed", () => {
    // By its length, whatever it holds (no wall-clock time is asserted: load makes that flaky).
    const huge = "word ".repeat(100_000);
    assert.match(throwsWith(() => compile(huge), "INVALID_SEARCH").message, /characters/);
    throwsWith(() => compile("(".repeat(1_000_000)), "INVALID_SEARCH");
  });

  test("a query that is not a string is refused", () => {
    const error = throwsWith(() => parseSearchQuery(42 as unknown as string), "INVALID_SEARCH");
    assert.equal(error.message, "Cannot search: expected the query as a string, found number");
  });

  test("the deepest parentheses are words, and the result is still valid FTS5", () => {
    const open = "(".repeat(SEARCH_LIMITS.depth);
    const close = ")".repeat(SEARCH_LIMITS.depth);
    assert.deepEqual(
      parseSearchQuery(`${open}zebra OR fun${close}`),
      or([term("zebra"), term("fun")]),
    );
    // The innermost pair is one too many.
    const deeper = `(${open}zebra OR fun${close})`;
    assert.deepEqual(
      parseSearchQuery(deeper),
      or([and([term("("), term("zebra")]), and([term("fun"), term(")")])]),
    );
    assert.deepEqual(run(compile(deeper)!.expression), ["cpp", "plain"]);
  });
});

describe("search query: caller mistakes", () => {
  test("a field that is not a search field is refused", () => {
    const query = parseSearchQuery("title:x", { fields: ["title"] });
    throwsWith(() => toMatchNode(query, { termsOf, fields: [] }), "INVALID_OPTION");
  });

  test("a field without a column is refused", () => {
    const query = parseSearchQuery("title:x", { fields: ["title"] });
    const tree = toMatchNode(query, { termsOf, fields: ["title"] })!;
    throwsWith(() => toFts5Expression(tree, []), "INVALID_OPTION");
  });

  test("a column that is not a plain identifier is refused", () => {
    const query = parseSearchQuery("title:x", { fields: ["title"] });
    const tree = toMatchNode(query, { termsOf, fields: ["title"] })!;
    for (const column of ["c0 : x OR c1", "", "NOT", "1c", "c-0"]) {
      throwsWith(() => toFts5Expression(tree, [column]), "INVALID_OPTION");
    }
  });
});

describe("search query: raw FTS5 errors", () => {
  /** What running `expression` as a raw query throws, mapped. */
  function rawError(expression: string): unknown {
    try {
      select.values(expression);
    } catch (error) {
      return ftsErrorToQuireError(error);
    }
    assert.fail(`expected ${JSON.stringify(expression)} to fail`);
  }

  const bad: [string, string][] = [
    ["NOT fun", 'fts5: syntax error near "NOT"'],
    ["fun AND", 'fts5: syntax error near ""'],
    ["fun AND AND templates", 'fts5: syntax error near "AND"'],
    ["xyz:fun", "no such column: xyz"],
    ["-fun", "no such column: fun"],
    ["*", "unknown special query: "],
    ['"unterminated', "unterminated string"],
    ["NEAR(a b, x)", 'expected integer, got "x"'],
  ];
  for (const [expression, message] of bad) {
    test(`${JSON.stringify(expression)} is INVALID_SEARCH with FTS5's message`, () => {
      const error = rawError(expression);
      assert.ok(error instanceof QuireError);
      assert.equal(error.code, "INVALID_SEARCH");
      assert.equal(error.message, `Cannot search: invalid FTS5 query: ${message}`);
      assert.ok(error.cause instanceof QuireError && error.cause.code === "STORAGE");
    });
  }

  test("a STORAGE error without the binding's error is read from its message", () => {
    const storage = new QuireError("STORAGE", 'SQLite read failed: fts5: syntax error near "x"');
    const error = ftsErrorToQuireError(storage);
    assert.ok(error instanceof QuireError && error.code === "INVALID_SEARCH");
    assert.equal(error.message, 'Cannot search: invalid FTS5 query: fts5: syntax error near "x"');
  });

  test("FTS5's message is cut when long", () => {
    const storage = new QuireError(
      "STORAGE",
      `SQLite read failed: no such column: ${"x".repeat(500)}`,
    );
    const error = ftsErrorToQuireError(storage) as QuireError;
    assert.ok(error.message.length < 260 && error.message.endsWith("…"));
  });

  test("other errors pass through unchanged", () => {
    let missingTable: unknown;
    try {
      db.prepare("SELECT rowid FROM nowhere WHERE nowhere MATCH ?").values("x");
    } catch (error) {
      missingTable = error;
    }
    assert.ok(missingTable instanceof QuireError);
    const others = [
      missingTable,
      new QuireError("BUSY", "SQLite read failed: database is locked"),
      new QuireError("STORAGE", "SQLite read failed: disk I/O error"),
      new Error("fts5: syntax error near x"),
      "fts5: syntax error",
    ];
    for (const error of others) assert.equal(ftsErrorToQuireError(error), error);
  });
});

describe("search query: fuzz", () => {
  // deno-fmt-ignore
  const PIECES = [
    "fun", "FUN", "templates", "multi-agent", "agen", "café", "CRÈME", "don't", "sku-1234",
    "a@b.com", "c++", "C++", "http://x", "12:30", "re:subject", "x", "a", "",
    "OR", "AND", "NOT", "or", "and", "not", "NEAR", "NEAR(", "-", "--", "*", ":", "^", "{", "}",
    "+", ",", ".", "(", ")", "((", "))", '"', '""', '"fun', 'fun"', "title:", "body:",
    "author.name:", "title:(", "c0:", "c0 :", "-title:", "\\", "'", "`", "$", "%", "\u0000",
    "\u0001", "\u001f", "\u007f", "\u0085", "\u009f", "\u2028", "\u2029", "\ud800", "\udc00",
    "😀", "\ud83d\ude00", "中文", "ﬁ", "e\u0301", "\u200b", "\ufeff", "\u00a0", "\u3000",
    "\u05d0\u05d1", "Ⅻ", "١٢", "\t", "\n", " ", "  ",
  ];
  const CAP = /^Cannot search: the query (is longer than|has more than)/;

  // Seconds of work on a busy 2-core machine: past Bun's 5 s default timeout.
  test("20,000 random queries compile to valid FTS5 or hit a limit", { timeout: 120_000 }, () => {
    const random = seededRandom(20_240_601);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    let compiled = 0;
    let empty = 0;
    let capped = 0;
    for (let i = 0; i < 20_000; i++) {
      const size = random() < 0.02 ? 200 + Math.floor(random() * 400) : Math.floor(random() * 24);
      let query = "";
      for (let j = 0; j < size; j++) {
        query += pick(PIECES);
        if (random() < 0.6) query += " ";
      }
      if (random() < 0.05) {
        query += String.fromCharCode(Math.floor(random() * 0x10000));
      }
      if (random() < 0.05) {
        const depth = Math.floor(random() * 2 * SEARCH_LIMITS.depth);
        query = `${"(-".repeat(depth)}${query}${")".repeat(random() * 2 * depth)}`;
      }
      let result;
      try {
        result = compile(query);
      } catch (error) {
        assert.ok(
          error instanceof QuireError && error.code === "INVALID_SEARCH" && CAP.test(error.message),
          `query ${JSON.stringify(query)} threw ${error}`,
        );
        capped++;
        continue;
      }
      assert.ok(query.length <= SEARCH_LIMITS.length);
      if (result === undefined) {
        empty++;
        continue;
      }
      assert.ok(!/\p{Cc}/u.test(result.expression) && result.expression.isWellFormed());
      // A tokenizer that finds tokens everywhere lets strings without tokens through: FTS5 must
      // still accept the expression, so validity never rests on termsOf being exact.
      const trusted = compile(query, () => ["token"]);
      for (const { expression } of trusted === undefined ? [result] : [result, trusted]) {
        try {
          run(expression);
        } catch (error) {
          assert.fail(`query ${JSON.stringify(query)} → ${JSON.stringify(expression)}: ${error}`);
        }
      }
      compiled++;
    }
    // The generator must exercise every outcome.
    assert.ok(compiled > 10_000 && empty > 100 && capped > 100, `${compiled}/${empty}/${capped}`);
  });
});
