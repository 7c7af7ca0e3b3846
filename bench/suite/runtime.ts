/**
 * This runtime: its name, version and SQLite, how to collect garbage, and how to start a child
 * process of the same runtime on a script.
 *
 * @module
 */

import process from "node:process";
import type { RuntimeName } from "./types.ts";

export function runtimeName(): RuntimeName {
  const global = globalThis as { Bun?: unknown; Deno?: unknown };
  return global.Bun !== undefined ? "bun" : global.Deno !== undefined ? "deno" : "node";
}

export function runtimeVersion(): string {
  const global = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  return global.Bun?.version ?? global.Deno?.version.deno ?? process.versions.node;
}

/** Collects garbage where the runtime lets a script (Bun always; Deno and Node with --expose-gc). */
export function collectGarbage(): void {
  const global = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  if (global.Bun !== undefined) global.Bun.gc(true);
  else global.gc?.();
}

/** The command line that runs `script` with `args` on this runtime (garbage collection exposed). */
export function childCommand(script: string, args: readonly string[]): [string, string[]] {
  switch (runtimeName()) {
    case "bun":
      return [process.execPath, [script, ...args]];
    case "deno":
      return [process.execPath, ["run", "-A", "--v8-flags=--expose-gc", script, ...args]];
    case "node":
      return [process.execPath, ["--expose-gc", script, ...args]];
  }
}
