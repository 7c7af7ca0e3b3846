/**
 * quire's own modules import one another without cycles: a cycle makes the load order decide
 * which module sees the other half-initialised, and it ties concepts that should stand apart
 * (the Store, a collection, its search). The graph is Deno's (`deno info --json`) from both
 * entry points, with type-only imports counted too; it is read once per suite, on Deno.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runtime } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SKIP = runtime === "deno" ? false : "the module graph is read once per suite, on Deno";

interface ModuleInfo {
  specifier: string;
  dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
}

/** quire's modules (not its dependencies) and what each imports, from `entry`. */
function graphOf(entry: string): Map<string, string[]> {
  const deno = join(ROOT, "node_modules", ".bin", "deno");
  const result = spawnSync(deno, ["info", "--json", entry], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  assert.equal(result.status, 0, result.stderr);
  const own = (specifier: string | undefined): specifier is string =>
    specifier !== undefined && specifier.startsWith("file://") &&
    !specifier.includes("/node_modules/");
  const graph = new Map<string, string[]>();
  for (const module of (JSON.parse(result.stdout) as { modules: ModuleInfo[] }).modules) {
    if (!own(module.specifier)) continue;
    const deps = (module.dependencies ?? []).flatMap((dep) =>
      [dep.code?.specifier, dep.type?.specifier].filter(own)
    );
    graph.set(module.specifier, deps);
  }
  return graph;
}

/** Every cycle a depth-first walk meets, as paths relative to the repository. */
function cyclesOf(graph: Map<string, string[]>): string[] {
  const root = new URL("..", import.meta.url).href;
  const seen = new Set<string>();
  const onPath: string[] = [];
  const cycles: string[] = [];
  const visit = (module: string) => {
    seen.add(module);
    onPath.push(module);
    for (const next of graph.get(module) ?? []) {
      const at = onPath.indexOf(next);
      if (at >= 0) {
        cycles.push([...onPath.slice(at), next].map((m) => m.replace(root, "")).join(" → "));
      } else if (!seen.has(next)) visit(next);
    }
    onPath.pop();
  };
  for (const module of graph.keys()) if (!seen.has(module)) visit(module);
  return cycles;
}

test("no import cycles among quire's modules", { skip: SKIP, timeout: 60_000 }, () => {
  for (const entry of ["mod.ts", "http.ts", "scripts/quire.ts"]) {
    const graph = graphOf(entry);
    assert.ok(graph.size > 20, `${entry}: the graph holds quire's modules (${graph.size})`);
    assert.deepEqual(cyclesOf(graph), [], entry);
  }
});

test("the cycle finder finds a cycle", { skip: SKIP }, () => {
  const graph = new Map([["file:///a", ["file:///b"]], ["file:///b", ["file:///a"]]]);
  assert.equal(cyclesOf(graph).length, 1);
});
