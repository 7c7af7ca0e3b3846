/**
 * The file backend's writer lock: one process (and one open store) writes a directory at a time.
 *
 * Two processes writing one directory lose data without an error (both cache revisions and the
 * catalog, and each empties `.tmp/` at open), so a store opened for writing first takes
 * `<dir>/.writer.lock`; a second writer, in another process or in the same one, is refused with
 * `BUSY`. Read-only stores take no lock. `close()` removes it.
 *
 * **The lock file** is JSON: who holds it (`pid`, `host`), `since` when, a random `token` that
 * names this one acquisition, and, where the system tells them (Linux `/proc`), the kernel's
 * `boot` id, the `pidns` (pid namespace) and the process's `start` time in clock ticks since
 * boot. It is created whole: the content is written and flushed to a private file
 * `.writer.lock.<token>.new`, which is then hard-linked to `.writer.lock`. `link(2)` fails with
 * `EEXIST` if the lock exists, so exactly one of any number of racing processes creates it, and
 * nobody ever sees a half-written lock. (On a file system without hard links the lock is created
 * with `O_EXCL`, flag `"wx"`, and written in place; a lock that cannot be parsed is then taken
 * as held, never as stale.)
 *
 * **Is the holder alive?** Only a holder that is certainly gone is stale:
 * - another host (or no host name to compare): unknown, so held. The message names the holder and
 *   the lock file to remove by hand once that process is known to be gone;
 * - the same host, another boot id: the machine restarted since, so gone;
 * - the same host, another pid namespace (a container): unknown, so held;
 * - `process.kill(pid, 0)` says `ESRCH`: gone; any other answer (`EPERM`: another user's
 *   process) means a process with that pid exists;
 * - it exists but started at another time than the lock says: the pid was reused, so gone.
 *   Without a start time (no `/proc`, as on macOS) a reused pid looks alive, which refuses a
 *   writer that could have gone ahead (the message says which file to remove), but never lets
 *   two writers in.
 *
 * A lock whose pid and start time are this very process is held by another open store of this
 * process: two stores writing one directory lose data the same way as two processes do.
 *
 * **Taking over a stale lock** must not let two processes that both found it stale both win,
 * nor let a slow one remove the lock that a fast one has just created. So a stale lock whose
 * token is `T` may only be removed by the holder of the claim `.writer.lock.takeover-T`, itself
 * a lock taken by this same procedure (created by `link`, so exactly one process holds it; a
 * claim left by a process killed while holding it is stale in turn and taken over the same
 * way, a few levels deep at most). The claim's holder reads the lock again and removes it only
 * if it still holds `T`. In between nothing else can have replaced it: its holder is gone, no
 * other process can hold the claim, and no one can create a lock while one exists. Then the
 * claim is dropped and the process tries to create the lock again, racing fairly with everyone
 * else: whoever creates it holds it, the others find a live holder and get `BUSY`. A process
 * that found `T` stale too late (the lock was taken over meanwhile) finds another token under
 * its claim and removes nothing.
 *
 * After taking the lock, leftovers of processes that died in the middle of this (claims and
 * `.new` files whose holder is gone) are removed.
 *
 * Limits: the host is identified by its name, so machines that share a directory (over NFS,
 * say) must have distinct host names; and a lock removed by hand while its holder runs lets a
 * second writer in.
 *
 * Everything here uses `node:fs`, `node:os` and `node:process`, which Bun and Deno both provide.
 * On Deno, without `--allow-sys` (host name) or `--allow-run` (signals), nothing can be proved
 * stale, and a stale lock is refused like a live one.
 *
 * @module
 */

import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { isPlainObject } from "../../document.ts";
import { QuireError } from "../../errors.ts";
import { randomHex } from "../../random_hex.ts";
import { errorCode } from "./atomic_write.ts";

/** The lock file in the store's directory. */
export const LOCK_FILE = ".writer.lock";

// How many times a lock that vanished or was taken over is tried again before giving up.
const ATTEMPTS = 8;
// Claims of claims, at most: each level needs a process killed within a few system calls.
const MAX_DEPTH = 3;
const TOKEN = /^[0-9a-f]{16,64}$/;
// What link(2) says on a file system without hard links.
const NO_LINKS = ["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"];

/** Who holds a lock, as its file says. */
export interface LockHolder {
  /** The holder's process id. */
  pid: number;
  /** The holder's host name; `""` when it could not be read. */
  host: string;
  /** When the lock was taken, ISO-8601 UTC. */
  since: string;
  /** Names this acquisition. */
  token: string;
  /** The kernel's boot id (Linux). */
  boot?: string;
  /** The holder's pid namespace (Linux). */
  pidns?: string;
  /** The holder's start time in clock ticks since boot (Linux). */
  start?: string;
}

/** What this process is, for the liveness checks. */
type Identity = Omit<LockHolder, "since" | "token">;

/** The outcome of trying to take one lock file. */
type Outcome =
  | { held: true }
  | { held: false; holder: LockHolder | undefined; path: string; state: "alive" | "unknown" };

let self: Identity | undefined;

/**
 * The writer lock of one directory, held until {@linkcode WriterLock.release}.
 *
 * @example
 * ```ts
 * import { WriterLock } from "./writer_lock.ts";
 * const lock = WriterLock.acquire("data/notes"); // BUSY while another writer holds it
 * try {
 *   // ... write ...
 * } finally {
 *   lock.release();
 * }
 * ```
 */
export class WriterLock {
  /** The lock file. */
  readonly path: string;
  #token: string;
  #released = false;

  private constructor(path: string, token: string) {
    this.path = path;
    this.#token = token;
  }

  /**
   * Takes the writer lock of `dir`, taking over a stale one (see the module documentation).
   *
   * @param dir The store's directory; it must exist.
   * @returns The lock.
   * @throws {QuireError} `BUSY` when another writer holds it, `STORAGE` when the lock file
   *   cannot be written.
   */
  static acquire(dir: string): WriterLock {
    const path = join(dir, LOCK_FILE);
    const holder: LockHolder = {
      ...identity(),
      since: new Date().toISOString(),
      token: randomHex(16),
    };
    let outcome: Outcome;
    try {
      outcome = take(path, holder, 0);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new QuireError(
        "STORAGE",
        `Cannot open "${dir}" for writing: cannot take its lock "${path}": ${detail}`,
        { cause: error },
      );
    }
    if (!outcome.held) throw busy(dir, path, outcome);
    sweep(dir, holder.token);
    return new WriterLock(path, holder.token);
  }

  /** Removes the lock file, if it is still this one's. Calling it again does nothing. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const found = readHolder(this.path);
    if (typeof found === "object" && found.token === this.#token) removeQuietly(this.path);
  }
}

/**
 * Tries to create the lock file `path` for `me`; takes over a stale one.
 *
 * @param depth How many claims deep this is (0: the lock itself).
 */
function take(path: string, me: LockHolder, depth: number): Outcome {
  let last: Outcome = { held: false, holder: undefined, path, state: "alive" };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (create(path, me)) return { held: true };
    const found = readHolder(path);
    if (found === "gone") continue; // released meanwhile: try again
    if (found === "unreadable") return { held: false, holder: undefined, path, state: "unknown" };
    const state = judge(found);
    if (state !== "dead") return { held: false, holder: found, path, state };
    last = { held: false, holder: found, path, state: "alive" };
    if (depth >= MAX_DEPTH) return last;
    const claim = `${path}.takeover-${found.token}`;
    const claimed = take(claim, me, depth + 1);
    // Someone else is taking it over right now: they will hold it, or find it taken.
    if (!claimed.held) return claimed;
    try {
      const again = readHolder(path);
      if (typeof again === "object" && again.token === found.token) removeQuietly(path);
    } finally {
      removeQuietly(claim);
    }
  }
  return last;
}

/** Creates `path` holding `me`, whole, unless it exists; see the module documentation. */
function create(path: string, me: LockHolder): boolean {
  const text = JSON.stringify(me) + "\n";
  const candidate = `${path}.${me.token}.new`;
  writeFlushed(candidate, text, "w");
  try {
    linkSync(candidate, path);
    return true;
  } catch (error) {
    const code = errorCode(error) ?? "";
    if (code === "EEXIST") return false;
    if (!NO_LINKS.includes(code)) throw error;
  } finally {
    removeQuietly(candidate);
  }
  // No hard links here: O_EXCL.
  try {
    writeFlushed(path, text, "wx");
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  }
}

function writeFlushed(path: string, text: string, flag: "w" | "wx"): void {
  const fd = openSync(path, flag, 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The holder a lock file names; `"gone"` when there is no file. */
function readHolder(path: string): LockHolder | "gone" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return errorCode(error) === "ENOENT" ? "gone" : "unreadable";
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "unreadable";
  }
  if (
    !isPlainObject(value) || !Number.isSafeInteger(value.pid) || (value.pid as number) <= 0 ||
    typeof value.host !== "string" || typeof value.since !== "string" ||
    typeof value.token !== "string" || !TOKEN.test(value.token) ||
    !["boot", "pidns", "start"].every((key) =>
      value[key] === undefined || typeof value[key] === "string"
    )
  ) {
    return "unreadable";
  }
  return value as unknown as LockHolder;
}

/** Whether a lock's holder still runs: `"unknown"` when this process cannot tell. */
export function judge(holder: LockHolder): "alive" | "dead" | "unknown" {
  const me = identity();
  if (me.host === "" || holder.host !== me.host) return "unknown";
  if (holder.boot !== undefined && me.boot !== undefined && holder.boot !== me.boot) return "dead";
  if (holder.pidns !== me.pidns) return "unknown";
  if (holder.pid === me.pid && holder.start === me.start) return "alive";
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if (errorCode(error) === "ESRCH") return "dead";
    if (errorCode(error) !== "EPERM") return "unknown"; // not allowed to ask (Deno permissions)
  }
  if (holder.start === undefined) return "alive";
  const start = startTime(holder.pid);
  if (start === "gone") return "dead";
  if (start === undefined) return "alive";
  return start === holder.start ? "alive" : "dead";
}

/** This process's identity, read once. */
function identity(): Identity {
  if (self !== undefined) return self;
  let host = "";
  try {
    host = hostname();
  } catch {
    // Deno without --allow-sys: no stale lock can be proved stale.
  }
  const boot = readOptional("/proc/sys/kernel/random/boot_id");
  let pidns: string | undefined;
  try {
    pidns = readlinkSync("/proc/self/ns/pid");
  } catch {
    pidns = undefined;
  }
  const start = startTime(process.pid);
  self = {
    pid: process.pid,
    host,
    ...(boot === undefined ? {} : { boot }),
    ...(pidns === undefined ? {} : { pidns }),
    ...(start === undefined || start === "gone" ? {} : { start }),
  };
  return self;
}

/**
 * A process's start time in clock ticks since boot, from `/proc/<pid>/stat` (field 22);
 * `"gone"` when there is no such process, `undefined` when the system does not say.
 */
function startTime(pid: number): string | "gone" | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    // No /proc/<pid> while /proc/self exists: the process is gone.
    if (errorCode(error) === "ENOENT" && readOptional("/proc/self/stat") !== undefined) {
      return "gone";
    }
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const start = fields[22 - 3];
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Removes claims and `.new` files that processes which are gone left beside the lock. */
function sweep(dir: string, token: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`${LOCK_FILE}.`) || name.includes(token)) continue;
    const found = readHolder(join(dir, name));
    if (typeof found === "object" && judge(found) === "dead") removeQuietly(join(dir, name));
  }
}

function busy(dir: string, path: string, outcome: Outcome & { held: false }): QuireError {
  const holder = outcome.holder;
  const where = `Cannot open "${dir}" for writing`;
  if (holder === undefined) {
    return new QuireError(
      "BUSY",
      `${where}: its lock file "${outcome.path}" cannot be read; if no process writes this store, remove it`,
    );
  }
  const me = identity();
  const who = `pid ${holder.pid}${
    holder.host === "" ? "" : ` on host "${holder.host}"`
  }, since ${holder.since}`;
  if (outcome.path !== path) {
    return new QuireError(
      "BUSY",
      `${where}: another process (${who}) is taking over the lock of a writer that is gone; try again`,
    );
  }
  if (holder.pid === me.pid && holder.host === me.host && holder.start === me.start) {
    return new QuireError(
      "BUSY",
      `${where}: this process already has it open for writing (since ${holder.since}); close that store first, or open this one read-only`,
    );
  }
  if (outcome.state === "unknown") {
    return new QuireError(
      "BUSY",
      `${where}: it is locked by another writer (${who}), which quire cannot see from here; open it read-only, or, if that process is gone, remove "${path}"`,
    );
  }
  return new QuireError(
    "BUSY",
    `${where}: another writer holds it (${who}); open it read-only, or close that writer first`,
  );
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already, or not ours to remove.
  }
}
