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
//   per file; every step, from every file, sits in one more testsuite (named after Deno's
//   node:test module, e.g. "ext:deno_node/testing.ts") and is named by its whole path,
//   "outer > inner > leaf". A case is a testcase without steps. An uncaught error outside any
//   test ("Uncaught error from FILE FAILED") is missing from the report.
// - Node: <testsuite> per describe(), <testcase> per test(); a file that fails outside its
//   tests (it throws while loading, it exits early) is one failed testcase named after the file.
//   Node also writes its own totals as comments: <!-- tests 12 -->, <!-- pass 5 -->, ...
//
// A case with a <failure> or <error> child failed, one with <skipped> was skipped (todo too),
// any other passed.

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
  const suites = root.children.filter((c) => c.name === "testsuite");
  const isStepSuite = (suite) => /^ext:/.test(suite.attrs.name ?? "");
  const cases = (suite) => suite.children.filter((c) => c.name === "testcase");
  const steps = suites.filter(isStepSuite).flatMap(cases);
  const tops = suites.filter((s) => !isStepSuite(s)).flatMap((suite) =>
    cases(suite).map((testcase) => ({ testcase, file: suite.attrs.name ?? "" }))
  );
  const nameOf = (testcase) => testcase.attrs.name ?? "";
  const isUnder = (step, parent) => nameOf(step).startsWith(`${parent} > `);

  // Deno lists tests and steps in the order they started, and runs files one after another, so
  // the steps of each top-level test follow one another in the step suite, in the order of the
  // tests. A step has steps exactly when the step after it is inside it.
  let next = 0;
  const stepFile = new Array(steps.length).fill("");
  let topHasSteps = tops.map(({ testcase, file }) => {
    const name = nameOf(testcase);
    const first = next;
    while (next < steps.length && isUnder(steps[next], name)) stepFile[next++] = file;
    return next > first;
  });
  let stepHasSteps = steps.map((step, i) =>
    i + 1 < steps.length && isUnder(steps[i + 1], nameOf(step))
  );
  if (next !== steps.length) {
    // Not in the order we expect (a future Deno?): fall back to names alone, which is exact
    // unless a test without steps has the same name as a test with steps elsewhere.
    n.notes.push(
      `deno's steps are not in the order of its tests (step ${next + 1} of ${steps.length}); ` +
        "counted by name alone",
    );
    const hasSteps = (name) => steps.some((step) => isUnder(step, name));
    topHasSteps = tops.map(({ testcase }) => hasSteps(nameOf(testcase)));
    stepHasSteps = steps.map((step) => hasSteps(nameOf(step)));
  }
  tops.forEach(({ testcase, file }, i) => {
    if (!topHasSteps[i]) tally(n, statusOf(testcase), `${file}: ${nameOf(testcase)}`);
  });
  steps.forEach((step, i) => {
    if (!stepHasSteps[i]) tally(n, statusOf(step), `${stepFile[i] || "?"}: ${nameOf(step)}`);
  });
  return n;
}

/** Every testcase in a report, leaves or not, and how many of them failed. */
export function allTestcases(root) {
  let total = 0;
  let failed = 0;
  const walk = (element) => {
    for (const child of element.children) {
      if (child.name === "testcase") {
        total++;
        if (statusOf(child) === "failed") failed++;
      } else if (!NOT_CONTAINERS.has(child.name)) walk(child);
    }
  };
  walk(root);
  return { total, failed };
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
