// Reading the JUnit XML reports of `bun test`, `deno test` and `node --test` (used by
// scripts/run_tests.mjs; pinned by tests/junit_test.ts). Plain JavaScript with no dependencies,
// because the runner runs on whatever Node started `npm test`.
//
// What each runtime writes (all three run our node:test files):
//
// - Bun: <testsuites><testsuite file><testsuite describe>...<testcase/>. Every testcase is a
//   test() callback, so every testcase is one case. A module that throws outside any test is
//   missing from the report (its summary counts it as "N error" and in "fail").
// - Deno: describe() and test() are Deno tests with steps. Top-level tests sit in a testsuite
//   per file; the steps, from every file, sit in a few more testsuites (named after Deno's own
//   modules, e.g. "ext:deno_node/testing.ts", "ext:core/01_core.js") and are named by their
//   whole path, "outer > inner > leaf". A case is a testcase without steps. An uncaught error
//   outside any test ("Uncaught error from FILE FAILED") is missing from the report.
// - Node: <testsuite> per describe(), <testcase> per test(); a file that fails outside its
//   tests (it throws while loading, it exits early) is one failed testcase named after the file.
//   Node also writes its own totals as comments: <!-- tests 12 -->, <!-- pass 5 -->, ...
//
// A case with a <failure> or <error> child failed, one with <skipped> was skipped (todo too),
// any other passed. A todo case that fails (Node runs todo cases and writes both children,
// <skipped type="todo"> and <failure>) is skipped, as Node counts it: its failure is expected.

/** @typedef {{ name: string, attrs: Record<string, string>, children: XmlElement[], comments: string[] }} XmlElement */

const ENTITIES = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Decodes the five named entities and numeric character references; others stay as written. */
export function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref] ?? whole;
  });
}

/**
 * Parses an XML document into its root element. Enough XML for test reports: elements,
 * attributes (either quote), text, comments (kept on their parent), CDATA, a declaration and a
 * doctype. Text content is not kept (the counts never need it). Throws on a document that is
 * cut short or whose tags do not nest, so that a half-written report is never counted.
 *
 * @param {string} text
 * @returns {XmlElement}
 */
export function parseXml(text) {
  /** @type {XmlElement} */
  const document = { name: "#document", attrs: {}, children: [], comments: [] };
  const stack = [document];
  let at = 0;
  const fail = (why) => {
    const line = text.slice(0, at).split("\n").length;
    throw new Error(`Cannot parse XML: ${why} at line ${line}`);
  };
  const skipPast = (end, what) => {
    const found = text.indexOf(end, at);
    if (found < 0) fail(`unterminated ${what}`);
    const inner = text.slice(at, found);
    at = found + end.length;
    return inner;
  };
  while (at < text.length) {
    const lt = text.indexOf("<", at);
    if (lt < 0) break; // trailing text
    at = lt;
    if (text.startsWith("<!--", at)) {
      at += 4;
      stack.at(-1).comments.push(skipPast("-->", "comment"));
    } else if (text.startsWith("<![CDATA[", at)) {
      at += 9;
      skipPast("]]>", "CDATA section");
    } else if (text.startsWith("<?", at)) {
      skipPast("?>", "declaration");
    } else if (text.startsWith("<!", at)) {
      skipPast(">", "doctype");
    } else if (text.startsWith("</", at)) {
      const close = /^<\/([^\s>]+)\s*>/.exec(text.slice(at, at + 300));
      if (!close) fail("malformed closing tag");
      const open = stack.pop();
      if (stack.length === 0 || open.name !== close[1]) {
        fail(`</${close[1]}> closes <${open.name}>`);
      }
      at += close[0].length;
    } else {
      const tag = /<([A-Za-z_:][-\w.:]*)/y;
      tag.lastIndex = at;
      const name = tag.exec(text);
      if (!name) fail("malformed tag");
      at = tag.lastIndex;
      /** @type {XmlElement} */
      const element = { name: name[1], attrs: {}, children: [], comments: [] };
      const attr = /\s*([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
      for (;;) {
        attr.lastIndex = at;
        const m = attr.exec(text);
        if (!m) break;
        element.attrs[m[1]] = decodeEntities(m[2] ?? m[3]);
        at = attr.lastIndex;
      }
      const end = /\s*(\/?)>/y;
      end.lastIndex = at;
      const closed = end.exec(text);
      if (!closed) fail(`malformed attributes in <${element.name}>`);
      at = end.lastIndex;
      stack.at(-1).children.push(element);
      if (closed[1] !== "/") stack.push(element);
    }
  }
  if (stack.length !== 1) fail(`<${stack.at(-1).name}> is not closed`);
  const root = document.children[0];
  if (!root || document.children.length !== 1) fail("expected one root element");
  return root;
}

/**
 * @typedef {object} Counts
 * @property {number} passed
 * @property {number} failed
 * @property {number} skipped
 * @property {string[]} failedNames  who failed: "file: outer > inner > leaf"
 * @property {string[]} notes        anything the reader should know about the counts
 */

/** @param {XmlElement} element */
function statusOf(element) {
  if (element.children.some((c) => c.name === "skipped" && c.attrs.type === "todo")) {
    return "skipped";
  }
  if (element.children.some((c) => c.name === "failure" || c.name === "error")) return "failed";
  if (element.children.some((c) => c.name === "skipped")) return "skipped";
  return "passed";
}

/** @param {Counts} n @param {string} status @param {string} name */
function tally(n, status, name) {
  n[status]++;
  if (status === "failed") n.failedNames.push(name);
}

function emptyCounts() {
  return { passed: 0, failed: 0, skipped: 0, failedNames: [], notes: [] };
}

/**
 * Counts the cases in a Bun or Node report: every testcase is one. Names are the file and the
 * path of describe() blocks.
 *
 * @param {XmlElement} root
 * @returns {Counts}
 */
export function countTestcases(root) {
  const n = emptyCounts();
  const walk = (element, path, file) => {
    for (const child of element.children) {
      if (child.name === "testcase") {
        const where = child.attrs.file ?? file;
        const name = [...path, child.attrs.name ?? ""].join(" > ");
        tally(n, statusOf(child), where ? `${where}: ${name}` : name);
      } else if (child.name === "testsuite") {
        // Bun's outer testsuite per file has a file attribute and the file as its name.
        const isFile = child.attrs.file !== undefined && child.attrs.name === child.attrs.file &&
          path.length === 0;
        walk(child, isFile ? path : [...path, child.attrs.name ?? ""], child.attrs.file ?? file);
      } else if (!NOT_CONTAINERS.has(child.name)) {
        // Node 24 sometimes writes a suite as <undefined name="..."> that stays open to the end
        // of the report, so that what follows is nested in it: look inside anything, but take
        // only testsuites into the names.
        walk(child, path, file);
      }
    }
  };
  walk(root, [], undefined);
  return n;
}

/**
 * Counts the cases in a Deno report: testcases without steps (see the top of this file).
 *
 * @param {XmlElement} root
 * @returns {Counts}
 */
export function countDenoTestcases(root) {
  const n = emptyCounts();
  const nameOf = (testcase) => testcase.attrs.name ?? "";
  const all = root.children.filter((c) => c.name === "testsuite").flatMap((suite) =>
    suite.children.filter((c) => c.name === "testcase").map((testcase) => ({
      testcase,
      name: nameOf(testcase),
      // Where Deno found the test: the file for a top-level test, one of its own modules
      // ("ext:deno_node/testing.ts", "ext:core/01_core.js", ...) for a step.
      suite: suite.attrs.name ?? "",
    }))
  );
  // A testcase has steps when another one's name starts with its name and " > ". (By name, as
  // the order of the steps in the report is not that of their tests: Deno spreads them over
  // several suites. So a test without steps that has the same whole name as a test with steps
  // in another file would not be counted; nothing in our suite is named like that.)
  const names = new Set(all.map(({ name }) => name));
  const parents = new Set();
  for (const { name } of all) {
    for (let at = name.indexOf(" > "); at >= 0; at = name.indexOf(" > ", at + 1)) {
      const prefix = name.slice(0, at);
      if (names.has(prefix)) parents.add(prefix);
    }
  }
  // The file of a step: that of the top-level test whose name is the longest prefix of its name.
  const files = new Map();
  for (const { name, suite } of all) {
    if (!suite.startsWith("ext:") && !files.has(name)) files.set(name, suite);
  }
  const fileOf = (name, suite) => {
    if (!suite.startsWith("ext:")) return suite;
    for (let at = name.lastIndexOf(" > "); at >= 0; at = name.lastIndexOf(" > ", at - 1)) {
      const file = files.get(name.slice(0, at));
      if (file !== undefined) return file;
      if (at === 0) break;
    }
    return "?";
  };
  for (const { testcase, name, suite } of all) {
    if (!parents.has(name)) tally(n, statusOf(testcase), `${fileOf(name, suite)}: ${name}`);
  }
  return n;
}

/** How many testcases of a report, leaves or not, passed, failed and were skipped. */
export function allTestcases(root) {
  const n = { passed: 0, failed: 0, skipped: 0 };
  const walk = (element) => {
    for (const child of element.children) {
      if (child.name === "testcase") n[statusOf(child)]++;
      else if (!NOT_CONTAINERS.has(child.name)) walk(child);
    }
  };
  walk(root);
  return n;
}

/**
 * How many failed testcases of a Node report stand for a whole file that failed outside its
 * tests (named after the file). Node's own totals count some of them and not others (one that
 * fails to link, say).
 */
export function fileFailures(root) {
  let count = 0;
  const walk = (element) => {
    for (const child of element.children) {
      if (child.name === "testcase") {
        const { name = "", file = "" } = child.attrs;
        const named = name !== "" && (file === name || file.endsWith(`/${name}`));
        if (named && statusOf(child) === "failed") count++;
      } else if (!NOT_CONTAINERS.has(child.name)) walk(child);
    }
  };
  walk(root);
  return count;
}

/** Elements that never hold testcases. */
const NOT_CONTAINERS = new Set([
  "failure",
  "error",
  "skipped",
  "properties",
  "system-out",
  "system-err",
]);

/**
 * Node's own totals from the comments at the end of its report: { tests, pass, fail, ... }.
 * Looked for anywhere in the report: they belong to the root, but see `<undefined>` above.
 */
export function nodeTotals(root) {
  /** @type {Record<string, number>} */
  const totals = {};
  const walk = (element) => {
    for (const comment of element.comments) {
      const m = /^\s*(tests|suites|pass|fail|cancelled|skipped|todo) (\d+)\s*$/.exec(comment);
      if (m) totals[m[1]] = Number(m[2]);
    }
    for (const child of element.children) walk(child);
  };
  walk(root);
  return totals;
}
