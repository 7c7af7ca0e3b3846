/**
 * The one place that decides which JavaScript runtime quire runs on.
 *
 * @module
 */

/** The runtimes quire supports. */
export type RuntimeName = "bun" | "deno";

function detectRuntime(): RuntimeName | undefined {
  const global = globalThis as { Bun?: unknown; Deno?: unknown };
  if (global.Bun !== undefined) return "bun";
  if (global.Deno !== undefined) return "deno";
  return undefined;
}

/** The runtime this process runs on, detected once; `undefined` on anything else (Node). */
export const RUNTIME: RuntimeName | undefined = detectRuntime();
