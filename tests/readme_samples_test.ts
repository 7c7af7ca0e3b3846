/**
 * Every TypeScript sample of README.md and docs/*.md, run as a program on the runtime running
 * this test, so that a sample can never go stale.
 *
 * Each ```ts (or ```typescript) block is written into a fresh temporary directory as a module
 * and run there in a child process, with that directory as its working directory: a sample that
 * opens `sqlite://data/app.db` writes into the temporary directory. The imports `"quire"` and
 * `"quire/http"` are rewritten to the file URLs of this repository's mod.ts and http.ts; other
 * packages (`hono/client`) resolve through a `node_modules` link to this repository's, beside a
 * small package.json. A sample passes when it exits with code 0.
 *
 * An HTML comment on the line before a block changes how it is run:
 * - `<!-- sample: continues -->`: the block goes on from the previous TypeScript block of the same
 *   page, and runs appended to it (the chain runs once, under the first block's name);
 * - `<!-- sample: skip (the reason) -->`: not run; the test is reported as skipped with the reason.
 *
 * `SHOW_SAMPLE_OUTPUT=1` prints what each sample wrote to stdout, to check the comments that show
 * results against what the code really returns.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A runnable unit: one block, or a block and the blocks that continue it. */
export interface Sample {
  /** The page, relative to the repository root (`README.md`, `docs/internals.md`). */
  file: string;
  /** The line of the opening fence of the first block (1-based). */
  line: number;
  /** The nearest heading above the first block. */
  heading: string;
  /** The code, the blocks of a chain joined by a newline. */
  code: string;
  /** Why the sample is not run, if it is not. */
  skip?: string;
}

const MARKER = /^<!--\s*sample:\s*(.*?)\s*-->$/;
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/;

/**
 * The TypeScript samples of one Markdown page, with the `continues` and `skip` markers applied.
 *
 * @param file The page's path, for names and messages.
 * @param text The page's text.
 * @returns The samples in page order.
 */
export function extractSamples(file: string, text: string): Sample[] {
  const lines = text.split(/\r?\n/);
  const samples: Sample[] = [];
  let heading = "(top of the page)";
  let lastNonBlank = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const fence = FENCE.exec(line);
    if (fence === null) {
      if (/^#{1,6}\s/.test(line)) heading = line.replace(/^#+\s*/, "").trim();
      if (line.trim() !== "") lastNonBlank = line.trim();
      continue;
    }
    const [, indent = "", marks = "", lang = ""] = fence;
    const body: string[] = [];
    const start = i;
    for (i++; i < lines.length; i++) {
      const inner = lines[i] ?? "";
      if (inner.trim().startsWith(marks) && inner.trim().replace(/[`~]/g, "") === "") break;
      body.push(inner.startsWith(indent) ? inner.slice(indent.length) : inner.trimStart());
    }
    const marker = MARKER.exec(lastNonBlank)?.[1];
    lastNonBlank = "";
    if (lang !== "ts" && lang !== "typescript") {
      if (marker !== undefined) {
        throw new Error(`${file}:${start + 1}: a sample marker before a ${lang || "plain"} block`);
      }
      continue;
    }
    const code = body.join("\n");
    if (marker === undefined) {
      samples.push({ file, line: start + 1, heading, code });
    } else if (marker === "continues") {
      const previous = samples.at(-1);
      if (previous === undefined) {
        throw new Error(`${file}:${start + 1}: "continues" but no TypeScript block comes before`);
      }
      previous.code += "\n" + code;
    } else if (/^skip \(.+\)$/.test(marker)) {
      samples.push({ file, line: start + 1, heading, code, skip: marker.slice(6, -1) });
    } else {
      throw new Error(
        `${file}:${start + 1}: unknown sample marker "${marker}" ` +
          `(expected "continues" or "skip (reason)")`,
      );
    }
  }
  return samples;
}

/** The pages whose samples are run: README.md and docs/*.md. */
function pages(): string[] {
  const docs = existsSync(join(ROOT, "docs"))
    ? readdirSync(join(ROOT, "docs")).filter((name) => name.endsWith(".md")).sort()
      .map((name) => `docs/${name}`)
    : [];
  return ["README.md", ...docs];
}

const MOD_URL = pathToFileURL(join(ROOT, "mod.ts")).href;
const HTTP_URL = pathToFileURL(join(ROOT, "http.ts")).href;

/** The sample's code with `"quire"` and `"quire/http"` pointing at this repository's files. */
export function rewriteImports(code: string): string {
  return code.replace(
    /(\bfrom\s*|\bimport\s*\(?\s*)(["'])quire(\/http)?\2/g,
    (_, lead: string, _quote: string, http: string | undefined) =>
      `${lead}"${http === undefined ? MOD_URL : HTTP_URL}"`,
  );
}

/** The command that runs a TypeScript file with the runtime running this test. */
function command(file: string): string[] {
  if ("Bun" in globalThis) return [process.execPath, file];
  if ("Deno" in globalThis) return [process.execPath, "run", "-A", file];
  // Node strips types by itself from 23.6 (and 22.18); before that it needs the flag.
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  const strip = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
  return strip ? [process.execPath, file] : [process.execPath, "--experimental-strip-types", file];
}

interface Outcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

const SAMPLE_TIMEOUT_MS = 30_000;

/** Writes `files` into a fresh temporary project (package.json, node_modules link) and runs `argv`. */
async function runInProject(
  files: Record<string, string>,
  argv: (dir: string) => string[],
): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), "quire-sample-"));
  try {
    writeFileSync(join(dir, "package.json"), '{ "type": "module", "private": true }\n');
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const env: Record<string, string | undefined> = {
      ...process.env,
      NO_COLOR: "1",
      DENO_NO_UPDATE_CHECK: "1",
    };
    for (const name of ["QUIRE_URL", "DATABASE_URL", "QUIRE_TOKEN", "PORT", "FORCE_COLOR"]) {
      delete env[name];
    }
    const [cmd = "", ...args] = argv(dir);
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => stdout += chunk);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr += chunk);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, SAMPLE_TIMEOUT_MS);
    return await new Promise<Outcome>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr, ms: performance.now() - started, timedOut });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one sample in a fresh temporary directory, which is removed afterwards. */
function runSample(sample: Sample): Promise<Outcome> {
  return runInProject(
    { "sample.ts": rewriteImports(sample.code) + "\n" },
    (dir) => command(join(dir, "sample.ts")),
  );
}

/**
 * Starts every sample at once through a pool of a few child processes (the machine may have two
 * cores), so that the whole file takes about as long as its slowest samples.
 */
function runAll(samples: Sample[]): Map<Sample, Promise<Outcome>> {
  const width = Math.max(2, Math.min(4, availableParallelism()));
  const queue = samples.filter((sample) => sample.skip === undefined);
  const results = new Map<Sample, Promise<Outcome>>();
  const starters = new Map<Sample, () => void>();
  for (const sample of queue) {
    results.set(
      sample,
      new Promise<void>((resolve) => starters.set(sample, resolve)).then(() => runSample(sample)),
    );
  }
  let next = 0;
  const startNext = (): void => {
    const sample = queue[next++];
    if (sample === undefined) return;
    starters.get(sample)?.();
    results.get(sample)?.finally(startNext).catch(() => {});
  };
  for (let i = 0; i < width; i++) startNext();
  return results;
}

function tail(text: string, lines = 40): string {
  const all = text.trimEnd().split("\n");
  return (all.length > lines ? ["…", ...all.slice(-lines)] : all).join("\n");
}

describe("the samples extractor", () => {
  test("joins a block marked continues to the one before, and keeps skips with their reason", () => {
    const page = [
      "# Title",
      "## One",
      "```ts",
      "const a = 1;",
      "```",
      "",
      "<!-- sample: continues -->",
      "",
      "```ts",
      "console.log(a);",
      "```",
      "## Two",
      "```sh",
      "echo not run",
      "```",
      "- a list item:",
      "  ```typescript",
      "  const b = 2;",
      "  ```",
      "<!-- sample: skip (needs a printer) -->",
      "```ts",
      "print();",
      "```",
    ].join("\n");
    assert.deepEqual(extractSamples("x.md", page), [
      { file: "x.md", line: 3, heading: "One", code: "const a = 1;\nconsole.log(a);" },
      { file: "x.md", line: 17, heading: "Two", code: "const b = 2;" },
      { file: "x.md", line: 21, heading: "Two", code: "print();", skip: "needs a printer" },
    ]);
  });

  test("refuses an unknown marker, and continues with nothing before", () => {
    assert.throws(
      () => extractSamples("x.md", "<!-- sample: skipp -->\n```ts\n1\n```"),
      /x\.md:2: unknown sample marker "skipp"/,
    );
    assert.throws(
      () => extractSamples("x.md", "<!-- sample: continues -->\n```ts\n1\n```"),
      /no TypeScript block comes before/,
    );
  });

  test("rewrites the quire imports, and only those", () => {
    const code = [
      'import { open } from "quire";',
      "import { createApp } from 'quire/http';",
      'import type { QuireApp } from "quire/http";',
      'import { hc } from "hono/client";',
      'const x = "quire";',
    ].join("\n");
    assert.equal(
      rewriteImports(code),
      [
        `import { open } from "${MOD_URL}";`,
        `import { createApp } from "${HTTP_URL}";`,
        `import type { QuireApp } from "${HTTP_URL}";`,
        'import { hc } from "hono/client";',
        'const x = "quire";',
      ].join("\n"),
    );
  });
});

describe("the TypeScript samples of README.md and docs/*.md", () => {
  const samples = pages().flatMap((page) =>
    extractSamples(page, readFileSync(join(ROOT, page), "utf8"))
  );
  test("there are samples to run", () => {
    assert.ok(samples.length >= 5, `only ${samples.length} samples found`);
  });
  const skipped = samples.filter((sample) => sample.skip !== undefined);
  if (skipped.length > 0) {
    console.log(
      `readme samples: ${skipped.length} skipped:\n` +
        skipped.map((s) => `  ${s.file}:${s.line} (${s.heading}): ${s.skip}`).join("\n"),
    );
  }
  const outcomes = runAll(samples);
  for (const sample of samples) {
    const name = `${sample.file}:${sample.line} ${sample.heading}`;
    if (sample.skip !== undefined) {
      test(name, { skip: sample.skip }, () => {});
      continue;
    }
    test(name, { timeout: 120_000 }, async () => {
      const outcome = await outcomes.get(sample);
      assert.ok(outcome !== undefined);
      if (process.env.SHOW_SAMPLE_OUTPUT) {
        console.log(`--- ${name}: ${Math.round(outcome.ms)} ms ---\n${outcome.stdout}`);
      }
      const how = outcome.timedOut
        ? `did not end within ${SAMPLE_TIMEOUT_MS / 1000} s`
        : `exited with ${outcome.code ?? outcome.signal}`;
      assert.equal(
        outcome.code,
        0,
        `The sample at ${sample.file}:${sample.line} ("${sample.heading}") ${how}.\n` +
          `--- stderr ---\n${tail(outcome.stderr)}\n--- stdout ---\n${tail(outcome.stdout, 10)}`,
      );
    });
  }
});
