/**
 * The SQLite schema: its version lives in `PRAGMA user_version`, quire's mark in
 * `PRAGMA application_id`. Migrations run forward, all in one transaction, when a store opens;
 * a database from a newer quire is refused.
 *
 * Tables: `quire_collections` (the catalog: name, options) and, per collection, a rowid table
 * `quire_docs_<catalog id>` — named by number, so no user text ever becomes an identifier and
 * collections whose names differ only in case stay apart.
 *
 * @module
 */

import { parseStoredOptions } from "../../collection_options.ts";
import { QuireError } from "../../errors.ts";
import type { Database } from "../../sqlite/driver.ts";
import { syncIndexes } from "./indexes.ts";

/** `PRAGMA application_id` of a quire database: "quir" in ASCII. */
export const APPLICATION_ID = 0x71756972;

/** A step of the schema: SQL, or a function for a step that SQL alone cannot write. */
export type Migration = string | ((db: Database) => void);

/** Migration i (0-based) takes the schema from version i to version i + 1. */
export const MIGRATIONS: readonly Migration[] = [
  `CREATE TABLE quire_collections (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     options TEXT NOT NULL DEFAULT '{}',
     created_at TEXT NOT NULL
   )`,
  // Version 2: expression indexes end with `id` (see indexes.ts), made again from the options.
  remakeIndexes,
];

/** The schema version this quire writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The table holding a collection's documents. */
export function documentTable(catalogId: number): string {
  return `quire_docs_${catalogId}`;
}

/** SQL that creates a collection's document table. */
export function createDocumentTable(table: string): string {
  return `CREATE TABLE ${table} (
    id TEXT NOT NULL UNIQUE,
    rev INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL
  )`;
}

/**
 * Brings the schema up to `migrations.length`, in one IMMEDIATE transaction (so two processes
 * opening a new file at once do not both migrate). A read-only database must already be current.
 *
 * @param migrations The list to apply; tests pass their own.
 * @throws {QuireError} `SCHEMA_TOO_NEW`, `UNSUPPORTED` (not a quire database), `READ_ONLY`.
 */
export function migrate(
  db: Database,
  migrations: readonly Migration[],
  readonly: boolean,
): void {
  const target = migrations.length;
  const { version, applicationId } = readMarks(db);
  checkMarks(version, applicationId, target);
  if (version === target) return;
  if (readonly) {
    throw new QuireError(
      "READ_ONLY",
      `Cannot open read-only: the database is at schema version ${version} and needs migrating to ${target}`,
    );
  }
  db.begin("IMMEDIATE");
  try {
    // Another process may have migrated while this one waited for the write lock.
    const again = readMarks(db);
    checkMarks(again.version, again.applicationId, target);
    for (const migration of migrations.slice(again.version, target)) {
      if (typeof migration === "string") db.exec(migration);
      else migration(db);
    }
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${target}`);
    db.commit();
  } catch (error) {
    db.rollback();
    throw error;
  }
}

/** Makes every collection's indexes again from its options, in the current form. */
function remakeIndexes(db: Database): void {
  const rows = db.prepare("SELECT id, name, options FROM quire_collections").all<
    { id: number; name: string; options: string }
  >();
  for (const row of rows) {
    syncIndexes(db, documentTable(row.id), parseStoredOptions(row.name, row.options).indexes ?? []);
  }
}

function readMarks(db: Database): { version: number; applicationId: number } {
  const version = db.prepare("PRAGMA user_version").get<{ user_version: number }>()!.user_version;
  const applicationId =
    db.prepare("PRAGMA application_id").get<{ application_id: number }>()!.application_id;
  return { version, applicationId };
}

function checkMarks(version: number, applicationId: number, target: number): void {
  if (applicationId !== APPLICATION_ID && (applicationId !== 0 || version !== 0)) {
    throw new QuireError(
      "UNSUPPORTED",
      "Cannot open: this SQLite file belongs to another application (its application_id or user_version is set)",
    );
  }
  if (version > target) {
    throw new QuireError(
      "SCHEMA_TOO_NEW",
      `Cannot open: the database has schema version ${version}, newer than this quire's ${target}; upgrade quire`,
    );
  }
}
