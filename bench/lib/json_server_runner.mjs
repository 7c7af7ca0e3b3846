// json-server (npm, 0.17) serving a JSON database file for bench/http.bench.ts: the peer for
// CRUD. It runs on Node, as json-server does.
//
// Usage: node bench/lib/json_server_runner.mjs <db.json> [--file]
//
// By default the file is read once and served from memory (json-server's router given an
// object: lowdb's Memory adapter, nothing written back). With --file, json-server is given the
// path, as its CLI does (`json-server db.json`): lowdb's FileSync adapter then rewrites the whole
// file after every write.
//
// Listens on 127.0.0.1 and a free port, prints `{"port":N}` once listening, and exits when its
// standard input closes (the benchmark ended, or died).
import { readFileSync } from "node:fs";
import process from "node:process";
import jsonServer from "json-server";

const [file, mode] = process.argv.slice(2);
const app = jsonServer.create();
app.use(jsonServer.defaults({ logger: false }));
app.use(jsonServer.router(mode === "--file" ? file : JSON.parse(readFileSync(file, "utf8"))));
const server = app.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
