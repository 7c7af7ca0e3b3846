/**
 * Helpers the benchmark scripts share: medians, garbage collection between samples, and what
 * machine and runtime a run was on (the machine is shared, so every run says how busy it was).
 *
 * @module
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
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

/** Something a benchmark opened and must close before its temp directory goes. */
export interface Closable {
  close(): unknown;
}

/**
 * A temp directory for one benchmark run. `run(main)` closes whatever was registered with `keep`
 * and removes the directory at the end, and also on Ctrl-C and SIGTERM.
 */
export class TempWorkspace {
  readonly dir: string;
  #open: Closable[] = [];
  #removed = false;
  #onSignal = () => {
    this.#remove();
    process.exit(130);
  };

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    process.on("SIGINT", this.#onSignal);
    process.on("SIGTERM", this.#onSignal);
  }

  /** Registers something to close before the directory is removed; returns it. */
  keep<T extends Closable>(item: T): T {
    this.#open.push(item);
    return item;
  }

  /** Runs `main`, then closes everything kept and removes the directory, whatever happens. */
  async run(main: () => Promise<void>): Promise<void> {
    try {
      await main();
    } finally {
      for (const item of this.#open) await item.close();
      this.#remove();
      process.off("SIGINT", this.#onSignal);
      process.off("SIGTERM", this.#onSignal);
    }
  }

  #remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resident memory of this process, in bytes: now (VmRSS) and its peak so far (VmHWM). */
export interface MemoryFigures {
  rss: number;
  /** The peak resident set size (Linux's VmHWM); the current RSS where /proc is missing. */
  peak: number;
  /** The JavaScript heap in use (`process.memoryUsage().heapUsed`). */
  heap: number;
}

/** This process's resident memory, from /proc/self/status on Linux. */
export function memoryFigures(): MemoryFigures {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s*(\\d+) kB`, "m").exec(status)?.[1]);
    const rss = kib("VmRSS");
    const peak = kib("VmHWM");
    if (Number.isFinite(rss) && Number.isFinite(peak)) {
      return { rss: rss * 1024, peak: peak * 1024, heap: process.memoryUsage().heapUsed };
    }
  } catch { /* not Linux */ }
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, peak: rss, heap: heapUsed };
}
