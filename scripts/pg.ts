/**
 * `npm run pg`: starts a throwaway Postgres server (scripts/lib/pg_server.ts: a fresh cluster
 * in a temporary directory, `trust` authentication on 127.0.0.1 and a Unix socket), prints its
 * URLs, and on Ctrl-C (SIGINT) or SIGTERM stops it and deletes the directory. Nothing is kept.
 *
 * ```sh
 * npm run pg [-- --database name]
 * bun scripts/pg.ts [--database name]
 * deno run -A scripts/pg.ts [--database name]
 * ```
 *
 * Needs Postgres installed (`apt-get install postgresql`; `PG_BIN` points at another
 * directory of `initdb` and `pg_ctl`); as root, the server runs as the `postgres` user.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { pgServerUnavailable, startPgServer } from "./lib/pg_server.ts";

const args = process.argv.slice(2);
let database = "quire";
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === "--database" && i + 1 < args.length) database = args[++i]!;
  else if (arg.startsWith("--database=")) database = arg.slice("--database=".length);
  else {
    console.error(`pg: unknown argument ${JSON.stringify(arg)}\nusage: pg [--database name]`);
    process.exit(2);
  }
}

const unavailable = pgServerUnavailable();
if (unavailable !== undefined) {
  console.error(`pg: cannot start a Postgres server: ${unavailable}`);
  process.exit(1);
}

let server;
try {
  server = await startPgServer({ database });
} catch (error) {
  console.error(`pg: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const running = server;

let stopping = false;
async function stop(reason: string, code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(watch);
  console.log(`\npg: ${reason}: stopping the server and deleting ${running.dir}`);
  await running.stop();
  console.log("pg: stopped");
  process.exit(code);
}
process.on("SIGINT", () => void stop("SIGINT", 0));
process.on("SIGTERM", () => void stop("SIGTERM", 0));

// The server can also go away on its own (killed, or `pg_ctl stop` by hand): then so do we.
const pidFile = join(running.dir, "data", "postmaster.pid");
const watch = setInterval(() => {
  if (!existsSync(pidFile)) void stop("the server is gone", 1);
}, 2000);

console.log(`Postgres ${running.version}, a throwaway cluster in ${running.dir}`);
console.log(`url: ${running.url}`);
console.log(`socket url: ${running.socketUrl}`);
console.log(`  e.g. psql ${running.url}`);
console.log("Press Ctrl-C to stop it; the cluster is deleted.");
