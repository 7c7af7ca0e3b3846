/**
 * The cases of the crash suite (scripts/crash.ts), shared by the child that writes
 * (tests/fixtures/crash_child.ts) and the parent that kills it and checks what survived, so the
 * two agree on every document's shape.
 *
 * **Documents.** Every write of a case has a batch number `b`, unique across the whole run (the
 * parent gives each child its first one). Every document the write touches becomes exactly
 * `docFor(b, id)`: `{ batch: b, text: "mk<b> <id> <filler words>" }` (plus `balance` in the
 * transaction case). The parent can so tell a whole document from a torn one, and which write
 * it came from; `mk<b>` is the batch's marker word, which a search must find in exactly the
 * documents that hold it.
 *
 * **Protocol.** The child writes one JSON line to stdout (a synchronous write to fd 1, so the
 * line is in the pipe before the next write starts) for:
 * - `{ t: "ready" }` once the store is open;
 * - `{ t: "begin", op, batch, ids, … }` before a write: what it is about to change;
 * - `{ t: "ack", batch, revs, … }` after the write returned: the rev of every document written.
 *
 * So at the kill, every write is either acknowledged, or is the one write in flight (begun, not
 * acknowledged), which may or may not have taken effect, but only as a whole.
 *
 * @module
 */

import type { Store } from "../../mod.ts";

/** The operations the suite kills the child in. */
export const CASES = ["put", "putMany", "import", "transaction", "reindex", "backup"] as const;
/** One of {@linkcode CASES}. */
export type CaseName = typeof CASES[number];

/** The search option every case's collection has. */
export const SEARCH = { fields: ["text"] };
/** The reindex case's other search option: changing to it (and back) rebuilds the index. */
export const SEARCH_PREFIX = { fields: ["text"], prefix: [2] };

/** What each case writes to. */
export interface CaseShape {
  /** The collection the case writes. */
  collection: string;
  /** Every id the case may write; a document with another id is a violation. */
  ids: string[];
  /** The rev a write in flight would give a document whose rev was `previous` (0: none). */
  nextRev(previous: number, batch: number): number;
}

function ids(prefix: string, count: number): string[] {
  const width = String(count - 1).length;
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(width, "0")}`);
}

const plusOne = (previous: number) => previous + 1;

/** Documents in the collections that are set up once and then written a few at a time. */
export const REINDEX_DOCS = 300;
export const BACKUP_DOCS = 100;
/** Accounts of the transaction case and the balance each starts with. */
export const ACCOUNTS = 10;
export const START_BALANCE = 100;

export const SHAPES: Record<CaseName, CaseShape> = {
  put: { collection: "puts", ids: ids("p", 10), nextRev: plusOne },
  putMany: { collection: "many", ids: ids("m", 20), nextRev: plusOne },
  // An import replaces each record with the rev the record carries: its batch number.
  import: { collection: "imported", ids: ids("i", 20), nextRev: (_, batch) => batch },
  transaction: { collection: "accounts", ids: ids("a", ACCOUNTS), nextRev: plusOne },
  reindex: { collection: "indexed", ids: ids("r", REINDEX_DOCS), nextRev: plusOne },
  backup: { collection: "saved", ids: ids("k", BACKUP_DOCS), nextRev: plusOne },
};

const FILLER = [
  "harbor",
  "lantern",
  "meadow",
  "copper",
  "thistle",
  "quarry",
  "saffron",
  "willow",
  "granite",
  "falcon",
  "ember",
  "orchid",
  "tundra",
];

/** The marker word of batch `b`: only its documents hold it. */
export function marker(batch: number): string {
  return `mk${batch}`;
}

/** The text of document `id` written by batch `b`: 0 to about 2.4 KB of words after the marker. */
export function textFor(batch: number, id: string): string {
  let hash = Math.imul(batch, 0x9e3779b1) ^ id.length;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  const words = (hash >>> 0) % 400;
  const parts = [marker(batch), id];
  for (let i = 0; i < words; i++) parts.push(FILLER[(batch + i * 7) % FILLER.length]);
  return parts.join(" ");
}

/** A case's document: `extra` holds the transaction case's balance. */
export interface CrashDoc {
  batch: number;
  text: string;
  balance?: number;
  [key: string]: unknown;
}

/** The document batch `b` writes under `id`. */
export function docFor(batch: number, id: string, extra: { balance?: number } = {}): CrashDoc {
  return { batch, text: textFor(batch, id), ...extra };
}

/**
 * Why a stored document is not one a case wrote (torn, mixed, or made up), or `undefined`
 * when it is whole.
 */
export function badDocument(name: CaseName, id: string, doc: unknown): string | undefined {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return "not an object";
  const { batch, text, balance, ...rest } = doc as Record<string, unknown>;
  if (!Number.isSafeInteger(batch)) return `batch is ${JSON.stringify(batch)}`;
  if (text !== textFor(batch as number, id)) {
    return `text is not batch ${batch}'s (${String(text).length} characters)`;
  }
  const keys = Object.keys(rest);
  if (keys.length > 0) return `unexpected keys ${keys.join(", ")}`;
  if (name === "transaction") {
    if (!Number.isSafeInteger(balance)) return `balance is ${JSON.stringify(balance)}`;
  } else if (balance !== undefined) {
    return "unexpected key balance";
  }
  return undefined;
}

/** What a child is told. */
export interface ChildContext {
  /** The first batch number it may use; it counts up from there. */
  firstBatch: number;
  /** Seeds its own random choices (which documents, how much). */
  random: () => number;
  /** Where the backup case writes its copies (a new name each time). */
  backupDir: string;
  /** Whether the store is SQLite (a backup is then a file `*.db`) or the file backend. */
  backend: "sqlite" | "file";
  /** Sends one protocol line to the parent (synchronously). */
  emit(line: Record<string, unknown>): void;
}

/** The protocol lines a child sends; see the module documentation. */
export type ChildLine =
  | { t: "ready" }
  | {
    t: "begin";
    op: string;
    batch: number;
    ids: string[];
    /** reindex case, op "options": the search option being set, "plain" or "prefix". */
    options?: SearchVariant;
    /** backup case: where the copy goes. */
    path?: string;
  }
  | { t: "ack"; batch: number; revs: Record<string, number>; options?: SearchVariant };

/** Which of the two search options the reindex case's collection has. */
export type SearchVariant = "plain" | "prefix";

/** The variant of a persisted search option. */
export function searchVariant(search: { prefix?: number[] } | undefined): SearchVariant | "none" {
  if (search === undefined) return "none";
  return (search.prefix?.length ?? 0) > 0 ? "prefix" : "plain";
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** A random subset of `all` (at least `min` of them), in a random order. */
function subset(random: () => number, all: readonly string[], min: number): string[] {
  const shuffled = [...all];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  return shuffled.slice(0, min + Math.floor(random() * (all.length - min + 1)));
}

/** The writes of one child: runs until the process is killed. */
export type Writer = (store: Store, context: ChildContext) => Promise<never>;

/** Writes `id` with one `put`, reporting begin and ack. */
async function putOne(store: Store, name: CaseName, batch: number, id: string, ctx: ChildContext) {
  const collection = store.collection(SHAPES[name].collection);
  ctx.emit({ t: "begin", op: "put", batch, ids: [id] });
  const meta = await collection.put(id, docFor(batch, id));
  ctx.emit({ t: "ack", batch, revs: { [id]: meta.rev } });
}

/** Creates every document of a case in one `putMany`, unless the collection has some. */
async function setUp(
  store: Store,
  name: CaseName,
  batch: number,
  ctx: ChildContext,
  extra: { balance?: number } = {},
): Promise<boolean> {
  const collection = store.collection(SHAPES[name].collection);
  if (await collection.count() > 0) return false;
  const all = SHAPES[name].ids;
  ctx.emit({ t: "begin", op: "setup", batch, ids: all });
  const metas = await collection.putMany(all.map((id) => [id, docFor(batch, id, extra)]));
  ctx.emit({ t: "ack", batch, revs: Object.fromEntries(metas.map((m) => [m.id, m.rev])) });
  return true;
}

/** The child side of every case. */
export const WRITERS: Record<CaseName, Writer> = {
  async put(store, ctx) {
    store.collection(SHAPES.put.collection, { search: SEARCH });
    for (let batch = ctx.firstBatch;; batch++) {
      await putOne(store, "put", batch, pick(ctx.random, SHAPES.put.ids), ctx);
    }
  },

  async putMany(store, ctx) {
    const collection = store.collection(SHAPES.putMany.collection, { search: SEARCH });
    for (let batch = ctx.firstBatch;; batch++) {
      const chosen = subset(ctx.random, SHAPES.putMany.ids, 5);
      ctx.emit({ t: "begin", op: "putMany", batch, ids: chosen });
      const metas = await collection.putMany(chosen.map((id) => [id, docFor(batch, id)]));
      ctx.emit({ t: "ack", batch, revs: Object.fromEntries(metas.map((m) => [m.id, m.rev])) });
    }
  },

  async import(store, ctx) {
    const name = SHAPES.import.collection;
    // The header line gives the collection its search option when the import creates it.
    const header = JSON.stringify({
      format: "quire-export",
      version: 1,
      exportedAt: new Date().toISOString(),
      collections: { [name]: { search: SEARCH } },
    });
    for (let batch = ctx.firstBatch;; batch++) {
      const chosen = subset(ctx.random, SHAPES.import.ids, 5);
      const at = new Date().toISOString();
      const lines = chosen.map((id) =>
        JSON.stringify({
          collection: name,
          id,
          rev: batch,
          createdAt: at,
          updatedAt: at,
          doc: docFor(batch, id),
        })
      );
      ctx.emit({ t: "begin", op: "import", batch, ids: chosen });
      const result = await store.import([header, ...lines].join("\n") + "\n", {
        onConflict: "replace",
      });
      if (result.imported !== chosen.length || result.failedCount !== 0) {
        throw new Error(`Import of batch ${batch} went wrong: ${JSON.stringify(result)}`);
      }
      ctx.emit({ t: "ack", batch, revs: Object.fromEntries(chosen.map((id) => [id, batch])) });
    }
  },

  async transaction(store, ctx) {
    const name = SHAPES.transaction.collection;
    store.collection(name, { search: SEARCH });
    let batch = ctx.firstBatch;
    if (await setUp(store, "transaction", batch, ctx, { balance: START_BALANCE })) batch++;
    for (;; batch++) {
      const from = pick(ctx.random, SHAPES.transaction.ids);
      let to = pick(ctx.random, SHAPES.transaction.ids);
      if (to === from) to = SHAPES.transaction.ids.find((id) => id !== from)!;
      const amount = 1 + Math.floor(ctx.random() * 20);
      ctx.emit({ t: "begin", op: "transaction", batch, ids: [from, to] });
      const revs = await store.transaction(async (tx) => {
        const accounts = tx.collection<CrashDoc>(name);
        const source = await accounts.get(from);
        const target = await accounts.get(to);
        if (source?.balance === undefined || target?.balance === undefined) {
          throw new Error(`Account ${from} or ${to} is missing`);
        }
        const a = await accounts.put(
          from,
          docFor(batch, from, { balance: source.balance - amount }),
        );
        const b = await accounts.put(to, docFor(batch, to, { balance: target.balance + amount }));
        return { [from]: a.rev, [to]: b.rev };
      });
      ctx.emit({ t: "ack", batch, revs });
    }
  },

  async reindex(store, ctx) {
    const name = SHAPES.reindex.collection;
    const listed = (await store.collections()).find((entry) => entry.name === name);
    let variant: SearchVariant = listed === undefined
      ? "plain"
      : searchVariant(listed.options.search) === "prefix"
      ? "prefix"
      : "plain";
    store.collection(name, { search: variant === "plain" ? SEARCH : SEARCH_PREFIX });
    const collection = store.collection(name);
    let batch = ctx.firstBatch;
    if (await setUp(store, "reindex", batch, ctx)) batch++;
    for (let step = 0;; step++, batch++) {
      const id = pick(ctx.random, SHAPES.reindex.ids);
      if (step % 4 === 1) {
        ctx.emit({ t: "begin", op: "reindex", batch, ids: [] });
        await collection.reindex();
        ctx.emit({ t: "ack", batch, revs: {} });
      } else if (step % 4 === 3) {
        // A new search option: the collection's next call rebuilds the index (here, a put).
        variant = variant === "plain" ? "prefix" : "plain";
        ctx.emit({ t: "begin", op: "options", batch, ids: [id], options: variant });
        store.collection(name, { search: variant === "plain" ? SEARCH : SEARCH_PREFIX });
        const meta = await collection.put(id, docFor(batch, id));
        ctx.emit({ t: "ack", batch, revs: { [id]: meta.rev }, options: variant });
      } else {
        await putOne(store, "reindex", batch, id, ctx);
      }
    }
  },

  async backup(store, ctx) {
    store.collection(SHAPES.backup.collection, { search: SEARCH });
    let batch = ctx.firstBatch;
    if (await setUp(store, "backup", batch, ctx)) batch++;
    for (;; batch++) {
      if (batch % 3 !== 0) {
        await putOne(store, "backup", batch, pick(ctx.random, SHAPES.backup.ids), ctx);
        continue;
      }
      const path = `${ctx.backupDir}/b${batch}${ctx.backend === "sqlite" ? ".db" : ""}`;
      ctx.emit({ t: "begin", op: "backup", batch, ids: [], path });
      await store.backup(path);
      ctx.emit({ t: "ack", batch, revs: {} });
    }
  },
};
