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
import type { QuireError } from "../../errors.ts";
import {
  beginOptions,
  checkParams,
  closedError,
  type PgDriver,
  type PgParam,
  type PgQueryable,
  type PgTransactionOptions,
  transactionEndedError,
} from "./driver_shared.ts";
import type { PgConfig, SslMode } from "./pg_config.ts";
import { toQuireError } from "./pg_error.ts";

/** The part of a postgres.js client (the pool, or a transaction's) that quire uses. */
interface Client {
  unsafe(
    text: string,
    values: never[],
    options: { prepare: boolean },
  ): PromiseLike<unknown[] & { count?: number | null }>;
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
  return new PostgresJsDriver(sql, config.prepare);
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

function queryable(
  client: Client,
  prepare: boolean,
  guard: () => void,
  failed?: (error: QuireError) => void,
): PgQueryable {
  const run = async (text: string, params: readonly PgParam[] | undefined) => {
    guard();
    // postgres.js sends a value as `'' + value` unless the server's type has a serializer
    // (jsonb's would JSON-encode a string: see driver.ts); bigints go as their decimal text.
    const values = checkParams(params).map((v) => typeof v === "bigint" ? v.toString() : v);
    try {
      return await client.unsafe(text, values as never[], { prepare });
    } catch (error) {
      const wrapped = toQuireError(error, "Postgres statement failed");
      failed?.(wrapped);
      throw wrapped;
    }
  };
  return {
    async query<T>(text: string, params?: readonly PgParam[]): Promise<T[]> {
      return (await run(text, params)) as unknown as T[];
    },
    async execute(text: string, params?: readonly PgParam[]): Promise<number> {
      const result = await run(text, params);
      return result.count ?? result.length;
    },
  };
}

class PostgresJsDriver implements PgDriver {
  readonly name = "postgres.js" as const;
  #sql: postgres.Sql;
  #prepare: boolean;
  #open = true;
  #pool: PgQueryable;

  constructor(sql: postgres.Sql, prepare: boolean) {
    this.#sql = sql;
    this.#prepare = prepare;
    this.#pool = queryable(sql as unknown as Client, prepare, () => {
      if (!this.#open) throw closedError();
    });
  }

  query<T = Record<string, unknown>>(text: string, params?: readonly PgParam[]): Promise<T[]> {
    return this.#pool.query<T>(text, params);
  }

  execute(text: string, params?: readonly PgParam[]): Promise<number> {
    return this.#pool.execute(text, params);
  }

  async transaction<T>(
    fn: (tx: PgQueryable) => Promise<T>,
    options?: PgTransactionOptions,
  ): Promise<T> {
    if (!this.#open) throw closedError();
    const begin = beginOptions(options);
    let settled = false;
    // What `fn` threw passes through as it is (a QuireError already, or the caller's own).
    let thrown: { error: unknown } | undefined;
    try {
      return await this.#sql.begin(begin, async (tx) => {
        try {
          let failure: QuireError | undefined;
          const result = await fn(queryable(tx as unknown as Client, this.#prepare, () => {
            if (!this.#open) throw closedError();
            if (settled) throw transactionEndedError();
          }, (error) => failure ??= error));
          // A failed statement aborted the transaction: the server would turn COMMIT into a
          // ROLLBACK without an error, so fail the transaction even when fn caught it.
          if (failure !== undefined) throw failure;
          return result;
        } catch (error) {
          thrown = { error };
          throw error;
        } finally {
          settled = true;
        }
      }) as T;
    } catch (error) {
      if (thrown !== undefined && error === thrown.error) throw error;
      throw toQuireError(error, "Postgres transaction failed");
    }
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    await this.#sql.end({ timeout: (options.timeoutMs ?? 5000) / 1000 });
  }
}
