/**
 * Shared helpers for the tests: temp directories, the runtime's name, error assertions.
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QuireError } from "../src/errors.ts";
import { RUNTIME } from "../src/runtime.ts";
export { seededRandom } from "../scripts/lib/seeded_random.ts";

/** `"bun"` or `"deno"`. */
export const runtime = RUNTIME;

/** A fresh temp directory and a function that removes it. */
export function tempDir(prefix = "quire-test-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Asserts that `promise` rejects with a QuireError of `code`; returns it. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<QuireError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof QuireError, `expected a QuireError, got ${error}`);
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  assert.fail(`expected a QuireError ${code}, but nothing was thrown`);
}

/** Asserts that `fn` throws a QuireError of `code`; returns it. */
export function throwsWith(fn: () => unknown, code: string): QuireError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof QuireError, `expected a QuireError, got ${error}`);
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  assert.fail(`expected a QuireError ${code}, but nothing was thrown`);
}

/** The arguments that run a script with this runtime in a child process. */
export function scriptArgs(script: string, ...args: string[]): string[] {
  return runtime === "deno" ? ["run", "-A", script, ...args] : [script, ...args];
}
