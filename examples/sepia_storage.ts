/**
 * Sepia's storage backend rebuilt on quire: schemaless objects stored by class name and object
 * id, and containers that hold references to other objects.
 *
 * Sepia planned one `objects` table keyed by `(class_name, object_id)`. Here each class name is
 * a quire collection and each object id a document id, so every quire backend (SQLite file,
 * SQLite in memory, memory, one JSON file per object) works unchanged. A container is any
 * object holding references made with quire's `ref(className, objectId)`; `load` replaces
 * them with the objects they point to (a missing one becomes `null`; a reference back to an object
 * already being loaded, a cycle, stays a reference).
 *
 * Class names must be valid collection names: a letter, then up to 63 letters, digits, `_` or
 * `-` (so `Sepia::Document` has to become `Document` or `Sepia-Document`).
 *
 * @example
 * ```ts
 * import { ref } from "../mod.ts";
 * import { SepiaStorage } from "./sepia_storage.ts";
 *
 * await using storage = await SepiaStorage.open("sqlite::memory:");
 * await storage.save("Document", "d1", { title: "Hello" });
 * await storage.save("Folder", "f1", { name: "Inbox", items: [ref("Document", "d1")] });
 * console.log(await storage.load("Folder", "f1"));
 * // { name: "Inbox", items: [{ title: "Hello" }] }
 * ```
 *
 * Run the demo: `bun examples/sepia_storage.ts` or `deno run -A examples/sepia_storage.ts`.
 *
 * @module
 */

import {
  type Document,
  exportNdjson,
  type ExportRecord,
  type ImportResult,
  MAX_RESOLVE_DEPTH,
  type Meta,
  open,
  ref,
  type Store,
} from "../mod.ts";

/** Options of {@linkcode SepiaStorage.load}. */
export interface LoadOptions {
  /**
   * How many levels of references to resolve: 0 returns the object as stored (references
   * left as `{ $ref, $id }`), 1 resolves the object's own children, and so on.
   * @default MAX_RESOLVE_DEPTH (16)
   */
  depth?: number;
}

/** Options of {@linkcode SepiaStorage.importData}. */
export interface ImportDataOptions {
  /** Overwrite objects that already exist instead of keeping them. @default false */
  replace?: boolean;
}

// Page size used when walking a whole class.
const PAGE = 500;

/**
 * A Sepia-style storage: `save`, `load`, `delete`, `listAll`, `exists`, `count`, `clear`,
 * `exportData` and `importData` over a quire store.
 */
export class SepiaStorage implements AsyncDisposable {
  #store: Store;

  /** Wraps an open quire store; `close()` closes it. */
  constructor(store: Store) {
    this.#store = store;
  }

  /**
   * Opens a storage on a quire URL: `sqlite://app_data.db`, `sqlite::memory:`, `memory://` or
   * `file://dir`.
   */
  static async open(url: string): Promise<SepiaStorage> {
    return new SepiaStorage(await open(url));
  }

  /** The quire store underneath, for anything this class does not wrap. */
  get store(): Store {
    return this.#store;
  }

  /**
   * Saves (creates or replaces) an object. To make it a container, put references made with
   * quire's `ref(className, objectId)` anywhere inside it.
   *
   * @returns The stored metadata (`rev` grows by one per save).
   * @throws {QuireError} `INVALID_NAME` for a class name quire does not accept, `INVALID_ID`,
   *   `INVALID_DOCUMENT` for something JSON cannot hold.
   */
  async save(className: string, objectId: string, obj: Document): Promise<Meta> {
    return await this.#store.collection(className).put(objectId, obj);
  }

  /**
   * Loads an object, resolving the references it holds (see {@linkcode LoadOptions}).
   *
   * @returns The object, or `undefined` when there is none.
   */
  async load<T extends Document = Document>(
    className: string,
    objectId: string,
    options: LoadOptions = {},
  ): Promise<T | undefined> {
    const depth = options.depth ?? MAX_RESOLVE_DEPTH;
    return await this.#store.collection<T>(className).get(objectId, { resolve: depth });
  }

  /**
   * Deletes an object. Containers that reference it are left alone: their reference now
   * resolves to `null`, and `store.check()` reports it as dangling.
   *
   * @returns Whether the object existed.
   */
  async delete(className: string, objectId: string): Promise<boolean> {
    return await this.#store.collection(className).delete(objectId);
  }

  /** The ids of every object of a class, in id (code point) order. */
  async listAll(className: string): Promise<string[]> {
    const collection = this.#store.collection(className);
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await collection.find({}, { limit: PAGE, after });
      for (const entry of page.items) ids.push(entry.id);
      after = page.next;
    } while (after !== undefined);
    return ids;
  }

  /** Whether the object exists. */
  async exists(className: string, objectId: string): Promise<boolean> {
    return await this.#store.collection(className).has(objectId);
  }

  /** How many objects a class holds, or every class together when no class is given. */
  async count(className?: string): Promise<number> {
    if (className !== undefined) return await this.#store.collection(className).count();
    let total = 0;
    for (const name of await this.#classNames()) {
      total += await this.#store.collection(name).count();
    }
    return total;
  }

  /**
   * Deletes every object of a class, or of every class when no class is given, in one
   * transaction.
   *
   * @returns How many objects were deleted.
   */
  async clear(className?: string): Promise<number> {
    const names = className === undefined ? await this.#classNames() : [className];
    return await this.#store.transaction(async (tx) => {
      let deleted = 0;
      for (const name of names) deleted += await tx.collection(name).clear();
      return deleted;
    });
  }

  /**
   * Every object of every class as NDJSON: a header line, then one
   * `{ collection, id, rev, createdAt, updatedAt, doc }` line per object (the collection is
   * the class name). References stay references. {@linkcode importData} reads it back.
   */
  async exportData(): Promise<string> {
    let text = "";
    for await (const line of exportNdjson(this.#store)) text += line;
    return text;
  }

  /** Every object of every class as records, the same ones {@linkcode exportData} writes. */
  async exportRecords(): Promise<ExportRecord[]> {
    return await Array.fromAsync(this.#store.export());
  }

  /**
   * Imports what {@linkcode exportData} or {@linkcode exportRecords} produced. Existing objects
   * are kept (counted as `skipped`) unless `replace` is set; bad records are listed in `failed`
   * and the rest are still imported.
   */
  async importData(
    data: string | Iterable<ExportRecord>,
    options: ImportDataOptions = {},
  ): Promise<ImportResult> {
    return await this.#store.import(data, { onConflict: options.replace ? "replace" : "skip" });
  }

  /** Closes the quire store underneath. */
  async close(): Promise<void> {
    await this.#store.close();
  }

  /** Closes the storage (`await using storage = ...`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #classNames(): Promise<string[]> {
    return (await this.#store.collections()).map((entry) => entry.name);
  }
}

if (import.meta.main) {
  const url = "sqlite::memory:";
  await using storage = await SepiaStorage.open(url);
  console.log(`Sepia storage on quire (${url})\n`);

  await storage.save("Document", "d1", { title: "Meeting notes", body: "Ship it" });
  await storage.save("Document", "d2", { title: "Shopping list", body: "Milk, eggs" });
  await storage.save("Folder", "archive", { name: "Archive", items: [] });
  await storage.save("Folder", "inbox", {
    name: "Inbox",
    items: [
      ref("Document", "d1"),
      ref("Document", "d2"),
      ref("Document", "gone"),
    ],
    archive: ref("Folder", "archive"),
    self: ref("Folder", "inbox"),
  });
  console.log("Saved 2 documents and 2 folders");
  console.log("Document ids:", await storage.listAll("Document"));
  console.log(
    "Objects in all:",
    await storage.count(),
    "| folders:",
    await storage.count("Folder"),
  );

  console.log("\nInbox as stored (depth 0):");
  console.log(JSON.stringify(await storage.load("Folder", "inbox", { depth: 0 })));
  console.log("Inbox loaded (children resolved; missing → null, the cycle stays a reference):");
  console.log(JSON.stringify(await storage.load("Folder", "inbox")));

  const exported = await storage.exportData();
  console.log(`\nExported ${exported.trimEnd().split("\n").length - 1} objects as NDJSON`);
  console.log("Deleted d2:", await storage.delete("Document", "d2"));
  console.log("d2 exists:", await storage.exists("Document", "d2"));
  console.log("Cleared objects:", await storage.clear(), "| left:", await storage.count());

  const result = await storage.importData(exported);
  console.log(`Imported ${result.imported} objects back`);
  console.log("d2 exists again:", await storage.exists("Document", "d2"));
}
