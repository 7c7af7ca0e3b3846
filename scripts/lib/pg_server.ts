/**
 * A throwaway Postgres server for tests, benchmarks and `npm run pg`: a fresh cluster made with
 * `initdb` in a new temporary directory, started with `pg_ctl`, listening on 127.0.0.1 (a free
 * port) and on a Unix socket in that directory, with `trust` authentication for both (nothing
 * but this machine can reach it, and it is deleted afterwards). `stop()` stops it
 * (`pg_ctl stop -m fast`) and removes the directory; a server still running when the process
 * exits is stopped then.
 *
 * The binaries are found by absolute path: `PG_BIN` if set, else the highest version of
 * `/usr/lib/postgresql/<version>/bin` (Debian's layout; `apt-get install postgresql`). `initdb`
 * and `pg_ctl` refuse to run as root: as root, they run as the `postgres` user through
 * `/usr/sbin/runuser`, on a directory owned by that user; as anyone else, as the current user.
 * {@linkcode pgServerUnavailable} says why no server can be started (to skip a test with the
 * reason printed).
 *
 * Runs on Bun, Deno and Node (node:child_process and node:fs only). Every wait is bounded.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** Where Debian installs each version's binaries: `/usr/lib/postgresql/<version>/bin`. */
const DEBIAN_ROOT = "/usr/lib/postgresql";
/** The user the server runs as when we are root (Debian's package creates it). */
const SERVER_USER = "postgres";
/** How long `initdb`, `pg_ctl start` and `pg_ctl stop` may take, each. */
const STEP_TIMEOUT_SECONDS = 60;

/** A running throwaway server. */
export interface PgServer {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (no password: `trust` authentication). */
  readonly url: string;
  /** The same database through the Unix socket: `postgres://postgres@/<database>?host=<dir>&port=<port>`. */
  readonly socketUrl: string;
  /** The TCP port on 127.0.0.1, also the socket's number (`<dir>/.s.PGSQL.<port>`). */
  readonly port: number;
  /** The temporary directory: the cluster (`data/`), the socket and the server's log. */
  readonly dir: string;
  /** The server's major version, e.g. `"15"`. */
  readonly version: string;
  /** Stops the server (`pg_ctl stop -m fast`) and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startPgServer}. */
export interface PgServerOptions {
  /** The database to create. @default "quire" */
  database?: string;
  /**
   * Extra server settings (`-c name=value`), e.g. `{ max_connections: 50 }`. By default the
   * cluster trades durability for speed (it is thrown away): `fsync=off`,
   * `synchronous_commit=off`, `full_page_writes=off`.
   */
  settings?: Record<string, string | number>;
}

interface Binaries {
  bin: string;
  version: string;
  /** Runs a command as the server's user: `[runuser, -u, postgres, --]` as root, else `[]`. */
  asServer: string[];
  /** The server user's uid and gid when we are root (the directory must be theirs). */
  owner?: { uid: number; gid: number };
}

/**
 * Why no throwaway server can be started here (Postgres not installed, or root without
 * runuser or a `postgres` user), or `undefined` when one can.
 */
export function pgServerUnavailable(): string | undefined {
  const found = findBinaries();
  return typeof found === "string" ? found : undefined;
}

/** The directory of the Postgres binaries, or why there is none. */
function findBinDir(): { bin: string; version: string } | string {
  const override = process.env.PG_BIN;
  if (override !== undefined && override !== "") {
    if (!executable(join(override, "initdb")) || !executable(join(override, "pg_ctl"))) {
      return `PG_BIN=${override} has no executable initdb and pg_ctl`;
    }
    return { bin: override, version: versionOf(override) };
  }
  let versions: string[] = [];
  try {
    versions = readdirSync(DEBIAN_ROOT).filter((name) => /^\d+(\.\d+)?$/.test(name));
  } catch {
    // not installed
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(DEBIAN_ROOT, version, "bin");
    if (executable(join(bin, "initdb")) && executable(join(bin, "pg_ctl"))) return { bin, version };
  }
  return `Postgres is not installed: no ${DEBIAN_ROOT}/<version>/bin/initdb ` +
    "(apt-get install postgresql, or set PG_BIN to the directory of initdb and pg_ctl)";
}

function findBinaries(): Binaries | string {
  const found = findBinDir();
  if (typeof found === "string") return found;
  if (process.getuid?.() !== 0) return { ...found, asServer: [] };
  const runuser = ["/usr/sbin/runuser", "/sbin/runuser"].find(executable);
  if (runuser === undefined) {
    return "running as root, where initdb refuses to run, and there is no /usr/sbin/runuser " +
      `to run it as the ${SERVER_USER} user`;
  }
  const owner = userIds(SERVER_USER);
  if (owner === undefined) {
    return `running as root, where initdb refuses to run, and there is no ${SERVER_USER} user ` +
      "to run it as (Debian's postgresql package creates one)";
  }
  return { ...found, asServer: [runuser, "-u", SERVER_USER, "--"], owner };
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `"15"` from `initdb --version` ("initdb (PostgreSQL) 15.14 ..."), else `"?"`. */
function versionOf(bin: string): string {
  const result = spawnSync(join(bin, "initdb"), ["--version"], {
    encoding: "utf8",
    timeout: 10_000,
  });
  return /\(PostgreSQL\) (\d+)/.exec(result.stdout ?? "")?.[1] ?? "?";
}

/** A user's uid and gid from /etc/passwd. */
function userIds(name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const fields = line.split(":");
      if (fields[0] === name && fields.length >= 4) {
        return { uid: Number(fields[2]), gid: Number(fields[3]) };
      }
    }
  } catch {
    // no /etc/passwd
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (the kernel's choice; the server binds it soon after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => port > 0 ? resolve(port) : reject(new Error("no free port")));
    });
  });
}

/** The servers this process started and has not stopped: stopped at exit. */
const running = new Set<() => void>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const stop of [...running]) stop();
  });
}

/**
 * Starts a throwaway server (see the module documentation).
 *
 * @throws Error saying why when Postgres is not installed or the server does not start
 *   ({@linkcode pgServerUnavailable} tells the first case beforehand).
 */
export async function startPgServer(options: PgServerOptions = {}): Promise<PgServer> {
  const found = findBinaries();
  if (typeof found === "string") throw new Error(`Cannot start Postgres: ${found}`);
  const database = options.database ?? "quire";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new Error(`Cannot start Postgres: invalid database name ${JSON.stringify(database)}`);
  }
  const dir = mkdtempSync(join(tmpdir(), "quire-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  let started = false;
  const cleanup = () => {
    if (started) {
      const stop = run(found, "pg_ctl", ["stop", "-D", data, "-m", "fast", "-w", "-t", "30"], dir);
      if (stop.status !== 0) {
        run(found, "pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w", "-t", "10"], dir);
      }
      started = false;
    }
    rmSync(dir, { recursive: true, force: true });
    running.delete(cleanup);
  };
  try {
    // The server's user must own the directory (and be able to reach it: /tmp is world-readable);
    // others may traverse it to the socket.
    mkdirSync(data, { mode: 0o700 });
    chmodSync(dir, 0o755);
    if (found.owner !== undefined) {
      chownSync(dir, found.owner.uid, found.owner.gid);
      chownSync(data, found.owner.uid, found.owner.gid);
    }
    check(
      run(found, "initdb", [
        "-D",
        data,
        "-U",
        "postgres",
        "--auth=trust",
        "--encoding=UTF8",
        "--no-locale",
        "--no-sync",
        "--no-instructions",
      ], dir),
      "initdb",
    );
    const settings: Record<string, string | number> = {
      fsync: "off",
      synchronous_commit: "off",
      full_page_writes: "off",
      ...options.settings,
    };
    let port = 0;
    for (let attempt = 1;; attempt++) {
      port = await freePort();
      const flags = [
        `-p ${port}`,
        "-c listen_addresses=127.0.0.1",
        `-c unix_socket_directories=${dir}`,
        ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
      ];
      if (!Object.values(settings).every((v) => /^[\w.:/-]*$/.test(String(v)))) {
        throw new Error("Cannot start Postgres: a setting holds characters a shell would read");
      }
      const start = run(found, "pg_ctl", [
        "start",
        "-D",
        data,
        "-l",
        log,
        "-w",
        "-t",
        String(STEP_TIMEOUT_SECONDS),
        "-o",
        flags.join(" "),
      ], dir);
      if (start.status === 0) break;
      // Someone took the port between freePort() and the server's bind: try another one.
      const text = readLog(log);
      if (attempt < 3 && /could not bind|Address already in use/i.test(text)) continue;
      // pg_ctl -w gave up waiting: the server may still come up; make sure it is down.
      run(found, "pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w", "-t", "10"], dir);
      check(start, "pg_ctl start", text);
    }
    started = true;
    installExitHook();
    running.add(cleanup);
    check(
      run(found, "pg_isready", ["-h", dir, "-p", String(port), "-t", "10"], dir),
      "pg_isready",
    );
    check(
      run(found, "createdb", ["-h", dir, "-p", String(port), "-U", "postgres", database], dir),
      "createdb",
    );
    return {
      url: `postgres://postgres@127.0.0.1:${port}/${database}`,
      socketUrl: `postgres://postgres@/${database}?host=${encodeURIComponent(dir)}&port=${port}`,
      port,
      dir,
      version: found.version,
      stop: () => {
        cleanup();
        return Promise.resolve();
      },
    };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/**
 * Stops the server of a cluster directory that {@linkcode startPgServer} made (in this process
 * or another, e.g. a killed `scripts/pg.ts`) and removes the directory: for cleaning up after a
 * process that could not.
 */
export function removePgCluster(dir: string): void {
  const found = findBinaries();
  const data = join(dir, "data");
  if (typeof found !== "string" && existsSync(join(data, "postmaster.pid"))) {
    run(found, "pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w", "-t", "10"], dir);
  }
  rmSync(dir, { recursive: true, force: true });
}

interface Outcome {
  status: number | null;
  output: string;
  command: string;
}

/** Runs one of the binaries (as the server's user when we are root), bounded in time. */
function run(found: Binaries, name: string, args: string[], cwd: string): Outcome {
  const argv = [...found.asServer, join(found.bin, name), ...args];
  const result = spawnSync(argv[0]!, argv.slice(1), {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: (STEP_TIMEOUT_SECONDS + 15) * 1000,
    env: { ...process.env, LC_ALL: "C", PGCONNECT_TIMEOUT: "10" },
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${
    result.error === undefined ? "" : String(result.error)
  }`;
  return { status: result.status, output, command: name };
}

function check(outcome: Outcome, what: string, log = ""): void {
  if (outcome.status === 0) return;
  const status = outcome.status === null ? "timed out" : `exit ${outcome.status}`;
  const tail = log.trim().split("\n").slice(-10).join("\n");
  throw new Error(
    `Cannot start Postgres: ${what} failed (${status}): ${outcome.output.trim()}` +
      (tail === "" ? "" : `\nserver log:\n${tail}`),
  );
}

function readLog(path: string): string {
  try {
    return existsSync(path) ? readFileSync(path, "utf8") : "";
  } catch {
    return "";
  }
}
