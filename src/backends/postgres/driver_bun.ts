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
import type { PgConfig } from "./pg_config.ts";
import { toQuireError } from "./pg_error.ts";

/** What `sql.unsafe()` resolves to: the rows, and `count` (rows affected or returned). */
type BunResult = unknown[] & { count?: number | null };

/** The part of a `Bun.SQL` client (the pool, or a transaction's) that quire uses. */
interface BunSqlClient {
  unsafe(text: string, values?: unknown[]): PromiseLike<BunResult>;
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
  return new BunDriver(client);
}

/** An IPv6 address goes in brackets in a URL. */
function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function queryable(
  client: BunSqlClient,
  guard: () => void,
  failed?: (error: QuireError) => void,
): PgQueryable {
  return {
    async query<T>(text: string, params?: readonly PgParam[]): Promise<T[]> {
      return (await run(client, text, params, guard, failed)) as T[];
    },
    async execute(text: string, params?: readonly PgParam[]): Promise<number> {
      const result = await run(client, text, params, guard, failed);
      return result.count ?? result.length;
    },
  };
}

async function run(
  client: BunSqlClient,
  text: string,
  params: readonly PgParam[] | undefined,
  guard: () => void,
  failed: ((error: QuireError) => void) | undefined,
): Promise<BunResult> {
  guard();
  const values = checkParams(params);
  try {
    return await client.unsafe(text, values);
  } catch (error) {
    const wrapped = toQuireError(error, "Postgres statement failed");
    failed?.(wrapped);
    throw wrapped;
  }
}

class BunDriver implements PgDriver {
  readonly name = "bun" as const;
  #client: BunSqlClient;
  #open = true;
  #pool: PgQueryable;

  constructor(client: BunSqlClient) {
    this.#client = client;
    this.#pool = queryable(client, () => {
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
      return await this.#client.begin(begin, async (tx) => {
        try {
          let failure: QuireError | undefined;
          const result = await fn(queryable(tx, () => {
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
      });
    } catch (error) {
      if (thrown !== undefined && error === thrown.error) throw error;
      throw toQuireError(error, "Postgres transaction failed");
    }
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    await this.#client.close({ timeout: Math.ceil((options.timeoutMs ?? 5000) / 1000) });
  }
}
