/**
 * Bun's built-in Postgres client, `Bun.SQL`, behind the driver interface (driver.ts documents
 * it). Reached through `globalThis.Bun` when a driver opens, so this file loads on Deno and Node
 * too (and costs nothing there); its shape is declared here so that the Deno and Node type
 * checks need no Bun types.
 *
 * Statements run through `sql.unsafe(text, values)`: the text is quire's own, with `$n`
 * placeholders, and every value is bound; Bun prepares each distinct text once per connection
 * (`prepare: true`).
 *
 * @module
 */

import { QuireError } from "../../errors.ts";
import type { PgDriver } from "./driver_shared.ts";
import type { PgConfig } from "./pg_config.ts";
import { type PgClientLibrary, type PgResult, PooledDriver } from "./pooled_driver.ts";

/** The part of a `Bun.SQL` client (the pool, or a transaction's) that quire uses. */
interface BunSqlClient {
  unsafe(text: string, values?: unknown[]): PromiseLike<PgResult>;
  begin<T>(options: string, fn: (tx: BunSqlClient) => Promise<T>): Promise<T>;
  close(options?: { timeout?: number }): Promise<void>;
}
type BunSqlClass = new (options: Record<string, unknown>) => BunSqlClient;

/** `Bun.SQL`, or `undefined` on another runtime. */
function bunSql(): BunSqlClass | undefined {
  return (globalThis as { Bun?: { SQL?: BunSqlClass } }).Bun?.SQL;
}

/** Opens a `Bun.SQL` pool for `config`. */
export function openBunDriver(config: PgConfig): PgDriver {
  const SQL = bunSql();
  if (SQL === undefined) {
    throw new QuireError("UNSUPPORTED", "Cannot use the Bun.SQL Postgres driver: this is not Bun");
  }
  // Everything is given explicitly, including a URL without credentials: without a URL, Bun
  // would start from DATABASE_URL and the PG* variables.
  const client = new SQL({
    adapter: "postgres",
    url: `postgres://${
      config.socketPath === undefined ? hostForUrl(config.host) : "localhost"
    }:${config.port}/`,
    hostname: config.host,
    port: config.port,
    ...(config.socketPath === undefined ? {} : { path: config.socketPath }),
    username: config.user,
    password: config.password ?? "",
    database: config.database,
    tls: config.sslmode,
    max: config.poolSize,
    connectionTimeout: Math.ceil(config.connectTimeoutMs / 1000),
    idleTimeout: Math.ceil(config.idleTimeoutMs / 1000),
    prepare: config.prepare,
    bigint: false,
    connection: { application_name: config.applicationName },
  });
  return new PooledDriver(BUN_SQL, client);
}

/** An IPv6 address goes in brackets in a URL. */
function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** Bun.SQL's calls. */
const BUN_SQL: PgClientLibrary<BunSqlClient> = {
  name: "bun",
  run: (client, text, values) => client.unsafe(text, values),
  begin: (client, options, fn) => client.begin(options, fn),
  end: (client, timeoutMs) => client.close({ timeout: Math.ceil(timeoutMs / 1000) }),
};
