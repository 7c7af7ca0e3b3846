/**
 * Several processes on one Postgres database: two `quire serve` processes, one on Bun and one on
 * Deno, serve the same schema over HTTP while the test process (on the runtime running the
 * tests) writes through the Store API beside them. What must hold, as in the SQLite soak:
 *
 * - nothing is lost: every increment a process acknowledged is in the final count, and a
 *   document written through one process reads back through the others;
 * - conflicts are surfaced: two writes conditional on the same rev, through two processes, give
 *   one success and one 412 (CONFLICT through the Store API);
 * - a conserved total: concurrent transactions moving amounts between accounts on two pools
 *   never change the sum, and no balance goes negative.
 *
 * Bounded: a fixed number of increments and transfers, each retried at most 500 times. Skipped,
 * with the reason printed, where Postgres is not installed.
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { open, QuireError, type Store } from "../mod.ts";
import { type PgServer, startPgServer } from "../scripts/lib/pg_server.ts";
import { pgSuiteSkip, runtime } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "node_modules", ".bin");
const unavailable = pgSuiteSkip();
if (unavailable !== undefined) console.log(`Postgres multi-process test skipped: ${unavailable}`);
// Started while the module loads: Bun's hooks time out after 5 s whatever node:test is told.
const server: PgServer | undefined = unavailable === undefined ? await startPgServer() : undefined;

const INCREMENTS = 40; // per HTTP client
const CLIENTS = 4;
const TRANSFERS = 40; // per transfer loop
const MAX_TRIES = 500;

/** A `quire serve` child on `command`, and the URL it serves on. */
async function serveOn(command: "bun" | "deno", url: string) {
  const script = join("scripts", "quire.ts");
  const args = ["serve", "--db", url, "--port", "0", "--no-ui"];
  const child = spawn(
    join(BIN, command),
    command === "deno" ? ["run", "-A", script, ...args] : [script, ...args],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" } },
  );
  child.stdin.end();
  child.stdout.resume();
  let stderr = "";
  const listening = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const match = / on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.on("close", () => reject(new Error(`quire serve (${command}) ended: ${stderr}`)));
    setTimeout(
      () => reject(new Error(`quire serve (${command}) did not start: ${stderr}`)),
      60_000,
    );
  });
  return { child, base: listening };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  child.kill("SIGTERM");
  return closed;
}

/** GET a document: its body and ETag. */
async function read(base: string, id: string): Promise<{ doc: { n: number }; etag: string }> {
  const response = await fetch(new URL(`v1/collections/counters/docs/${id}`, base));
  assert.equal(response.status, 200, await response.clone().text());
  return { doc: await response.json() as { n: number }, etag: response.headers.get("ETag")! };
}

/** PUT a document if its rev is still `etag`: the status. */
async function write(base: string, id: string, doc: unknown, etag: string): Promise<number> {
  const response = await fetch(new URL(`v1/collections/counters/docs/${id}`, base), {
    method: "PUT",
    headers: { "Content-Type": "application/json", "If-Match": etag },
    body: JSON.stringify(doc),
  });
  await response.body?.cancel();
  return response.status;
}

describe(`Postgres: several processes on one database (${runtime})`, {
  skip: unavailable ?? false,
}, () => {
  const url = `${server?.url}?schema=multi_${runtime}`;
  const children: ChildProcess[] = [];
  after(async () => {
    for (const child of children) await stop(child);
    await server?.stop();
  });

  test(
    "HTTP on Bun and Deno and the Store API beside them: nothing lost, conflicts surfaced, a conserved total",
    {
      timeout: 180_000,
    },
    async () => {
      {
        await using store = await open(url);
        await store.collection("counters").put("c", { n: 0 });
        await store.collection("accounts").putMany(
          Array.from({ length: 8 }, (_, i) => [`a${i}`, { balance: 100 }] as const),
        );
      }
      const servers = [await serveOn("bun", url), await serveOn("deno", url)];
      children.push(...servers.map((s) => s.child));
      const bases = servers.map((s) => s.base);

      // Two writes conditional on the same rev, through the two processes: one wins.
      const stale = await read(bases[0]!, "c");
      const statuses = await Promise.all(
        bases.map((base, i) => write(base, "c", { n: stale.doc.n, by: i }, stale.etag)),
      );
      assert.deepEqual([...statuses].sort(), [200, 412]);

      // Increments through both processes at once, re-read and retried on 412.
      let acknowledged = 0;
      let conflicts = 0;
      const client = async (k: number) => {
        for (let i = 0; i < INCREMENTS; i++) {
          const base = bases[(k + i) % bases.length]!;
          for (let tries = 0;; tries++) {
            assert.ok(tries < MAX_TRIES, "an increment kept conflicting");
            const { doc, etag } = await read(base, "c");
            const status = await write(base, "c", { n: doc.n + 1 }, etag);
            if (status === 200) break;
            assert.equal(status, 412);
            conflicts++;
          }
          acknowledged++;
          // Written through one process, read back through the other.
          const id = `w${k}-${i}`;
          const created = await fetch(new URL(`v1/collections/counters/docs/${id}`, base), {
            method: "PUT",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ n: i }),
          });
          await created.body?.cancel();
          assert.equal(created.status, 201);
          const other = bases[(k + i + 1) % bases.length]!;
          assert.deepEqual((await read(other, id)).doc, { n: i });
        }
      };

      // Transfers in transactions on two stores (two pools) in this process, side by side.
      const stores: Store[] = [await open(url), await open(url)];
      const transfer = async (store: Store, seed: number) => {
        const accounts = store.collection<{ balance: number }>("accounts");
        for (let i = 0; i < TRANSFERS; i++) {
          const from = `a${(seed + i) % 8}`;
          const to = `a${(seed + 3 * i + 1) % 8}`;
          if (from === to) continue;
          for (let tries = 0;; tries++) {
            assert.ok(tries < MAX_TRIES, "a transfer kept conflicting");
            try {
              await store.transaction(async () => {
                const a = await accounts.entry(from);
                const b = await accounts.entry(to);
                const amount = Math.min(a!.doc.balance, 1 + (i % 7));
                await accounts.put(from, { balance: a!.doc.balance - amount }, { ifRev: a!.rev });
                await accounts.put(to, { balance: b!.doc.balance + amount }, { ifRev: b!.rev });
              });
              break;
            } catch (error) {
              // A deadlock between two transfers (Postgres aborts one) is BUSY: retried as well.
              if (!(error instanceof QuireError && ["CONFLICT", "BUSY"].includes(error.code))) {
                throw error;
              }
            }
          }
        }
      };

      await Promise.all([
        ...Array.from({ length: CLIENTS }, (_, k) => client(k)),
        transfer(stores[0]!, 0),
        transfer(stores[1]!, 5),
      ]);

      const counter = await read(bases[1]!, "c");
      assert.equal(counter.doc.n, acknowledged, `${conflicts} conflicts were retried`);
      assert.equal(acknowledged, INCREMENTS * CLIENTS);
      const accounts = stores[0]!.collection<{ balance: number }>("accounts");
      let total = 0;
      for (let i = 0; i < 8; i++) {
        const balance = (await accounts.get(`a${i}`))!.balance;
        assert.ok(balance >= 0, `a${i} went negative: ${balance}`);
        total += balance;
      }
      assert.equal(total, 800);
      for (const store of stores) await store.close();
    },
  );
});
