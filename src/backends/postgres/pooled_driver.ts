/**
 * The driver interface (driver.ts documents it) over a client library's three calls: a
 * statement, a transaction, closing. Both drivers are this class with their library's calls
 * (driver_bun.ts: Bun.SQL; driver_postgresjs.ts: postgres.js), so that what they must do alike
 * (the checks before a statement, errors as QuireErrors, a transaction that fails when one of
 * its statements failed, handles refused once their transaction ended) is written once.
 *
 * @module
 */

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
import type { PgDriverName } from "./pg_config.ts";
import { toQuireError } from "./pg_error.ts";

/** What a statement resolves to: the rows, and `count` (rows affected) when the library says. */
export type PgResult = unknown[] & { count?: number | null };

/** A client library's calls, on its client type `C` (the pool, or a transaction's). */
export interface PgClientLibrary<C> {
  readonly name: PgDriverName;
  /** Runs a statement with its values (already checked). */
  run(client: C, text: string, values: PgParam[]): PromiseLike<PgResult>;
  /** Runs `fn` in a transaction begun with `options` (`BEGIN <options>`) on one connection. */
  begin<T>(client: C, options: string, fn: (tx: C) => Promise<T>): Promise<T>;
  /** Closes every connection, waiting up to `timeoutMs` for running statements. */
  end(client: C, timeoutMs: number): Promise<void>;
}

/** A pool: the driver interface over `library` and its pool client. */
export class PooledDriver<C> implements PgDriver {
  readonly name: PgDriverName;
  #library: PgClientLibrary<C>;
  #client: C;
  #open = true;
  #pool: PgQueryable;

  constructor(library: PgClientLibrary<C>, client: C) {
    this.name = library.name;
    this.#library = library;
    this.#client = client;
    this.#pool = this.#queryable(client, () => {
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
      return await this.#library.begin(this.#client, begin, async (tx) => {
        try {
          let failure: QuireError | undefined;
          const result = await fn(this.#queryable(tx, () => {
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
    await this.#library.end(this.#client, options.timeoutMs ?? 5000);
  }

  /** Statements on `client`, after `guard()`; a failure is a QuireError, told to `failed`. */
  #queryable(client: C, guard: () => void, failed?: (error: QuireError) => void): PgQueryable {
    const run = async (text: string, params: readonly PgParam[] | undefined) => {
      guard();
      const values = checkParams(params);
      try {
        return await this.#library.run(client, text, values);
      } catch (error) {
        const wrapped = toQuireError(error, "Postgres statement failed");
        failed?.(wrapped);
        throw wrapped;
      }
    };
    return {
      async query<T>(text: string, params?: readonly PgParam[]): Promise<T[]> {
        return (await run(text, params)) as T[];
      },
      async execute(text: string, params?: readonly PgParam[]): Promise<number> {
        const result = await run(text, params);
        return result.count ?? result.length;
      },
    };
  }
}
