/**
 * The floor quire is measured against: the runtime's own SQLite binding (`bun:sqlite` on Bun,
 * `node:sqlite` on Deno) used directly, with prepared statements, on a table of the same schema
 * and the same pragmas as quire's SQLite backend (WAL, `synchronous=NORMAL`,
 * `cache_size=-65536`, `busy_timeout=5000`, `foreign_keys=OFF`).
 *
 * The binding is imported by a non-literal name, so that `deno check` does not try to resolve
 * `bun:sqlite`; it is typed with the small interfaces below.
 *
 * @module
 */

type Value = string | number | bigint | null | Uint8Array;

/** The part of a binding's prepared statement used here (same shape on both runtimes). */
export interface RawStatement {
  run(...params: Value[]): unknown;
  get(...params: Value[]): unknown;
  all(...params: Value[]): unknown[];
}

/** The part of a binding's database used here. */
export interface RawDatabase {
  prepare(sql: string): RawStatement;
  exec(sql: string): void;
  close(): void;
}

type BunDatabaseClass = new (
  path: string,
  options: { create?: boolean; readwrite?: boolean },
) => RawDatabase;
type NodeDatabaseClass = new (path: string) => RawDatabase;

/** The binding's name on this runtime. */
export function bindingName(): string {
  return (globalThis as { Bun?: unknown }).Bun !== undefined ? "bun:sqlite" : "node:sqlite";
}

/** Opens `path` with the runtime's binding (no pragmas yet). */
export async function openRawDatabase(path: string): Promise<RawDatabase> {
  const name = bindingName();
  if (name === "bun:sqlite") {
    const { Database } = await import(name) as { Database: BunDatabaseClass };
    return new Database(path, { create: true, readwrite: true });
  }
  const { DatabaseSync } = await import(name) as { DatabaseSync: NodeDatabaseClass };
  return new DatabaseSync(path);
}

const COLUMNS = "id, rev, created_at, updated_at, data";

/** Opens a database with quire's pragmas: WAL, `synchronous=NORMAL`, 64 MiB of page cache. */
export async function openRawDocsDatabase(path: string): Promise<RawDatabase> {
  const db = await openRawDatabase(path);
  db.exec("PRAGMA busy_timeout = 5000");
  db.prepare("PRAGMA journal_mode = wal").get();
  db.exec("PRAGMA synchronous = normal; PRAGMA cache_size = -65536; PRAGMA foreign_keys = OFF");
  return db;
}

/** The version of SQLite the binding was built with. */
export function sqliteVersion(db: RawDatabase): string {
  return (db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
}

/** The prepared statements of one document table. */
export interface RawDocs {
  /** quire's own put statement: `INSERT … ON CONFLICT (id) DO UPDATE … RETURNING rev, created_at`. */
  upsert: RawStatement;
  /** quire's own get statement: the five columns by id. */
  select: RawStatement;
  /** `DELETE FROM` the table. */
  clear: RawStatement;
}

/**
 * Creates a table of quire's document schema (see src/backends/sqlite/schema.ts) and prepares the
 * statements quire's SQLite backend uses on it (see src/backends/sqlite/sqlite_backend.ts).
 */
export function rawDocsTable(db: RawDatabase, table: string): RawDocs {
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
    id TEXT NOT NULL UNIQUE,
    rev INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL
  )`);
  return {
    upsert: db.prepare(
      `INSERT INTO ${table} (${COLUMNS}) VALUES (?1, 1, ?2, ?2, ?3)
       ON CONFLICT (id) DO UPDATE SET rev = rev + 1, updated_at = excluded.updated_at, data = excluded.data
       RETURNING rev, created_at`,
    ),
    select: db.prepare(`SELECT ${COLUMNS} FROM ${table} WHERE id = ?`),
    clear: db.prepare(`DELETE FROM ${table}`),
  };
}
