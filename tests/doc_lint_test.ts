/**
 * The test runner's reading of `deno doc --lint` (scripts/lib/doc_lint.mjs): it accepts only
 * QuireApp's references to Hono's exported types, and refuses anything else it finds.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { unacceptedDocLintErrors } from "../scripts/lib/doc_lint.mjs";

/** One diagnostic as deno 2.9 prints it, colours included. */
function diagnostic(rule: string, message: string): string {
  return `\x1b[0m\x1b[1m\x1b[31merror[${rule}]\x1b[0m: \x1b[0m\x1b[1m${message}\x1b[0m
  --> /work/main/src/http/app_type.ts:6:1
   | 
 6 | export type QuireApp = import("hono/hono-base").HonoBase<
   | ^
   = hint: make the referenced type public or remove the reference

  info: to ensure documentation is complete all types that are exposed in the public API must be public

`;
}

const ref = (from: string, to: string) =>
  diagnostic("private-type-ref", `public type '${from}' references private type '${to}'`);
const found = (n: number) =>
  `\x1b[0m\x1b[1m\x1b[31merror\x1b[0m: Found \x1b[0m\x1b[1m${n}\x1b[0m documentation lint errors.\n`;

const accepted = ["Hono", "Env", "JSONValue", "StatusCode"].map((t) => ref("QuireApp", t));

test("QuireApp's four references to Hono's types are all accepted", () => {
  assert.deepEqual(unacceptedDocLintErrors(accepted.join("") + found(4)), []);
});

test("a missing doc comment is not accepted", () => {
  const output = accepted.join("") +
    diagnostic("missing-jsdoc", "exported symbol is missing JSDoc documentation") + found(5);
  assert.deepEqual(unacceptedDocLintErrors(output), [
    "missing-jsdoc: exported symbol is missing JSDoc documentation",
  ]);
});

test("another private type, or another public type naming Hono's, is not accepted", () => {
  const output = ref("QuireApp", "BlankSchema") + ref("createApp", "Store") +
    ref("AppOptions", "Hono") + found(3);
  assert.deepEqual(unacceptedDocLintErrors(output), [
    "private-type-ref: public type 'QuireApp' references private type 'BlankSchema'",
    "private-type-ref: public type 'createApp' references private type 'Store'",
    "private-type-ref: public type 'AppOptions' references private type 'Hono'",
  ]);
});

test("a count that differs from the errors read is not accepted", () => {
  assert.deepEqual(unacceptedDocLintErrors(accepted.join("") + found(6)), [
    "deno reported 6 errors, 4 were read",
  ]);
  assert.deepEqual(unacceptedDocLintErrors("error: something else went wrong\n"), [
    "deno reported no count of errors, 0 were read",
  ]);
});
