/**
 * The declarations a strict consumer compiles: build dist/ as `npm run build` does
 * (`tsc -p tsconfig.build.json`, into a temporary directory instead of the repository's dist/,
 * so that this test and `npm pack` never race), then type-check a small consumer project against
 * it with the strictest settings users turn on: `strict`, `noUncheckedIndexedAccess`,
 * `exactOptionalPropertyTypes` and `skipLibCheck: false` (so every .d.ts quire ships, and those
 * of its dependencies that they name, must compile).
 *
 * The consumer imports `quire` and `quire/http` through the package's `exports` (`types`), uses
 * the common calls and the paging loop of the README (an `after` that may be undefined), and
 * holds two lines that must NOT compile (`@ts-expect-error`), so that a declaration that has
 * decayed to `any` fails the test too.
 *
 * tsc is slow on a small machine (two runs of 10-30 s): it runs once per suite, on Bun (the
 * other runtimes skip it with the reason printed).
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const NODE = join(ROOT, "node_modules", ".bin", "node");
const SKIP = "Bun" in globalThis ? false : "the declaration test runs once per suite, on Bun";
const STEP_TIMEOUT_MS = 180_000;

/** Runs tsc with Node; returns its exit code and output. */
function tsc(args: string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync(NODE, [TSC, ...args], {
    cwd,
    encoding: "utf8",
    timeout: STEP_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error) assert.fail(`tsc ${args.join(" ")}: ${r.error.message}`);
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

const CONSUMER = `
import { open, QuireError, type Entry, type FindOptions, type SearchHit } from "quire";
import { createApp } from "quire/http";

interface Note {
  title: string;
  year?: number;
}

await using store = await open("sqlite::memory:");
const notes = store.collection<Note>("notes", { search: { fields: { title: 2 } } });
await notes.put("n1", { title: "Hello", year: 2001 });
const doc: Note | undefined = await notes.get("n1");

// The README's paging loop: \`after\` is undefined on the first page.
let after: string | undefined;
const all: Entry<Note>[] = [];
do {
  const options: FindOptions = { sort: "-year", limit: 100, after };
  const page = await notes.find({ year: { $gte: 2000 } }, options);
  all.push(...page.items);
  after = page.next;
} while (after !== undefined);

const hits: SearchHit<Note>[] = (await notes.search("hello", { highlight: true })).hits;
const first: string | undefined = hits[0]?.doc.title;

try {
  await notes.put("n1", { title: "Again" }, { ifRev: 0 });
} catch (error) {
  if (error instanceof QuireError && error.code === "CONFLICT") console.log("conflict");
}

const app = createApp(store);
const response: Response = await app.request("/healthz");

// @ts-expect-error a Note has no such field
notes.put("n2", { title: "x", nope: true });
// @ts-expect-error get() resolves to a Note or undefined, not a number
const wrong: number = await notes.get("n1");

console.log(doc, all.length, first, response.status, wrong);
`;

describe("declarations", { skip: SKIP }, () => {
  const dir = SKIP ? "" : mkdtempSync(join(tmpdir(), "quire-types-"));
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a strict consumer (skipLibCheck: false) compiles against dist/'s .d.ts", {
    timeout: 2 * STEP_TIMEOUT_MS,
  }, () => {
    // The package as npm installs it: package.json, dist/, and the repository's node_modules
    // for the dependencies the declarations name (hono, zod, @types/node).
    const pkg = join(dir, "pkg");
    mkdirSync(pkg);
    const build = tsc(
      ["-p", join(ROOT, "tsconfig.build.json"), "--outDir", join(pkg, "dist")],
      ROOT,
    );
    assert.equal(build.status, 0, `tsc -p tsconfig.build.json failed:\n${build.output}`);
    copyFileSync(join(ROOT, "package.json"), join(pkg, "package.json"));
    symlinkSync(join(ROOT, "node_modules"), join(pkg, "node_modules"), "dir");

    const app = join(dir, "app");
    mkdirSync(join(app, "node_modules"), { recursive: true });
    symlinkSync(pkg, join(app, "node_modules", "quire"), "dir");
    symlinkSync(join(ROOT, "node_modules", "@types"), join(app, "node_modules", "@types"), "dir");
    writeFileSync(join(app, "package.json"), JSON.stringify({ type: "module", private: true }));
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2024",
          lib: ["es2024", "esnext.disposable", "dom"],
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          types: ["node"],
          noEmit: true,
        },
        files: ["main.ts"],
      }),
    );
    writeFileSync(join(app, "main.ts"), CONSUMER);
    const check = tsc(["-p", "tsconfig.json"], app);
    assert.equal(check.status, 0, `the consumer does not compile:\n${check.output}`);
  });
});
