/**
 * Install-from-artifact tests: `npm pack` the repository (which builds dist/ through the
 * `prepack` script), then install the tarball into fresh temporary projects outside the repo, as
 * users do, and run one small program on each runtime:
 *
 * - Bun: `bun add <tarball>`; Bun takes the TypeScript source (the `bun` export condition).
 * - Node (node_modules/.bin/node, Node 24): `npm install <tarball>`; Node takes dist/*.js, and
 *   the `quire` bin (dist/scripts/quire.js) runs `--version` and `count`.
 * - Deno: a `deno.json` with `"nodeModulesDir": "manual"` and the tarball installed by npm;
 *   Deno takes dist/*.js too (it does not strip types under node_modules).
 *
 * The program imports "quire" and "quire/http", opens a SQLite file in the project (its `data/`
 * directory does not exist yet), puts, finds, searches, and asks `createApp(store)` for
 * `/healthz`. The tarball's file list is checked as well: what a user needs and nothing else.
 *
 * Installing needs the npm registry for quire's own dependencies. It all runs once per suite:
 * on Bun (the other runtimes skip it with the reason printed). Temporary directories are removed.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "node_modules", ".bin");
const IS_BUN = "Bun" in globalThis;
const SKIP = IS_BUN ? false : "the install tests run once per suite, on Bun";
/** Node and Deno take dist/, which `npm pack` builds with tsconfig.build.json. */
const NO_DIST = existsSync(join(ROOT, "tsconfig.build.json"))
  ? false
  : "there is no tsconfig.build.json, so `npm pack` cannot build dist/";
/** Generous: installing fetches quire's dependencies from the registry. */
const STEP_TIMEOUT_MS = 300_000;

/**
 * The environment of every child: the repository's bun, deno and node first on PATH, and none
 * of the npm_* variables that `npm test` sets (they would point npm at this repository).
 */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(key) && key !== "INIT_CWD") env[key] = value;
  }
  env.PATH = BIN + delimiter + (process.env.PATH ?? "");
  env.NO_COLOR = "1";
  env.DENO_NO_UPDATE_CHECK = "1";
  delete env.QUIRE_URL;
  delete env.DATABASE_URL;
  return env;
}

/** Runs a command to its end; fails the test with its output when it does not exit with 0. */
function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, {
    cwd,
    env: childEnv(),
    encoding: "utf8",
    timeout: STEP_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.error) assert.fail(`${cmd} ${args.join(" ")} in ${cwd}: ${r.error.message}\n${output}`);
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} in ${cwd} exited ${r.status}:\n${output}`);
  return r.stdout;
}

/** The program each runtime runs (plain JavaScript, so that all three take it as it is). */
const PROGRAM = `
import { open, QuireError } from "quire";
import { createApp } from "quire/http";

const store = await open("sqlite://data/app.db");
const notes = store.collection("notes", { search: { fields: { title: 2, body: 1 } } });
await notes.put("n1", { title: "The quick brown fox", body: "jumps", year: 2001 });
await notes.put("n2", { title: "A lazy dog", body: "sleeps", year: 1999 });
const found = await notes.find({ year: { $gte: 2000 } });
const searched = await notes.search("fox");
const app = createApp(store);
const health = await app.request("/healthz");
console.log(JSON.stringify({
  found: found.items.map((entry) => entry.id),
  hits: searched.hits.map((hit) => hit.id),
  healthz: health.status,
  quireError: typeof QuireError,
  resolved: import.meta.resolve("quire"),
}));
await store.close();
`;

const EXPECTED = { found: ["n1"], hits: ["n1"], healthz: 200, quireError: "function" };

/** A fresh project directory with a package.json (and the program). */
function project(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `quire-install-${name}`, private: true, type: "module" }) + "\n",
  );
  writeFileSync(join(dir, "main.mjs"), PROGRAM);
  return dir;
}

/** Runs the program in `dir` and checks what it printed and the database file it made. */
function checkProgram(dir: string, cmd: string, args: string[]): { resolved: string } {
  const stdout = run(cmd, [...args, "main.mjs"], dir);
  const lines = stdout.trim().split("\n");
  const result = JSON.parse(lines[lines.length - 1] ?? "") as Record<string, unknown>;
  const { resolved, ...rest } = result;
  assert.deepEqual(rest, EXPECTED);
  assert.ok(existsSync(join(dir, "data", "app.db")), "the program made data/app.db");
  return { resolved: String(resolved) };
}

if (IS_BUN && NO_DIST) console.log(`install_test: the Node and Deno cases are skipped: ${NO_DIST}`);

function installTests(): void {
  const tmp = mkdtempSync(join(tmpdir(), "quire-install-"));
  let packed: { tarball: string; files: string[] } | undefined;

  /** Packs the repository once (the first test pays for it; its timeout is generous). */
  function pack(): { tarball: string; files: string[] } {
    if (packed) return packed;
    // Without the build's tsconfig, pack the source alone (the prepack build would fail).
    const args = ["pack", "--json", "--pack-destination", tmp];
    if (NO_DIST) args.push("--ignore-scripts");
    // The prepack build prints to stdout too: the report is the JSON array at the end.
    const stdout = run("npm", args, ROOT);
    const at = stdout.startsWith("[") ? 0 : stdout.lastIndexOf("\n[\n") + 1;
    const report = JSON.parse(stdout.slice(at)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const info = report[0];
    assert.ok(info, "npm pack --json describes the tarball");
    packed = { tarball: join(tmp, info.filename), files: info.files.map((file) => file.path) };
    return packed;
  }

  after(() => rmSync(tmp, { recursive: true, force: true }));

  test("the tarball holds what a user needs and nothing else", {
    timeout: STEP_TIMEOUT_MS,
  }, () => {
    const { files } = pack();
    for (const needed of ["package.json", "LICENSE", "README.md", "mod.ts", "http.ts"]) {
      assert.ok(files.includes(needed), `${needed} is in the tarball`);
    }
    assert.ok(files.some((file) => file.startsWith("src/")), "src/ is in the tarball");
    if (!NO_DIST) {
      for (const built of ["dist/mod.js", "dist/mod.d.ts", "dist/http.js", "dist/http.d.ts"]) {
        assert.ok(files.includes(built), `${built} is in the tarball`);
      }
      assert.ok(files.includes("dist/scripts/quire.js"), "the CLI is in the tarball");
    }
    const unwanted = files.filter((file) =>
      /^(tests|bench|examples|\.ci|\.tmp|data|docs|node_modules)\//.test(file) ||
      /^dist\/(tests|bench|examples)\//.test(file) ||
      (/^scripts\//.test(file)) ||
      /^(package-lock\.json|deno\.json|bunfig\.toml|tsconfig.*\.json|\.gitignore)$/.test(file) ||
      /\.(db|tgz)$/.test(file)
    );
    assert.deepEqual(unwanted, [], "nothing but the package itself");
  });

  test("Bun: bun add <tarball>, then import quire and quire/http", {
    timeout: STEP_TIMEOUT_MS,
  }, () => {
    const dir = project(tmp, "bun");
    run(join(BIN, "bun"), ["add", pack().tarball], dir);
    const { resolved } = checkProgram(dir, join(BIN, "bun"), []);
    assert.match(resolved, /node_modules\/quire\/mod\.ts$/, "Bun takes the TypeScript source");
  });

  test("Node: npm install <tarball>, then import quire and quire/http, and the quire bin", {
    timeout: STEP_TIMEOUT_MS,
    skip: NO_DIST && `Node runs dist/: ${NO_DIST}`,
  }, () => {
    const dir = project(tmp, "node");
    run("npm", ["install", "--no-audit", "--no-fund", pack().tarball], dir);
    const node = join(BIN, "node");
    const { resolved } = checkProgram(dir, node, []);
    assert.match(resolved, /node_modules\/quire\/dist\/mod\.js$/, "Node takes dist/");
    const quire = join(dir, "node_modules", ".bin", "quire");
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    assert.equal(run(quire, ["--version"], dir), `quire ${pkg.version}\n`);
    assert.equal(run(quire, ["count", "notes", "--db", "sqlite://data/app.db"], dir).trim(), "2");
  });

  test("Deno: nodeModulesDir manual with the tarball installed by npm", {
    timeout: STEP_TIMEOUT_MS,
    skip: NO_DIST && `Deno runs dist/ from an npm package: ${NO_DIST}`,
  }, () => {
    const dir = project(tmp, "deno");
    writeFileSync(join(dir, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }) + "\n");
    run("npm", ["install", "--no-audit", "--no-fund", pack().tarball], dir);
    const { resolved } = checkProgram(dir, join(BIN, "deno"), ["run", "-A"]);
    assert.match(resolved, /node_modules\/quire\/dist\/mod\.js$/, "Deno takes dist/");
  });
}

if (SKIP) test("install from the packed artifact", { skip: SKIP }, () => {});
else describe("install from the packed artifact", installTests);
