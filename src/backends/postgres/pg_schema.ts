/**
 * The Postgres schema: everything quire keeps lives in one Postgres schema (the URL's
 * `?schema=`, `public` by default), so that several stores can share a database.
 *
 * - `quire_meta`: key/value rows; `schema_version` is the version of quire's tables.
 * - `quire_collections`: the catalog (name, options as JSON text, created_at).
 * - `quire_search_guard()`: the trigger function of the guard a collection with search fields
 *   has on its document table (pg_search.ts `PgSearches`).
 * - `quire_docs_<catalog id>`, one per collection: `id text COLLATE "C"` (byte order of UTF-8,
 *   which is code point order, as SQLite's BINARY), `rev`, `created_at`, `updated_at` (ISO-8601
 *   text, as on SQLite), and the document twice: `data json`, its exact text, which reads give
 *   back (keys in the order they were written, so that an export is the same byte for byte on
 *   every backend), and `doc jsonb`, which filters, sorts and indexes read. jsonb alone would
 *   reorder keys; json alone makes a filter that no index serves parse every row (22× slower
 *   over 90,000 paragraphs of the demo corpus: 779 ms against 36 ms). Both cost twice the
 *   space (159 MB against 84 MB there) and a fifth more time to write. jsonb cannot hold
 *   U+0000: in `doc` it becomes U+FFFD, so a filter on a string holding it differs from SQLite's
 *   (which ends such a string at the NUL in its JSON functions); `data` keeps it.
 *   Tables are named by number, so no user text ever becomes an identifier.
 *
 * Migrations run forward at open, in one transaction holding an advisory lock, so two processes
 * opening a new database at once do not both migrate; a schema from a newer quire is refused
 * (SCHEMA_TOO_NEW), as on SQLite.
 *
 * @module
 */

import { parseStoredOptions } from "../../collection_options.ts";
import { QuireError } from "../../errors.ts";
import type { PgDriver, PgQueryable } from "./driver.ts";
import { syncIndexes } from "./pg_indexes.ts";

/**
 * A step of the schema: statements (`$S` is the schema), or a function for a step that SQL
 * alone cannot write, given the transaction and the schema (an SQL identifier).
 */
export type PgMigration =
  | string
  | readonly string[]
  | ((tx: PgQueryable, schema: string) => Promise<void>);

/** Migration i (0-based) takes the schema from version i to version i + 1. */
export const MIGRATIONS: readonly PgMigration[] = [
  `CREATE TABLE $S.quire_collections (
     id serial PRIMARY KEY,
     name text COLLATE "C" NOT NULL UNIQUE,
     options text NOT NULL DEFAULT '{}',
     created_at text NOT NULL
   )`,
  // 2: the search guard (pg_search.ts), on the collections that have search fields already.
  [
    `CREATE FUNCTION $S.quire_search_guard() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF current_setting('quire.search_' || TG_ARGV[0], true) IS DISTINCT FROM 'on' THEN
         RAISE EXCEPTION 'The search fields of collection % changed: write again', TG_ARGV[0]
           USING ERRCODE = 'QU001';
       END IF;
       RETURN NULL;
     END $$`,
    `DO $$
     DECLARE c record;
     BEGIN
       FOR c IN SELECT id FROM $S.quire_collections WHERE options::jsonb ? 'search' LOOP
         EXECUTE format('CREATE TRIGGER quire_search_guard BEFORE INSERT OR UPDATE OR DELETE
           ON $S.%I FOR EACH STATEMENT EXECUTE FUNCTION $S.quire_search_guard(%L)',
           'quire_docs_' || c.id, c.id);
       END LOOP;
     END $$`,
  ],
  // 3: indexes end with the id (pg_indexes.ts), made again from the options.
  remakeIndexes,
];

/** The schema version this quire writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The schema's name as an SQL identifier (quoted). Only plain names are taken: the name is the
 * one piece of configuration that becomes SQL text.
 *
 * @throws {QuireError} `INVALID_OPTION` for any other name.
 */
export function schemaIdentifier(name: string | undefined): string {
  const schema = name ?? "public";
  if (!SCHEMA_NAME.test(schema)) {
    throw new QuireError(
      "INVALID_OPTION",
      "Invalid schema: expected a letter or _, then up to 62 letters, digits or _",
    );
  }
  return `"${schema}"`;
}

/** The table holding a collection's documents, qualified by the schema. */
export function documentTable(schema: string, catalogId: number): string {
  return `${schema}."quire_docs_${catalogId}"`;
}

/** SQL that creates a collection's document table (if it is not there yet). */
export function createDocumentTable(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    id text COLLATE "C" PRIMARY KEY,
    rev integer NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    data json NOT NULL,
    doc jsonb NOT NULL
  )`;
}

/**
 * Brings the schema up to `migrations.length`. A read-only store needs it current already.
 *
 * @param migrations The list to apply; tests pass their own.
 * @throws {QuireError} `SCHEMA_TOO_NEW`, `READ_ONLY`, `NOT_FOUND` (read-only, no quire tables).
 */
export async function migrate(
  driver: PgDriver,
  schema: string,
  migrations: readonly PgMigration[],
  readonly: boolean,
): Promise<void> {
  const target = migrations.length;
  const found = await readVersion(driver, schema);
  checkVersion(found, target);
  if (found === target) return;
  if (readonly) {
    throw found === undefined
      ? new QuireError(
        "NOT_FOUND",
        `No quire store in schema ${schema}, and the store is read-only`,
      )
      : new QuireError("READ_ONLY", "The store's schema needs an upgrade, and it is read-only");
  }
  await driver.transaction(async (tx) => {
    // One migrating process at a time, for this schema; the lock ends with the transaction.
    await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`quire:${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.quire_meta (key text PRIMARY KEY, value text NOT NULL)`,
    );
    const version = await readVersion(tx, schema) ?? 0;
    checkVersion(version, target);
    for (const migration of migrations.slice(version, target)) {
      if (typeof migration === "function") {
        await migration(tx, schema);
        continue;
      }
      for (const statement of [migration].flat()) {
        await tx.query(statement.replaceAll("$S", schema));
      }
    }
    await tx.query(
      `INSERT INTO ${schema}.quire_meta (key, value) VALUES ('schema_version', $1)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [String(target)],
    );
  });
}

/** Makes every collection's indexes again from its options, in the current form. */
async function remakeIndexes(tx: PgQueryable, schema: string): Promise<void> {
  const rows = await tx.query<{ id: number; name: string; options: string }>(
    `SELECT id, name, options FROM ${schema}.quire_collections`,
  );
  for (const row of rows) {
    await syncIndexes(tx, schema, row.id, parseStoredOptions(row.name, row.options).indexes ?? []);
  }
}

/** The schema's version; undefined when quire has no tables there yet. */
async function readVersion(on: PgQueryable, schema: string): Promise<number | undefined> {
  const [table] = await on.query<{ found: string | null }>(
    "SELECT to_regclass($1)::text AS found",
    [`${schema}.quire_meta`],
  );
  if (table?.found === null || table?.found === undefined) return undefined;
  const [row] = await on.query<{ value: string }>(
    `SELECT value FROM ${schema}.quire_meta WHERE key = 'schema_version'`,
  );
  return row === undefined ? 0 : Number(row.value);
}

function checkVersion(version: number | undefined, target: number): void {
  if (version !== undefined && (!Number.isSafeInteger(version) || version > target)) {
    throw new QuireError(
      "SCHEMA_TOO_NEW",
      `The store's schema is version ${version}; this quire knows up to version ${target}. ` +
        "Upgrade quire to open it.",
    );
  }
}
