/**
 * quire/http on a real server (`serve()`: Bun.serve on Bun, Deno.serve on Deno, node:http on
 * Node) on a loopback port, through `fetch`: a graceful shutdown with a write in flight, a client
 * that goes away in the middle of an export, the per-request log, and the options serve()
 * refuses.
 *
 * @module
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { open, type Store } from "../mod.ts";
import { createApp, isLoopback, serve } from "../http.ts";
import { rejectsWith, tempDir } from "./helpers.ts";

/** A store whose `export()` counts the records it has handed out. */
function countingExports(store: Store): { store: Store; read: () => number } {
  let read = 0;
  const proxy = new Proxy(store, {
    get(target, key) {
      if (key === "export") {
        return async function* (...args: Parameters<Store["export"]>) {
          for await (const record of target.export(...args)) {
            read++;
            yield record;
          }
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: proxy, read: () => read };
}

/** Waits until `done()` holds, checking every 20 ms for at most `ms`. */
async function until(done: () => boolean, ms = 10_000): Promise<boolean> {
  for (let waited = 0; waited < ms && !done(); waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return done();
}

describe("http: a real server on 127.0.0.1", () => {
  test("shutdown lets a write in flight finish, refuses new connections, loses nothing", async () => {
    const { dir, remove } = tempDir();
    const url = `sqlite://${dir}/served.db`;
    try {
      const store = await open(url);
      const app = createApp(store);
      // Holds the PUT until the shutdown has begun.
      const arrived = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      const server = await serve(async (request) => {
        if (request.method === "PUT") {
          arrived.resolve();
          await release.promise;
        }
        return app.fetch(request);
      }, { port: 0, log: false });
      assert.equal(server.url.hostname, "127.0.0.1");

      const put = fetch(new URL("v1/collections/notes/docs/n1", server.url), {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: "written while stopping" }),
      });
      await arrived.promise;
      const stopped = server.shutdown();
      assert.equal(server.shutdown(), stopped, "a second shutdown() is the same one");
      let done = false;
      stopped.then(() => done = true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(done, false, "shutdown waits for the request in flight");
      release.resolve();

      const response = await put;
      assert.equal(response.status, 201);
      assert.equal((await response.json()).rev, 1);
      await stopped;
      await assert.rejects(fetch(new URL("healthz", server.url)), "no new connections");
      await store.close();

      await using reopened = await open(url);
      assert.deepEqual(await reopened.collection("notes").get("n1"), {
        text: "written while stopping",
      });
    } finally {
      remove();
    }
  });

  test("a client that disconnects mid-export stops the reading of the store", async () => {
    const { dir, remove } = tempDir();
    try {
      await using store = await open(`sqlite://${dir}/export.db`);
      const notes = store.collection("notes");
      const text = "x".repeat(4000);
      const total = 5000; // about 20 MB of NDJSON: far more than the socket buffers hold
      const docs: [string, { n: number; text: string }][] = [];
      for (let n = 0; n < total; n++) docs.push([`n${String(n).padStart(5, "0")}`, { n, text }]);
      await notes.putMany(docs);

      const counted = countingExports(store);
      const server = await serve(createApp(counted.store).fetch, { port: 0, log: false });
      try {
        const abort = new AbortController();
        const response = await fetch(new URL("v1/export", server.url), { signal: abort.signal });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get("Content-Type"), "application/x-ndjson");
        const reader = response.body!.getReader();
        const first = await reader.read();
        assert.match(new TextDecoder().decode(first.value), /^\{"format":"quire-export"/);
        abort.abort();
        await reader.cancel().catch(() => {});

        // The reading stops well short of the end and stays stopped.
        let last = -1;
        const settled = await until(() => {
          const now = counted.read();
          const same = now === last;
          last = now;
          return same;
        });
        assert.ok(settled);
        assert.ok(counted.read() < total, `read ${counted.read()} of ${total} records`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(counted.read(), last, "no more records are read after the disconnect");

        // The server still answers, and a whole export still works.
        const whole = await (await fetch(new URL("v1/export", server.url))).text();
        assert.equal(whole.trimEnd().split("\n").length, total + 1);
      } finally {
        await server.shutdown();
      }
    } finally {
      remove();
    }
  });

  test("one log line per request: method, path, parameter names without values, status, ms", async () => {
    await using store = await open("sqlite::memory:");
    const lines: string[] = [];
    const server = await serve(createApp(store, { token: "s3cret" }).fetch, {
      port: 0,
      log: (line) => lines.push(line),
    });
    try {
      const secret = "private words";
      const search = new URL(
        `v1/collections/notes/search?q=${encodeURIComponent(secret)}&facet=a&facet=b`,
        server.url,
      );
      const refused = await fetch(search);
      assert.equal(refused.status, 401);
      await refused.body?.cancel();
      const health = await fetch(new URL("healthz", server.url));
      assert.equal(health.status, 200);
      await health.body?.cancel();
      assert.ok(await until(() => lines.length === 2));
      assert.match(lines[0], /^GET \/v1\/collections\/notes\/search\?q&facet 401 \d+\.\dms$/);
      assert.match(lines[1], /^GET \/healthz 200 \d+\.\dms$/);
      assert.ok(lines.every((line) => !line.includes("private") && !line.includes("s3cret")));
    } finally {
      await server.shutdown();
    }
  });

  test("serve() refuses a bad port; isLoopback knows the loopback names", async () => {
    const handler = () => new Response("never");
    for (const port of [-1, 65536, 1.5, Number.NaN]) {
      await rejectsWith(serve(handler, { port, log: false }), "INVALID_OPTION");
    }
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "LOCALHOST"]) {
      assert.equal(isLoopback(host), true, host);
    }
    for (const host of ["0.0.0.0", "::", "192.168.1.2", "example.com", "127.0.0.1.nip.io"]) {
      assert.equal(isLoopback(host), false, host);
    }
  });

  test("a port in use is an error, and the first server keeps serving", async () => {
    await using store = await open("sqlite::memory:");
    const app = createApp(store);
    const first = await serve(app.fetch, { port: 0, log: false });
    try {
      await assert.rejects(serve(app.fetch, { port: first.port, log: false }));
      const response = await fetch(new URL("healthz", first.url));
      assert.equal(response.status, 200);
      await response.body?.cancel();
    } finally {
      await first.shutdown();
    }
  });
});
