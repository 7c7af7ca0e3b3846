/**
 * Durable, atomic file operations on `node:fs` sync APIs (they work on Bun and Deno).
 *
 * A write goes to a new file with a random name in a directory the caller names (the file store
 * keeps one, `.tmp/`, on the same file system as its files, so that the rename below stays
 * atomic), is flushed with `fsync`, then renamed over the target, and the target's directory is
 * flushed so that the rename itself survives a power cut. A reader sees the old file or the new
 * one, never a mix, even if the process is killed part way; a killed writer can only leave a
 * temporary file behind, in the temporary directory, which the file store empties at open.
 *
 * On Windows, directories cannot be opened for `fsync`; NTFS journals the rename itself, so the
 * directory flush is skipped there.
 *
 * These functions throw the file system's own errors; callers wrap them. When the change was made
 * but the flush of its directory then failed, the error is an {@linkcode UnconfirmedChange}: the
 * new file (or the removal) is in place and may or may not survive a power cut.
 *
 * @module
 */

import {
  closeSync,
  constants,
  copyFileSync,
  fsyncSync,
  openSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { randomHex } from "../../random_hex.ts";

/** A change that was made, but whose directory could not be flushed: its outcome is unknown. */
export class UnconfirmedChange extends Error {
  /** @param cause The flush's error. */
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "UnconfirmedChange";
  }
}

/** Options of {@linkcode writeFileAtomic} and {@linkcode removeFileAtomic}. */
export interface SyncOptions {
  /**
   * Flush the directory afterwards. A caller doing many operations in one directory may pass
   * `false` and call {@linkcode syncDirectory} once at the end.
   * @default true
   */
  syncDirectory?: boolean;
}

/**
 * Replaces (or creates) `path` with `data` atomically and durably.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic_write.ts";
 * writeFileAtomic("/tmp/settings.json", JSON.stringify({ theme: "dark" }), "/tmp");
 * ```
 * @param path The file to write; its directory must exist.
 * @param data The whole new content; a string is written as UTF-8.
 * @param tempDirectory Where the new content is written first; it must exist, on the same file
 *   system as `path`. It is not flushed: a temporary file that reappears there after a power
 *   cut is a leftover like any other.
 * @param options Whether to flush `path`'s directory.
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  tempDirectory: string,
  options: SyncOptions = {},
): void {
  const temp = tempPath(tempDirectory);
  try {
    const fd = openSync(temp, "wx", 0o644);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    removeQuietly(temp);
    throw error;
  }
  if (options.syncDirectory !== false) syncChanged(dirname(path));
}

/**
 * Removes `path` durably.
 *
 * @param path The file to remove.
 * @param options Whether to flush the directory.
 * @returns Whether there was a file to remove.
 */
export function removeFileAtomic(path: string, options: SyncOptions = {}): boolean {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
  if (options.syncDirectory !== false) syncChanged(dirname(path));
  return true;
}

/** {@linkcode syncDirectory} after a change was made in it: a failure leaves it unconfirmed. */
function syncChanged(directory: string): void {
  try {
    syncDirectory(directory);
  } catch (error) {
    throw new UnconfirmedChange(error);
  }
}

/**
 * Copies a file to a new path (which must not exist) and flushes the copy.
 *
 * @param from The file to copy.
 * @param to The new file.
 */
export function copyFileDurable(from: string, to: string): void {
  copyFileSync(from, to, constants.COPYFILE_EXCL);
  // "r+": Windows only flushes handles opened for writing.
  const fd = openSync(to, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Flushes a directory, so that the files created, renamed or removed in it stay so after a
 * power cut. Does nothing on Windows (see the module documentation).
 *
 * @param directory The directory.
 */
export function syncDirectory(directory: string): void {
  if (process.platform === "win32") return;
  const fd = openSync(directory, "r");
  try {
    fsyncSync(fd);
  } catch (error) {
    // Some file systems (network ones among them) cannot flush a directory.
    if (errorCode(error) !== "EINVAL" && errorCode(error) !== "ENOTSUP") throw error;
  } finally {
    closeSync(fd);
  }
}

/** The `code` of a file system error (`"ENOENT"`, ...), if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // It was never created, or it is gone already.
  }
}

/** A new file name in `directory`: 16 random hex digits. */
function tempPath(directory: string): string {
  return join(directory, randomHex(8));
}
