/**
 * LokiJS (an in-memory document database) and mingo (MongoDB's query language over plain
 * arrays), as the peer subjects bench/suite/subjects/lokijs.ts and mingo.ts use them. Both are
 * npm packages without types of their own that Deno's check can use, so the parts used there are
 * declared below.
 *
 * @module
 */

import lokiModule from "lokijs";
import * as mingoModule from "mingo";

/** A LokiJS result set (the chain returned by `collection.chain()`). */
export interface LokiResultset<T> {
  find(query: object): LokiResultset<T>;
  limit(count: number): LokiResultset<T>;
  data(): T[];
}

/** A LokiJS collection. */
export interface LokiCollection<T> {
  insert(docs: T[]): unknown;
  insert(doc: T): unknown;
  update(doc: T): unknown;
  /** The document whose `field` (with a unique index) is `value`. */
  by(field: string, value: unknown): T | undefined;
  find(query?: object): T[];
  count(query?: object): number;
  chain(): LokiResultset<T>;
}

/** A LokiJS database. */
export interface LokiDatabase {
  addCollection<T>(name: string, options?: object): LokiCollection<T>;
  getCollection<T>(name: string): LokiCollection<T> | null;
  loadDatabase(options: object, callback: (error?: unknown) => void): void;
  saveDatabase(callback: (error?: unknown) => void): void;
  close(callback?: (error?: unknown) => void): void;
}

/** The LokiJS class with the adapter used. */
export type LokiClass = (new (name: string, options: object) => LokiDatabase) & {
  LokiFsAdapter: new () => object;
};

/** LokiJS's `Loki` class. */
export const Loki = lokiModule as unknown as LokiClass;

/** A compiled mingo query. */
export interface MingoQuery<T> {
  test(doc: T): boolean;
  find(docs: readonly T[]): MingoCursor<T>;
}

/** A mingo cursor. */
export interface MingoCursor<T> {
  limit(count: number): MingoCursor<T>;
  all(): T[];
}

type MingoQueryClass = new <T>(criteria: object) => MingoQuery<T>;

/** mingo's `Query` class. */
export const MingoQuery = (mingoModule as unknown as { Query: MingoQueryClass }).Query;
