/**
 * The throwaway Postgres server (scripts/lib/pg_server.ts) and `npm run pg` (scripts/pg.ts):
 * a server starts in a fresh directory, answers on 127.0.0.1 and on its Unix socket, several can
 * run at once, and stopping one stops the server and removes its directory; the script prints
 * the URL and cleans up on SIGINT and on SIGTERM.
 *
 * Skipped, with the reason printed, where Postgres is not installed (`.ci/run` installs Debian's
 * `postgresql` as root; `PG_BIN` points elsewhere).
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { openPgDriver } from "../src/backends/postgres/driver.ts";
import {
  type PgServer,
  pgServerUnavailable,
  removePgCluster,
  startPgServer,
} from "../scripts/lib/pg_server.ts";
import { rejectsWith, runtime, scriptArgs } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** initdb and pg_ctl take a few seconds each, more on a busy machine. */
const SLOW = { timeout: 120_000 };
// The harness is tested once per suite, on Bun; the other suites use it on every runtime.
const unavailable = runtime === "bun"
  ? pgServerUnavailable()
  : "the throwaway server's own tests run once per suite, on Bun";
if (unavailable !== undefined) console.log(`Postgres server tests skipped: ${unavailable}`);

/** `select 1` through a fresh pool; returns the server's major version. */
async function ping(url: string): Promise<number> {
  const db = openPgDriver(url, { connectTimeoutMs: 5000 });
  try {
    const [row] = await db.query<{ v: number }>(
      "select current_setting('server_version_num')::int / 10000 as v",
    );
    return row!.v;
  } finally {
    await db.close({ timeoutMs: 0 });
  }
}

describe(`throwaway Postgres server (${runtime})`, () => {
  test("no Postgres where PG_BIN points: a reason naming it", () => {
    const saved = process.env.PG_BIN;
    process.env.PG_BIN = "/nonexistent/pg/bin";
    try {
      assert.match(pgServerUnavailable() ?? "", /PG_BIN=\/nonexistent\/pg\/bin/);
      return assert.rejects(startPgServer(), /Cannot start Postgres: PG_BIN/);
    } finally {
      if (saved === undefined) delete process.env.PG_BIN;
      else process.env.PG_BIN = saved;
    }
  });

  describe("with Postgres installed", { skip: unavailable }, () => {
    const servers: PgServer[] = [];
    after(async () => {
      for (const server of servers) await server.stop();
    });

    test("starts, answers on TCP and on the socket, and stops without a trace", SLOW, async () => {
      const server = await startPgServer({ database: "first" });
      servers.push(server);
      assert.match(server.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/first$/);
      assert.ok(existsSync(join(server.dir, `.s.PGSQL.${server.port}`)), "the socket");
      if (process.getuid?.() === 0) {
        assert.notEqual(statSync(join(server.dir, "data")).uid, 0, "root runs it as postgres");
      }
      assert.equal(String(await ping(server.url)), server.version);
      assert.equal(String(await ping(server.socketUrl)), server.version);

      // A second one at the same time: its own port, directory and database.
      const second = await startPgServer();
      servers.push(second);
      assert.notEqual(second.port, server.port);
      assert.notEqual(second.dir, server.dir);
      assert.match(second.url, /\/quire$/);
      await ping(second.url);

      await server.stop();
      assert.equal(existsSync(server.dir), false, "the directory is removed");
      const gone = openPgDriver(server.url, { connectTimeoutMs: 2000 });
      try {
        await rejectsWith(gone.query("select 1"), "STORAGE");
      } finally {
        await gone.close({ timeoutMs: 0 });
      }
      await server.stop(); // twice is fine
      await ping(second.url); // the other one is untouched
      await second.stop();
      assert.equal(existsSync(second.dir), false);
    });

    test("refuses a database name it would have to quote", SLOW, async () => {
      await assert.rejects(startPgServer({ database: "a; drop" }), /invalid database name/);
    });

    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      test(`scripts/pg.ts prints the URL, and on ${signal} stops and cleans up`, SLOW, async () => {
        const child = spawn(process.execPath, scriptArgs("scripts/pg.ts", "--database", "demo"), {
          cwd: ROOT,
          stdio: ["ignore", "pipe", "pipe"],
        });
        const exited = new Promise<number | null>((resolve) =>
          child.on("exit", (code) => resolve(code))
        );
        let output = "";
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => output += chunk);
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no URL in 60 s:\n${output}`)), 60_000);
          child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
            output += chunk;
            const match = /^url: (\S+)$/m.exec(output);
            if (match !== null) {
              clearTimeout(timer);
              resolve(match[1]!);
            }
          });
          exited.then(() => reject(new Error(`exited before printing a URL:\n${output}`)));
        });
        const dir = /cluster in (\S+)/.exec(output)?.[1];
        try {
          assert.match(url, /\/demo$/);
          assert.ok(dir !== undefined && existsSync(dir), output);
          await ping(url);
          child.kill(signal);
          let timer: ReturnType<typeof setTimeout> | undefined;
          const code = await Promise.race([
            exited,
            new Promise<string>((resolve) => timer = setTimeout(() => resolve("timeout"), 30_000)),
          ]);
          clearTimeout(timer);
          // Deno (as the parent) reports the signal it sent instead of the child's exit code 0.
          if (!(runtime === "deno" && code === null)) assert.equal(code, 0, output);
          assert.match(output, /pg: stopped/);
          assert.equal(existsSync(dir), false, "the cluster is deleted");
        } finally {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          // What the script could not clean up (it failed, or was killed) is removed here.
          if (dir !== undefined && existsSync(dir)) removePgCluster(dir);
        }
      });
    }
  });
});
