/**
 * quire bundled and compiled, and on Deno with narrow permissions: what a computed `import()`
 * used to break (issue 11). Each build runs once per suite run, on the runtime that makes it:
 * the Bun cases run when the tests run on Bun, the Deno cases when they run on Deno, and each
 * skips with its reason elsewhere. The programs, bundles and binaries go to a temporary
 * directory, removed afterwards.
 *
 * - `bun build --target bun` of a small program that imports mod.ts: the bundle alone writes
 *   and reads a SQLite file (and a file-backend directory);
 * - `bun build --compile` of the CLI: `--version` and `count` on a temporary database;
 * - `deno compile` of the CLI: the same (it needs Deno's `denort` runtime, which Deno downloads
 *   on first use: where it cannot, the case skips and says so; `DENORT_BIN` names a local one);
 * - Deno with only `--allow-read=<dir> --allow-write=<dir>`: a program on a database in `<dir>`
 *   (no `--allow-env`, no read permission on quire's own files).
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { open } from "../mod.ts";
import { runtime, tempDir } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TMP = tempDir("quire-compile-");
after(() => TMP.remove());

/** A build takes seconds; on a busy machine, many more. */
const TIMEOUT_MS = 300_000;

/** The environment of every child: no database URL, no colours, no update checks. */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && key !== "QUIRE_URL" && key !== "DATABASE_URL") env[key] = value;
  }
  return { ...env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
}

/** Runs a command to its end; fails the test with its output if it does not exit 0. */
function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, {
    cwd,
    env: childEnv(),
    encoding: "utf8",
    timeout: TIMEOUT_MS,
    maxBuffer: 64 * 2 ** 20,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  assert.equal(
    result.status,
    0,
    `${[command, ...args].join(" ")} exited ${result.status} (${
      result.error?.message ?? result.signal ?? "no signal"
    }):\n${output}`,
  );
  return result.stdout;
}

/** A small program that imports quire from `specifier`, writes, reads, and prints. */
function program(specifier: string): string {
  return `import process from "node:process";
import { open } from ${JSON.stringify(specifier)};
const dir = process.argv.at(-1);
const store = await open(\`sqlite://\${dir}/sub/app.db\`);
await store.collection("notes").put("n1", { text: "from a bundle" });
const files = await open(\`file://\${dir}/files\`);
await files.collection("notes").put("n1", { text: "in a file" });
console.log(JSON.stringify([
  await store.collection("notes").get("n1"),
  await files.collection("notes").get("n1"),
]));
await files.close();
await store.close();
`;
}

/** Makes `<dir>/x.db` with three notes through quire's API; returns its URL. */
async function sampleDatabase(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const url = `sqlite://${dir}/x.db`;
  await using store = await open(url);
  await store.collection("notes").putMany([["a", { n: 1 }], ["b", { n: 2 }], ["c", { n: 3 }]]);
  return url;
}

/** Checks a compiled CLI: `--version`, then `count notes` on a fresh database. */
async function checkCli(binary: string, dir: string): Promise<void> {
  assert.match(run(binary, ["--version"], dir), /^quire \d+\.\d+\.\d+/);
  const url = await sampleDatabase(join(dir, "db"));
  assert.equal(run(binary, ["count", "notes", "--db", url], dir).trim(), "3");
}

/** Prints why a case is skipped (the reporters do not all show it), and returns the reason. */
function skipping(reason: string | false, name: string): string | false {
  if (reason !== false) console.log(`compile_test: skipping "${name}": ${reason}`);
  return reason;
}

/** The skip reason of a case for another runtime. */
function onlyOn(name: "bun" | "deno"): string | false {
  return runtime === name ? false : `the ${name} cases run when the tests run on ${name}`;
}

/** Why `deno compile` cannot run here, or `false` if it can. */
function denoCompileSkip(): string | false {
  const only = onlyOn("deno");
  if (only !== false) return only;
  if (process.env.DENORT_BIN) return false;
  // deno compile builds on `denort`, which it downloads once into DENO_DIR/dl.
  const info = spawnSync(process.execPath, ["info", "--json"], {
    env: childEnv(),
    encoding: "utf8",
    timeout: TIMEOUT_MS,
  });
  const denoDir = (JSON.parse(info.stdout || "{}") as { denoDir?: string }).denoDir;
  const deno = (globalThis as unknown as {
    Deno: { version: { deno: string }; build: { target: string } };
  }).Deno;
  const cached = denoDir === undefined
    ? undefined
    : join(denoDir, "dl", "release", `v${deno.version.deno}`, `denort-${deno.build.target}.zip`);
  if (cached !== undefined && existsSync(cached)) return false;
  return "deno compile needs Deno's denort runtime, which it downloads on first use, and it is " +
    `not in ${cached ?? "the Deno cache"}: this machine cannot download it (set DENORT_BIN to ` +
    "a denort binary to run this case)";
}

/**
 * Big development packages under node_modules that `deno compile` would otherwise embed (with a
 * node_modules directory it takes the whole folder) and that the CLI never loads.
 */
const NOT_EMBEDDED = [
  ".bin", // its links would bring back the runtimes below
  "node",
  "bun",
  "bun-types",
  "deno",
  "@deno",
  "@oven",
  "cldr-annotations-full",
  "emojibase-data",
  "@stdlib",
  "typescript",
  "playwright-core",
  "nlp-corpus",
];

describe("compiled and bundled quire", () => {
  test(
    "bun build --target bun: the bundle alone writes and reads SQLite and files",
    { skip: skipping(onlyOn("bun"), "bun build --target bun"), timeout: TIMEOUT_MS },
    () => {
      const dir = join(TMP.dir, "bundle");
      mkdirSync(join(dir, "data"), { recursive: true });
      writeFileSync(join(dir, "app.ts"), program(join(ROOT, "mod.ts")));
      run(
        process.execPath,
        ["build", "--target", "bun", join(dir, "app.ts"), "--outfile", join(dir, "out", "app.js")],
        dir,
      );
      const printed = run(process.execPath, [join(dir, "out", "app.js"), join(dir, "data")], dir);
      assert.deepEqual(JSON.parse(printed), [{ text: "from a bundle" }, { text: "in a file" }]);
      assert.ok(existsSync(join(dir, "data", "sub", "app.db")));
    },
  );

  test(
    "bun build --compile of the CLI: --version and count work",
    { skip: skipping(onlyOn("bun"), "bun build --compile"), timeout: TIMEOUT_MS },
    async () => {
      const dir = join(TMP.dir, "bun-compile");
      mkdirSync(dir, { recursive: true });
      const binary = join(dir, "quire");
      run(
        process.execPath,
        ["build", "--compile", join(ROOT, "scripts", "quire.ts"), "--outfile", binary],
        ROOT,
      );
      await checkCli(binary, dir);
    },
  );

  test(
    "deno compile of the CLI: --version and count work",
    { skip: skipping(denoCompileSkip(), "deno compile"), timeout: TIMEOUT_MS },
    async () => {
      const dir = join(TMP.dir, "deno-compile");
      mkdirSync(dir, { recursive: true });
      const binary = join(dir, "quire");
      const excluded = NOT_EMBEDDED.flatMap((name) => ["--exclude", `node_modules/${name}`]);
      run(
        process.execPath,
        ["compile", "-A", "--no-check", ...excluded, "--output", binary, "scripts/quire.ts"],
        ROOT,
      );
      await checkCli(binary, dir);
    },
  );

  test(
    "deno run with only --allow-read=<dir> --allow-write=<dir> opens a database in <dir>",
    { skip: skipping(onlyOn("deno"), "deno permissions"), timeout: TIMEOUT_MS },
    () => {
      const dir = join(TMP.dir, "deno-permissions");
      const data = join(dir, "data");
      mkdirSync(data, { recursive: true });
      writeFileSync(join(dir, "app.ts"), program(pathToFileURL(join(ROOT, "mod.ts")).href));
      const printed = run(
        process.execPath,
        [
          "run",
          "--no-prompt",
          `--allow-read=${data}`,
          `--allow-write=${data}`,
          join(dir, "app.ts"),
          data,
        ],
        dir,
      );
      assert.deepEqual(JSON.parse(printed), [{ text: "from a bundle" }, { text: "in a file" }]);
      assert.ok(existsSync(join(data, "sub", "app.db")));
    },
  );
});
