/**
 * The one place that decides which JavaScript runtime quire runs on, and whether it is new
 * enough.
 *
 * The minimum versions come from what quire uses:
 * - Node 22.16: `node:sqlite` is unflagged from 22.13 (22.5 to 22.12 need
 *   `--experimental-sqlite`), and quire reads rows as arrays with
 *   `StatementSync.setReturnArrays()`, which Node 22 has from 22.16 (and Node 24 from 24.0).
 * - Bun 1.4 and Deno 2.9: the versions quire is tested on. Older ones may work, but nothing
 *   tells which of their `bun:sqlite` / `node:sqlite` features quire's driver relies on first
 *   appeared where, so quire does not claim them.
 *
 * @module
 */

/** The runtimes quire supports. */
export type RuntimeName = "bun" | "deno" | "node";

interface RuntimeGlobals {
  Bun?: { version?: string };
  Deno?: { version?: { deno?: string } };
  process?: { versions?: { node?: string } };
}

function detectRuntime(): RuntimeName | undefined {
  const global = globalThis as RuntimeGlobals;
  // Bun and Deno also report a `process.versions.node`: ask for them first.
  if (global.Bun !== undefined) return "bun";
  if (global.Deno !== undefined) return "deno";
  if (typeof global.process?.versions?.node === "string") return "node";
  return undefined;
}

function detectVersion(runtime: RuntimeName | undefined): string | undefined {
  const global = globalThis as RuntimeGlobals;
  switch (runtime) {
    case "bun":
      return global.Bun?.version;
    case "deno":
      return global.Deno?.version?.deno;
    case "node":
      return global.process?.versions?.node;
    default:
      return undefined;
  }
}

/** The runtime this process runs on, detected once; `undefined` on anything else. */
export const RUNTIME: RuntimeName | undefined = detectRuntime();

/** The version of {@linkcode RUNTIME} (`"1.4.5"`), or `undefined` if it cannot tell. */
export const RUNTIME_VERSION: string | undefined = detectVersion(RUNTIME);

/** The oldest version of each runtime that quire runs on (see the module documentation). */
export const MINIMUM_VERSIONS: Readonly<Record<RuntimeName, string>> = Object.freeze({
  bun: "1.4.0",
  deno: "2.9.0",
  node: "22.16.0",
});

const DISPLAY_NAMES: Record<RuntimeName, string> = { bun: "Bun", deno: "Deno", node: "Node" };

/**
 * Why quire cannot run on this runtime, or `undefined` if it can. A pure function of its
 * arguments, so that every case can be tested on any runtime.
 *
 * @param runtime The runtime, as {@linkcode RUNTIME} reports it.
 * @param version Its version, as {@linkcode RUNTIME_VERSION} reports it.
 * @returns A message naming the minimum version, or `undefined`.
 */
export function runtimeProblem(
  runtime: RuntimeName | undefined,
  version: string | undefined,
): string | undefined {
  if (runtime === undefined) {
    return "quire runs on Bun, Deno or Node, and this runtime is none of them";
  }
  const name = DISPLAY_NAMES[runtime];
  const minimum = MINIMUM_VERSIONS[runtime];
  const have = version === undefined ? undefined : parseVersion(version);
  // A version that cannot be read is given the benefit of the doubt.
  if (have === undefined || compareVersions(have, parseVersion(minimum)!) >= 0) return undefined;
  let message = `quire needs ${name} ${minimum} or later, and this is ${name} ${version}`;
  if (runtime === "node") {
    message += compareVersions(have, [22, 13, 0]) < 0
      ? " (node:sqlite is unflagged from Node 22.13: 22.5 to 22.12 need --experimental-sqlite; " +
        "quire also needs StatementSync.setReturnArrays, from 22.16)"
      : " (quire needs node:sqlite's StatementSync.setReturnArrays, from 22.16)";
  }
  return message;
}

function parseVersion(version: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

function compareVersions(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}
