/**
 * Helpers the benchmark scripts share: medians, garbage collection between samples, and what
 * machine and runtime a run was on (the machine is shared, so every run says how busy it was).
 *
 * @module
 */

import { cpus, loadavg } from "node:os";
import process from "node:process";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function collectGarbage(): void {
  const global = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  if (global.Bun !== undefined) global.Bun.gc(true);
  else global.gc?.();
}

/** CPU count and load averages: the machine is shared, so say how busy it was. */
export function machine(): string {
  const load = loadavg().map((x) => x.toFixed(2)).join(" ");
  return `${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), load average ${load}`;
}

export function runtimeName(): string {
  const global = globalThis as {
    Bun?: { version: string };
    Deno?: { version: { deno: string; v8: string } };
  };
  if (global.Bun !== undefined) return `Bun ${global.Bun.version}`;
  if (global.Deno !== undefined) {
    return `Deno ${global.Deno.version.deno} (V8 ${global.Deno.version.v8})`;
  }
  return `Node ${process.version}`;
}

export function printTable(rows: string[][], right: boolean[]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const [index, row] of rows.entries()) {
    console.log(
      row.map((cell, i) => right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])).join("  ")
        .trimEnd(),
    );
    if (index === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}
