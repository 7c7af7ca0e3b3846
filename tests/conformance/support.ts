/**
 * What the backend conformance groups share: the factory a backend's test file passes to
 * {@linkcode backendConformance} (suite.ts), the context each group registers its cases with,
 * and small helpers that build requests for the contract (src/backend/contract.ts).
 *
 * The suite talks to a backend only through the contract and the dialect-free modules
 * (src/query/, src/search/, src/collection_options.ts): nothing here knows how an engine works.
 *
 * Contract methods answer with a value or a promise (`Awaitable`) and may throw at once, so
 * every call goes through {@linkcode call}, which turns both forms into a promise.
 *
 * @module
 */

import { accessSync, constants, mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { Awaitable, Backend } from "../../src/backend/contract.ts";
import type { Meta, PutRequest, RestoreRequest, SearchRequest } from "../../src/backend/types.ts";
import { type NormalizedOptions, normalizeOptions } from "../../src/collection_options.ts";
import type { Field, Filter } from "../../src/query/ast.ts";
import { MATCH_ALL } from "../../src/query/ast.ts";
import { compileSearch } from "../../src/search/compile_search.ts";
import type { SearchOptions } from "../../src/search/search_options.ts";
import { tempDir } from "../helpers.ts";

/** How the suite opens a backend under test. */
export interface BackendFactory {
  /** Opens a backend on a new, empty place for data (each call a new one). */
  open(): Promise<Backend>;
  /**
   * Opens the data of the latest `open()` again, after that backend was closed. Absent for a
   * backend that keeps nothing once closed (memory, SQLite `:memory:`).
   */
  reopen?(): Promise<Backend>;
  /**
   * Opens what the backend's `backup` capability wrote to `path`. Absent when the backend has no
   * backup capability (or its copies are opened some other way: those cases then skip).
   */
  openBackup?(path: string): Promise<Backend>;
  /** Removes every place for data the factory made; called once, after the last case. */
  cleanup(): void | Promise<void>;
  /** Cases this backend does not run (by their names), each with its reason. */
  skip?: { reason: string; tests: string[] }[];
}

/** The optional capabilities, as the suite found them on a freshly opened backend. */
export interface Capabilities {
  find: boolean;
  search: boolean;
  explain: boolean;
  stats: boolean;
  backup: boolean;
  check: boolean;
}

/** Options of one case. */
export interface CaseOptions {
  /** Why the case is skipped, or false to run it. */
  skip?: string | false;
  /** A known bug (in src/) that makes the case fail: it still runs, reported as todo. */
  todo?: string;
}

/** What a group file gets: the backend's name and factory, and a way to register cases. */
export interface SuiteContext {
  /** The backend's name, as its test file gave it. */
  name: string;
  factory: BackendFactory;
  capabilities: Capabilities;
  /** Registers a case that runs on a freshly opened, empty backend, closed afterwards. */
  it(name: string, fn: (backend: Backend) => Promise<void>, options?: CaseOptions): void;
  /** Registers a case that opens what it needs itself. */
  test(name: string, options: CaseOptions, fn: () => Promise<void>): void;
  /** A path in a temporary directory of the suite's that does not exist yet. */
  freshPath(name: string): string;
}

/** Prints why cases skip (not every reporter shows skip reasons) and returns the reason. */
export function skipping(what: string, reason: string): string {
  console.log(`backend conformance: skipping ${what}: ${reason}`);
  return reason;
}

/**
 * The reason a group of cases skips when the backend lacks `capability`, printed once, or false
 * when the backend has it.
 */
export function skipWithout(
  context: SuiteContext,
  capability: keyof Capabilities,
): string | false {
  if (context.capabilities[capability]) return false;
  return skipping(
    `the ${capability} cases`,
    `the ${context.name} backend has no ${capability} capability`,
  );
}

/**
 * How long one case may take: each takes milliseconds, so this only turns a backend that hangs
 * (a transaction waiting for a call that waits for it) into a failure instead of a stalled run.
 */
const CASE_TIMEOUT_MS = 30_000;

/** Registers a case (a thin wrapper, so that every group skips and marks todos one way). */
export function registerCase(
  name: string,
  options: CaseOptions,
  fn: () => Promise<void>,
): void {
  if (options.skip) test(name, { skip: options.skip }, () => {});
  else if (options.todo !== undefined) {
    test(name, { todo: options.todo, timeout: CASE_TIMEOUT_MS }, () => knownBug(name, fn));
  } else test(name, { timeout: CASE_TIMEOUT_MS }, fn);
}

/**
 * Runs a todo case and says how it went, without failing: Node runs todo cases (Bun and Deno
 * do not), and while Node itself counts a failing todo as a todo, its JUnit report also marks
 * it failed, which the test runner (scripts/lib/junit.mjs) counts as a failure.
 */
async function knownBug(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    console.log(`backend conformance: todo "${name}" still fails: ${error}`);
    return;
  }
  console.log(`backend conformance: todo "${name}" passes now: drop its todo`);
}

/**
 * A fresh temporary directory and a function that removes it: in /dev/shm where there is one,
 * else where `tempDir` (tests/helpers.ts) makes them. Every case opens a new backend, and on a
 * disk that other work keeps busy the file and SQLite engines' fsyncs made this suite five times
 * slower (19 s against 3.5 s for Bun); on tmpfs the engines run the same code, and what this
 * suite checks does not depend on the syncs (the crash tests check those).
 */
export function scratchDir(prefix: string): { dir: string; remove: () => void } {
  const base = "/dev/shm";
  try {
    accessSync(base, constants.W_OK);
    if (!statSync(base).isDirectory()) return tempDir(prefix);
  } catch {
    return tempDir(prefix);
  }
  const dir = mkdtempSync(join(base, prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs one contract call, whether it returns a value, a promise, or throws at once. */
export async function call<T>(fn: () => Awaitable<T>): Promise<T> {
  return await fn();
}

/** Waits `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Write times, ISO-8601 UTC with milliseconds, each later than the one before. */
export const T1 = "2026-01-02T03:04:05.001Z";
export const T2 = "2026-01-02T03:04:05.002Z";
export const T3 = "2026-01-02T03:04:05.003Z";
export const T4 = "2026-01-02T03:04:05.004Z";

/** A put of `doc` (as the Store sends it: the JSON text) at time `now`. */
export function putOf(
  id: string,
  doc: Record<string, unknown>,
  now: string = T1,
  ifRev?: number,
): PutRequest {
  const request: PutRequest = { id, data: JSON.stringify(doc), now };
  if (ifRev !== undefined) request.ifRev = ifRev;
  return request;
}

/** A restore of `doc` with the metadata it carries. */
export function restoreOf(
  id: string,
  doc: Record<string, unknown>,
  meta: { rev: number; createdAt: string; updatedAt: string },
): RestoreRequest {
  return { id, ...meta, data: JSON.stringify(doc) };
}

/** Collection options in the canonical form the catalog keeps (as the Store passes them). */
export function options(input?: Record<string, unknown>): NormalizedOptions {
  return normalizeOptions(input);
}

/** Creates `name` with `input` options and writes `docs` (id → document) at time T1. */
export async function seed(
  backend: Backend,
  name: string,
  docs: Record<string, Record<string, unknown>>,
  input?: Record<string, unknown>,
): Promise<void> {
  await call(() => backend.ensureCollection(name, options(input)));
  const requests = Object.entries(docs).map(([id, doc]) => putOf(id, doc));
  if (requests.length > 0) {
    await backend.transaction(async (tx) => {
      await call(() => tx.putMany(name, requests));
    });
  }
}

/** `putMany` as the contract calls it: inside a transaction, which an error rolls back. */
export function putMany(
  backend: Backend,
  name: string,
  requests: readonly PutRequest[],
): Promise<Meta[]> {
  return backend.transaction(async (tx) => await call(() => tx.putMany(name, requests)));
}

/** The ids of entries, in their order. */
export function idsOf(entries: readonly { id: string }[]): string[] {
  return entries.map((entry) => entry.id);
}

/** What a search request may carry besides its text. */
export interface SearchParts {
  filter?: Filter;
  limit?: number;
  after?: readonly [number, string];
  facets?: readonly Field[];
}

/**
 * The one place that builds a backend search request: what the user typed, parsed with the
 * dialect-free compiler (src/search/compile_search.ts) under the collection's search options.
 * `undefined` when the query can match nothing (the Store answers that without the backend).
 */
export function searchRequest(
  text: string,
  search: SearchOptions,
  parts: SearchParts = {},
): SearchRequest | undefined {
  const query = compileSearch(text, search);
  if (query === undefined) return undefined;
  return {
    text,
    raw: false,
    query,
    filter: parts.filter ?? MATCH_ALL,
    limit: parts.limit ?? 100,
    after: parts.after,
    facets: parts.facets ?? [],
  };
}
