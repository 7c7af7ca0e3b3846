/**
 * What the `quire` command line reads and writes: stdin, stdout, stderr and the environment,
 * gathered in one {@linkcode Io} so that tests can run `main(argv, io)` in-process with their own
 * streams (and pretend to be a terminal) instead of spawning a process per case.
 *
 * @module
 */

import process from "node:process";

/** An output stream: `process.stdout`, `process.stderr`, or a test's stand-in. */
export interface OutStream {
  /** A terminal: tables and progress bars. Otherwise JSON and one-line summaries. */
  isTTY?: boolean;
  /** The terminal's width. */
  columns?: number;
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
}

/** An input stream: `process.stdin`, or a test's chunks. */
export type InStream = AsyncIterable<Uint8Array | string> & { isTTY?: boolean };

/** Everything a command touches outside the database. */
export interface Io {
  stdin: InStream;
  stdout: OutStream;
  stderr: OutStream;
  env: Record<string, string | undefined>;
}

/** The process's own streams and environment. */
export function processIo(): Io {
  return {
    stdin: process.stdin as unknown as InStream,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  };
}

/** Writes `text`, resolving once the stream has taken it (backpressure). */
export function write(stream: OutStream, text: string): Promise<void> {
  if (text === "") return Promise.resolve();
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => error ? reject(error) : resolve());
  });
}

/** Writes lines in chunks of about 64 KiB (one write per line would be slow on a pipe). */
export class LineWriter {
  #stream: OutStream;
  #buffer = "";

  constructor(stream: OutStream) {
    this.#stream = stream;
  }

  /** Adds `line` (which ends in `\n`). */
  async add(line: string): Promise<void> {
    this.#buffer += line;
    if (this.#buffer.length >= 1 << 16) await this.flush();
  }

  /** Writes what is buffered. */
  async flush(): Promise<void> {
    const text = this.#buffer;
    this.#buffer = "";
    await write(this.#stream, text);
  }
}

/** All of stdin as text. */
export async function readText(stdin: InStream): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stdin) {
    text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
