/**
 * The test runner's reading of JUnit reports (scripts/lib/junit.mjs), on reports as Bun 1.4,
 * Deno 2.9 and Node 24 write them for the same test file:
 *
 * ```ts
 * describe('outer <&>"', () => {
 *   test("a", ...);
 *   describe("inner", () => { test("c", ...); test("fails", ...); });
 *   test.skip("skipped one", ...);
 *   test.todo("todo one", ...);
 * });
 * test("top ok", ...);
 * ```
 *
 * plus, for Node, a second file that throws while loading.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  allTestcases,
  countDenoTestcases,
  countTestcases,
  decodeEntities,
  fileFailures,
  nodeTotals,
  parseXml,
} from "../scripts/lib/junit.mjs";

const BUN = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="bun test" tests="6" assertions="0" failures="1" skipped="2" time="0.03">
  <testsuite name="a_test.ts" file="a_test.ts" tests="6" failures="1" skipped="2" hostname="vm">
    <testsuite name="outer &lt;&amp;&gt;&quot;" file="a_test.ts" line="3" tests="5">
      <testcase name="a" classname="outer &lt;&amp;&gt;&quot;" time="0.001" file="a_test.ts" />
      <testsuite name="inner" file="a_test.ts" line="5" tests="2" failures="1">
        <testcase name="c" classname="inner &gt; outer" time="0.000043" file="a_test.ts" />
        <testcase name="fails" classname="inner &gt; outer" time="0.001" file="a_test.ts">
          <failure type="AssertionError" message="Expected values&#10;&#10;1 !== 2">AssertionError: Expected&#10;      at a_test.ts:7:34&#10;</failure>
        </testcase>
      </testsuite>
      <testcase name="skipped one" classname="outer" time="0" file="a_test.ts" line="9">
        <skipped />
      </testcase>
      <testcase name="todo one" classname="outer" time="0" file="a_test.ts" line="11">
        <skipped message="TODO" />
      </testcase>
    </testsuite>
    <testcase name="top ok" classname="" time="0.000044" file="a_test.ts" line="13" />
  </testsuite>
</testsuites>
`;

const DENO = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="deno test" tests="9" failures="2" errors="0" time="0.126">
    <testsuite name="./a_test.ts" tests="2" disabled="0" errors="0" failures="1">
        <testcase name="outer &lt;&amp;&gt;&quot;" classname="./a_test.ts" time="0.006" line="3" col="1">
            <failure message="1 test step failed">1 test step failed.</failure>
        </testcase>
        <testcase name="top ok" classname="./a_test.ts" time="0.000" line="13" col="1">
        </testcase>
    </testsuite>
    <testsuite name="ext:deno_node/testing.ts" tests="6" disabled="2" errors="0" failures="2">
        <testcase name="outer &lt;&amp;&gt;&quot; &gt; a" classname="ext:deno_node/testing.ts" time="0.000" line="1" col="23191">
        </testcase>
        <testcase name="outer &lt;&amp;&gt;&quot; &gt; inner" classname="ext:deno_node/testing.ts" time="0.003" line="1" col="21231">
            <failure message="1 test step failed">1 test step failed.</failure>
        </testcase>
        <testcase name="outer &lt;&amp;&gt;&quot; &gt; inner &gt; c" classname="ext:deno_node/testing.ts" time="0.000" line="1" col="21231">
        </testcase>
        <testcase name="outer &lt;&amp;&gt;&quot; &gt; inner &gt; fails" classname="ext:deno_node/testing.ts" time="0.002" line="1" col="21231">
            <failure message="Uncaught AssertionError: Expected values to be strictly equal:

1 !== 2
">AssertionError: Expected values to be strictly equal:

    test(&quot;fails&quot;, () =&gt; { assert.equal(1, 2); });
    at NodeTestContext.&lt;anonymous&gt; (file:///tmp/jt/a_test.ts:7:34)</failure>
        </testcase>
        <testcase name="outer &lt;&amp;&gt;&quot; &gt; skipped one" classname="ext:deno_node/testing.ts" time="0.000" line="1" col="21231">
            <skipped/>
        </testcase>
        <testcase name="outer &lt;&amp;&gt;&quot; &gt; todo one" classname="ext:deno_node/testing.ts" time="0.000" line="1" col="21231">
            <skipped/>
        </testcase>
    </testsuite>
    <testsuite name="./b_test.ts" tests="1" disabled="0" errors="0" failures="0">
        <testcase name="b ok" classname="./b_test.ts" time="0.001" line="2" col="1">
        </testcase>
    </testsuite>
</testsuites>
`;

const NODE = `<?xml version="1.0" encoding="utf-8"?>
<testsuites>
	<testsuite name="outer &lt;&amp;>&amp;quot;" time="0.007633" disabled="0" errors="0" tests="4" failures="1" skipped="2" hostname="vm">
		<testcase name="a" time="0.003053" classname="outer" file="/tmp/jt/a_test.ts"/>
		<testsuite name="inner" time="0.002032" disabled="0" errors="0" tests="2" failures="1" skipped="0" hostname="vm">
			<testcase name="c" time="0.000267" classname="outer.inner" file="/tmp/jt/a_test.ts"/>
			<testcase name="fails" time="0.001160" classname="outer.inner" file="/tmp/jt/a_test.ts" failure="Expected values to be strictly equal:&#10;&#10;1 !== 2&#10;">
				<failure type="testCodeFailure" message="Expected values to be strictly equal:&#10;&#10;1 !== 2">
Error [ERR_TEST_FAILURE]: Expected values to be strictly equal:
  cause: AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:
      at TestContext.&lt;anonymous> (file:///tmp/jt/a_test.ts:7:34)
				</failure>
			</testcase>
		</testsuite>
		<testcase name="skipped one" time="0.000167" classname="outer" file="/tmp/jt/a_test.ts">
			<skipped type="skipped" message="true"/>
		</testcase>
		<testcase name="todo one" time="0.000286" classname="outer" file="/tmp/jt/a_test.ts">
			<skipped type="todo" message="true"/>
		</testcase>
	</testsuite>
	<testcase name="top ok" time="0.000643" classname="test" file="/tmp/jt/a_test.ts"/>
	<testcase name="b_test.ts" time="0.219176" classname="test" file="/tmp/jt/b_test.ts" failure="test failed">
		<failure type="testCodeFailure" message="test failed">
[Error: test failed] { code: 'ERR_TEST_FAILURE', failureType: 'testCodeFailure', cause: 'test failed', exitCode: 7, signal: null }
		</failure>
	</testcase>
	<!-- Error: Test "d ok" at d_test.ts:3:1 generated asynchronous activity after the test ended. -->
	<!-- tests 8 -->
	<!-- suites 2 -->
	<!-- pass 4 -->
	<!-- fail 2 -->
	<!-- cancelled 0 -->
	<!-- skipped 1 -->
	<!-- todo 1 -->
	<!-- duration_ms 969.998726 -->
</testsuites>
`;

describe("junit reports", () => {
  test("Bun: every testcase is a case, named by file and describe path", () => {
    const root = parseXml(BUN);
    const n = countTestcases(root);
    assert.deepEqual(
      { passed: n.passed, failed: n.failed, skipped: n.skipped },
      { passed: 3, failed: 1, skipped: 2 },
    );
    assert.deepEqual(n.failedNames, ['a_test.ts: outer <&>" > inner > fails']);
    assert.deepEqual(allTestcases(root), { passed: 3, failed: 1, skipped: 2 });
  });

  test("Deno: tests and steps with steps are not cases; a step is named with its file", () => {
    const root = parseXml(DENO);
    const n = countDenoTestcases(root);
    assert.deepEqual(
      { passed: n.passed, failed: n.failed, skipped: n.skipped },
      { passed: 4, failed: 1, skipped: 2 },
    );
    assert.deepEqual(n.failedNames, ['./a_test.ts: outer <&>" > inner > fails']);
    // Deno's own totals count the parents too: 9 tests and steps, 3 of them failed.
    assert.deepEqual(allTestcases(root), { passed: 4, failed: 3, skipped: 2 });
  });

  test("Deno: steps spread over several suites, in any order, are counted by name", () => {
    // As Deno 2.9 writes some reports: a few steps in another suite of its own modules.
    const root = parseXml(DENO);
    const steps = root.children[1]!;
    const moved = steps.children.splice(2, 2); // "inner > c" and "inner > fails"
    root.children.push({ ...steps, attrs: { name: "ext:core/01_core.js" }, children: moved });
    steps.children.reverse();
    const n = countDenoTestcases(root);
    assert.deepEqual([n.passed, n.failed, n.skipped], [4, 1, 2]);
    assert.deepEqual(n.failedNames, ['./a_test.ts: outer <&>" > inner > fails']);
    assert.deepEqual(allTestcases(root), { passed: 4, failed: 3, skipped: 2 });
  });

  test("Node: a file that fails outside its tests is one failed case; its totals are read", () => {
    const root = parseXml(NODE);
    const n = countTestcases(root);
    assert.deepEqual(
      { passed: n.passed, failed: n.failed, skipped: n.skipped },
      { passed: 3, failed: 2, skipped: 2 },
    );
    assert.deepEqual(n.failedNames, [
      "/tmp/jt/a_test.ts: outer <&>&quot; > inner > fails",
      "/tmp/jt/b_test.ts: b_test.ts",
    ]);
    assert.deepEqual(nodeTotals(root), {
      tests: 8,
      suites: 2,
      pass: 4,
      fail: 2,
      cancelled: 0,
      skipped: 1,
      todo: 1,
    });
  });

  test("Node: a suite written as <undefined> that stays open to the end is looked into", () => {
    // Node 24's reporter sometimes loses a suite's end: its tag is never set, it is closed
    // after everything else, and what follows is nested in it.
    const broken = `<testsuites>
	<undefined name="memory">
		<testsuite name="documents" tests="1"><testcase name="a" file="/r/tests/m_test.ts"/></testsuite>
	<testsuite name="other" tests="2">
		<testcase name="b" file="/r/tests/o_test.ts"/>
		<testcase name="c" file="/r/tests/o_test.ts"><failure message="no"/></testcase>
	</testsuite>
	<testcase name="tests/x_test.ts" file="/r/tests/x_test.ts"><failure message="test failed"/></testcase>
	<!-- tests 3 -->
	<!-- fail 1 -->
	</undefined>
</testsuites>`;
    const root = parseXml(broken);
    const n = countTestcases(root);
    assert.deepEqual([n.passed, n.failed, n.skipped], [2, 2, 0]);
    assert.deepEqual(n.failedNames, [
      "/r/tests/o_test.ts: other > c",
      "/r/tests/x_test.ts: tests/x_test.ts",
    ]);
    assert.deepEqual(nodeTotals(root), { tests: 3, fail: 1 });
    assert.deepEqual(allTestcases(root), { passed: 2, failed: 2, skipped: 0 });
    // The file's own failure is one Node's totals may leave out.
    assert.equal(fileFailures(root), 1);
    assert.equal(fileFailures(parseXml(NODE)), 1);
  });

  test("a report cut short or badly nested is refused, not counted", () => {
    assert.throws(() => parseXml(BUN.slice(0, BUN.length / 2)), /Cannot parse XML/);
    assert.throws(() => parseXml("<a><b></a></b>"), /<\/a> closes <b>/);
    assert.throws(() => parseXml(""), /one root element/);
    assert.throws(() => parseXml("<a><!-- never closed </a>"), /unterminated comment/);
  });

  test("attributes in either quote, CDATA, doctype and entities", () => {
    const root = parseXml(
      `<!DOCTYPE x><r a='1 "2"' b = "&#x41;&#66;&lt;&unknown;"><![CDATA[<not a="tag">]]><e/></r>`,
    );
    assert.deepEqual(root.attrs, { a: '1 "2"', b: "AB<&unknown;" });
    assert.deepEqual(root.children.map((c: { name: string }) => c.name), ["e"]);
    assert.equal(decodeEntities("&#128512;&amp;lt;"), "😀&lt;");
  });
});

test("Node: a todo case that fails is skipped, as Node counts it, not failed", () => {
  // As Node 24 writes it for `test("fails but todo", { todo: "known" }, () => { throw ... })`.
  const root = parseXml(`<?xml version="1.0" encoding="utf-8"?>
<testsuites>
	<testcase name="fails but todo" time="0.01" classname="test" file="/tmp/t.mjs" failure="x">
		<skipped type="todo" message="known"/>
		<failure type="testCodeFailure" message="x">[Error [ERR_TEST_FAILURE]: x]</failure>
	</testcase>
	<testcase name="fails" time="0.01" classname="test" file="/tmp/t.mjs" failure="y">
		<failure type="testCodeFailure" message="y">[Error [ERR_TEST_FAILURE]: y]</failure>
	</testcase>
	<testcase name="passes" time="0.000288" classname="test" file="/tmp/t.mjs"/>
	<!-- tests 3 -->
	<!-- pass 1 -->
	<!-- fail 1 -->
	<!-- todo 1 -->
</testsuites>`);
  const n = countTestcases(root);
  assert.deepEqual([n.passed, n.failed, n.skipped], [1, 1, 1]);
});
