/**
 * Shared helpers for the tests: temp directories, the runtime's name, error assertions.
 *
 * The tests run on Bun, Deno and Node (`node --test`, which runs the `.ts` files by stripping
 * their types).
 *
 * @module
 */

import assert from "node:assert/strict";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { QuireError } from "../src/errors.ts";
export { seededRandom } from "../scripts/lib/seeded_random.ts";
import { pgServerUnavailable } from "../scripts/lib/pg_server.ts";

/**
 * `"bun"`, `"deno"` or `"node"`: the runtime the tests run on. Told here without quire's own
 * detection (src/runtime.ts), so that a test can check that detection against it.
 */
export const runtime: "bun" | "deno" | "node" = "Bun" in globalThis
  ? "bun"
  : "Deno" in globalThis
  ? "deno"
  : "node";

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

/**
 * The arguments that run a script with this runtime (`process.execPath`) in a child process:
 * `run -A script ...args` on Deno, `script ...args` on Bun and on Node (which runs a `.ts`
 * script by stripping its types).
 */
export function scriptArgs(script: string, ...args: string[]): string[] {
  return runtime === "deno" ? ["run", "-A", script, ...args] : [script, ...args];
}

/**
 * The absolute path of a system tool (`runuser`, `mount`, `strace`...), or `undefined` when it is
 * not installed. Looks in the system directories first, then on PATH: root's helpers live in
 * /usr/sbin or /sbin, which are not on every PATH (a user's login shell, some CI images).
 */
export function systemTool(name: string): string | undefined {
  const dirs = [
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
    ...(process.env.PATH ?? "").split(delimiter),
  ];
  for (const dir of dirs) {
    if (dir === "") continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Why the long Postgres suites do not run on this runtime, or `undefined` when they do. They run on
 * Bun (its Bun.SQL driver) and on Deno (postgres.js); Node drives Postgres through postgres.js as
 * Deno does, and running them a third time would take `npm test` past its 15 minutes. Where no
 * throwaway server can start, the server's reason.
 */
export function pgSuiteSkip(): string | undefined {
  if (runtime === "node") {
    return "the long Postgres suites run on Bun (Bun.SQL) and Deno (postgres.js, Node's driver too)";
  }
  return pgServerUnavailable();
}
