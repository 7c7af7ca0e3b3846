/**
 * The memory backend's committed records: a map per collection. Records hold the document's
 * JSON text, so nothing a caller passed in or got back is shared with what is stored.
 *
 * @module
 */

import { utf8Length } from "../../document.ts";
import { compareCodePoints } from "../../names.ts";
import type { CatalogEntry, CollectionStats, Problem } from "../../backend/types.ts";
import type { Change, RecordStore, StoredRecord } from "../buffered_backend.ts";
import { idPosition } from "../id_position.ts";

/** Records kept in memory for the life of the process. */
export class MemoryStore implements RecordStore {
  readonly kind = "memory";
  readonly location = ":memory:";
  #catalog: CatalogEntry[] = [];
  #collections = new Map<string, Map<string, StoredRecord>>();
  // Ids in code point order, rebuilt on demand after an id is added or removed.
  #sortedIds = new Map<string, string[]>();
  // Records in id order, rebuilt on demand after any change.
  #sortedRecords = new Map<string, StoredRecord[]>();

  readCatalog(): CatalogEntry[] {
    return structuredClone(this.#catalog);
  }

  writeCatalog(entries: CatalogEntry[]): void {
    this.#catalog = structuredClone(entries);
  }

  read(collection: string, id: string): StoredRecord | undefined {
    return this.#collections.get(collection)?.get(id);
  }

  ids(collection: string): readonly string[] {
    let ids = this.#sortedIds.get(collection);
    if (ids === undefined) {
      ids = [...(this.#collections.get(collection)?.keys() ?? [])].sort(compareCodePoints);
      this.#sortedIds.set(collection, ids);
    }
    return ids;
  }

  records(collection: string): readonly StoredRecord[] {
    let records = this.#sortedRecords.get(collection);
    if (records === undefined) {
      const byId = this.#collections.get(collection);
      records = this.ids(collection).map((id) => byId!.get(id)!);
      this.#sortedRecords.set(collection, records);
    }
    return records;
  }

  count(collection: string): number {
    return this.#collections.get(collection)?.size ?? 0;
  }

  apply(changes: Change[]): void {
    for (const { collection, id, record } of changes) {
      let records = this.#collections.get(collection);
      if (records === undefined) {
        records = new Map();
        this.#collections.set(collection, records);
      }
      const existed = records.has(id);
      if (record === null) records.delete(id);
      else records.set(id, record);
      const ordered = this.#sortedRecords.get(collection);
      if (existed && record !== null && ordered !== undefined) {
        // A replacement keeps the set of ids: swap the record in place, no re-sort.
        ordered[idPosition(this.#sortedIds.get(collection)!, id)] = record;
      } else if (existed !== (record !== null)) {
        this.#sortedIds.delete(collection);
        this.#sortedRecords.delete(collection);
      }
    }
  }

  stats(collection: string): CollectionStats {
    let bytes = 0;
    const records = this.#collections.get(collection);
    for (const record of records?.values() ?? []) bytes += utf8Length(record.data);
    return { count: records?.size ?? 0, bytes };
  }

  check(): Problem[] {
    return [];
  }

  close(): void {
    this.#collections.clear();
    this.#sortedIds.clear();
    this.#sortedRecords.clear();
  }
}
