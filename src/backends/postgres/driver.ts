/**
 * The Postgres driver surface the Postgres backend is written against: a pool that runs
 * parameterised statements, and transactions on one reserved connection. Two implementations
 * sit behind it: Bun's built-in `Bun.SQL` (driver_bun.ts) and postgres.js, the `postgres` npm
 * package (driver_postgresjs.ts), which runs on Bun, Deno and Node. {@linkcode openPgDriver}
 * picks `Bun.SQL` on Bun and postgres.js elsewhere; `driver` forces either. Both are imported
 * statically (a computed `import()` breaks bundlers, `bun build --compile` and `deno compile`);
 * `Bun.SQL` is reached through `globalThis.Bun` only when a Bun driver opens.
 *
 * What the drivers make identical (each pinned by tests/pg_driver_test.ts):
 * - statements are text with `$1`, `$2`... placeholders and an array of values: strings,
 *   numbers, booleans, `null` and bigints. Text containing NUL is refused (Postgres stores no
 *   NUL in text) and so is `undefined`, before anything is sent;
 * - JSON goes in as text: write `$1::text::jsonb` and pass `JSON.stringify(doc)`. (With a bare
 *   `$1::jsonb`, both drivers would encode a string parameter as a JSON string.) A `json` or
 *   `jsonb` column comes back parsed (by `JSON.parse`, so an integer beyond ±2^53−1 loses
 *   precision: select `data::text` to read the exact text);
 * - `int8` (such as `count(*)`) and `numeric` come back as strings, `int2`/`int4`/`float8` as
 *   numbers, `bool` as booleans, `NULL` as `null`;
 * - named prepared statements are used by default (`prepare: false` turns them off);
 * - every error is a QuireError whose code says what happened (CONFLICT for a unique
 *   violation, BUSY for a serialization failure or a deadlock, ...), mapped from the server's
 *   SQLSTATE (pg_error.ts, where {@linkcode sqlState} reads it back), with the driver's own
 *   error as `cause`; after {@linkcode PgDriver.close} every call is refused with `CLOSED`;
 * - a transaction in which a statement failed rolls back and rejects with that statement's
 *   error, even when `fn` caught it and resolved (Postgres aborts the transaction at the first
 *   failed statement and answers COMMIT with a silent ROLLBACK);
 * - jsonb cannot hold the character U+0000 (`\u0000`): such a document fails with SQLSTATE
 *   22P05 (STORAGE).
 *
 * @module
 */

import { QuireError } from "../../errors.ts";
import { RUNTIME } from "../../runtime.ts";
import { openBunDriver } from "./driver_bun.ts";
import type { PgDriver } from "./driver_shared.ts";
import { openPostgresJsDriver } from "./driver_postgresjs.ts";
import { pgConfig, type PgDriverName, type PgDriverOptions } from "./pg_config.ts";

export type { PgConfig, PgDriverName, PgDriverOptions, SslMode } from "./pg_config.ts";
export { sqlState } from "./pg_error.ts";
export type {
  PgDriver,
  PgParam,
  PgQueryable,
  PgRow,
  PgTransactionOptions,
} from "./driver_shared.ts";

/**
 * Opens a pool (no connection is made until the first statement).
 *
 * @param url A `postgres://` or `postgresql://` URL (see pg_config.ts for its parameters).
 * @param options Options that take priority over the URL, and the driver to use.
 */
export function openPgDriver(url: string, options: PgDriverOptions = {}): PgDriver {
  const config = pgConfig(url, options);
  const name = options.driver ?? defaultPgDriver();
  if (name === "bun") return openBunDriver(config);
  if (name === "postgres.js") return openPostgresJsDriver(config);
  throw new QuireError(
    "INVALID_OPTION",
    `Invalid driver ${JSON.stringify(String(name))}: expected "bun" or "postgres.js"`,
  );
}

/** The driver {@linkcode openPgDriver} picks on this runtime. */
export function defaultPgDriver(): PgDriverName {
  return RUNTIME === "bun" ? "bun" : "postgres.js";
}
