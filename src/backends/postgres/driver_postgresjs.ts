/**
 * postgres.js (the `postgres` npm package) behind the driver interface (driver.ts documents
 * it): the driver on Deno and Node, and on Bun when asked for. Imported statically; it makes no
 * connection until the first statement.
 *
 * Statements run through `sql.unsafe(text, values, { prepare })`: the text is quire's own, with
 * `$n` placeholders, and every value is bound. Server notices are dropped (postgres.js would
 * print them to the console).
 *
 * @module
 */

import postgres from "postgres";
import type { PgDriver } from "./driver_shared.ts";
import type { PgConfig, SslMode } from "./pg_config.ts";
import { type PgClientLibrary, type PgResult, PooledDriver } from "./pooled_driver.ts";

/** The part of a postgres.js client (the pool, or a transaction's) that quire uses. */
interface Client {
  unsafe(
    text: string,
    values: never[],
    options: { prepare: boolean },
  ): PromiseLike<PgResult>;
}

/** Opens a postgres.js pool for `config`. */
export function openPostgresJsDriver(config: PgConfig): PgDriver {
  // Every setting is given explicitly, so that postgres.js reads none from the PG* variables.
  const sql = postgres({
    host: config.host,
    port: config.port,
    ...(config.socketPath === undefined ? {} : { path: config.socketPath }),
    user: config.user,
    password: config.password ?? "",
    database: config.database,
    ssl: sslOption(config.sslmode),
    max: config.poolSize,
    connect_timeout: config.connectTimeoutMs / 1000,
    idle_timeout: config.idleTimeoutMs / 1000,
    prepare: config.prepare,
    connection: { application_name: config.applicationName },
    onnotice: () => {},
  });
  return new PooledDriver(postgresJs(config.prepare), sql as unknown as Client);
}

/**
 * postgres.js's `ssl` for an sslmode: `"prefer"` and `"require"` encrypt without checking the
 * certificate (as libpq); `"verify-full"` checks it and the host name; `"verify-ca"` the
 * certificate only.
 */
function sslOption(mode: SslMode): false | "prefer" | "require" | "verify-full" | {
  rejectUnauthorized: true;
  checkServerIdentity: () => undefined;
} {
  switch (mode) {
    case "disable":
      return false;
    case "prefer":
    case "require":
    case "verify-full":
      return mode;
    case "verify-ca":
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
  }
}

/** postgres.js's calls; `prepare` as configured. */
function postgresJs(prepare: boolean): PgClientLibrary<Client> {
  return {
    name: "postgres.js",
    // postgres.js sends a value as `'' + value` unless the server's type has a serializer
    // (jsonb's would JSON-encode a string: see driver.ts); bigints go as their decimal text.
    run: (client, text, values) =>
      client.unsafe(
        text,
        values.map((v) => typeof v === "bigint" ? v.toString() : v) as never[],
        { prepare },
      ),
    begin: async (client, options, fn) =>
      await (client as unknown as postgres.Sql).begin(
        options,
        (tx) => fn(tx as unknown as Client),
      ) as Awaited<ReturnType<typeof fn>>,
    end: (client, timeoutMs) =>
      (client as unknown as postgres.Sql).end({ timeout: timeoutMs / 1000 }),
  };
}
