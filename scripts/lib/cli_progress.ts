/**
 * Progress of the long `quire` jobs (import, export, check, reindex, backup): a `cli-progress`
 * bar with the rate and the time left on stderr when stderr is a terminal, and otherwise one
 * summary line on stderr at the end (`quire: imported 1,203, skipped 0, failed 0 in 0.4s`), so
 * that a log or a CI run gets one line rather than a screenful of redraws.
 *
 * @module
 */

import cliProgress, { type Options, type Params, type SingleBar } from "cli-progress";

// cli-progress is CommonJS: Node's ESM loader gives it as the default export only (its named
// exports are not detected), so take them from there, as Bun and Deno allow too.
const { Format } = cliProgress;
import { type OutStream, write } from "./cli_io.ts";
import { bytes, count } from "./cli_output.ts";

/** What is counted: bytes, documents, records; or nothing (a job that cannot say how far it is). */
export type ProgressUnit = "bytes" | "documents" | "records" | undefined;

/** Options of {@linkcode Progress.start}. */
export interface ProgressOptions {
  /** What the bar says it is doing: `import data.ndjson`. */
  label: string;
  /** How much there is to do, when known (a bar with a percentage and an ETA). */
  total?: number | undefined;
  unit?: ProgressUnit | undefined;
}

/** A job's progress on stderr. */
export class Progress {
  #stream: OutStream;
  #options: ProgressOptions;
  #bar: SingleBar | undefined;
  #value = 0;
  #started = performance.now();

  private constructor(stream: OutStream, options: ProgressOptions) {
    this.#stream = stream;
    this.#options = options;
  }

  /** Starts showing progress (a bar only when `stream` is a terminal). */
  static start(stream: OutStream, options: ProgressOptions): Progress {
    const progress = new Progress(stream, options);
    if (stream.isTTY === true) {
      const bar = new cliProgress.SingleBar({
        stream: stream as unknown as NodeJS.WritableStream,
        format: (barOptions, params) => progress.#line(barOptions, params),
        hideCursor: false,
        clearOnComplete: false,
        fps: 10,
      });
      bar.start(options.total ?? 0, 0);
      progress.#bar = bar;
    }
    return progress;
  }

  /** How far the job got. */
  update(value: number): void {
    this.#value = value;
    this.#bar?.update(value);
  }

  /** Now knows how much there is to do. */
  setTotal(total: number): void {
    this.#options.total = total;
    this.#bar?.setTotal(total);
  }

  /** Stops the bar, leaving its last state on screen; nothing more (the job failed, say). */
  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }

  /**
   * Ends the job: the bar stops on a terminal, and otherwise one line sums it up on stderr:
   * `quire: <summary> in 1.2s (3,010 records/s)`.
   */
  async finish(summary: string): Promise<void> {
    if (this.#bar !== undefined) {
      this.#bar.update(this.#value);
      this.stop();
      return;
    }
    const seconds = (performance.now() - this.#started) / 1000;
    const rate = this.#options.unit === undefined || this.#value === 0
      ? ""
      : ` (${this.#amount(this.#value / Math.max(seconds, 0.001))}/s)`;
    await write(this.#stream, `quire: ${summary} in ${duration(seconds)}${rate}\n`);
  }

  /** `1.5 MiB` or `1,203 records`. */
  #amount(value: number): string {
    const unit = this.#options.unit;
    if (unit === "bytes") return bytes(Math.round(value));
    return `${count(Math.round(value))} ${unit ?? ""}`.trimEnd();
  }

  /** The bar's line: label, bar, percentage, amount, rate, ETA (or the time so far). */
  #line(options: Options, params: Params): string {
    const seconds = ((params.stopTime ?? Date.now()) - params.startTime) / 1000;
    const { label, total, unit } = this.#options;
    if (unit === undefined) return `${label}… ${duration(seconds)}`;
    const rate = params.value / Math.max(seconds, 0.001);
    const speed = `${this.#amount(rate)}/s`;
    if (total === undefined || total === 0) {
      return `${label} ${this.#amount(params.value)} | ${speed} | ${duration(seconds)}`;
    }
    const left = rate > 0 ? (total - params.value) / rate : NaN;
    const eta = params.value >= total ? `in ${duration(seconds)}` : `ETA ${duration(left)}`;
    const done = unit === "bytes"
      ? `${bytes(params.value)}/${bytes(total)}`
      : `${count(params.value)}/${count(total)} ${unit}`;
    const bar = Format.BarFormat(params.progress, options);
    return `${label} ${bar} ${Math.floor(params.progress * 100)}% | ${done} | ${speed} | ${eta}`;
  }
}

/** `0.4s`, `12s`, `3m04s`; `?` when unknown. */
function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
}
