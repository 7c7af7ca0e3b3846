/**
 * One process of the soak (scripts/soak.ts, scripts/lib/soak.ts): a worker or the reader.
 *
 * Usage: soak_worker.ts worker|reader <store url> <index> <seed>
 *
 * It opens the database, prints `{"type":"ready"}`, waits for `go <deadline ms>` on stdin, then
 * works until the deadline (or `stop`, or the end of stdin: the orchestrator is gone) and prints
 * `{"type":"done"}` with its counts. Every line it prints is one JSON message (ChildMessage).
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline";
import { type Document, open, QuireError } from "../mod.ts";
import {
  type Account,
  accountProblem,
  ACCOUNTS,
  type ChildMessage,
  collections,
  COUNTERS,
  DELETABLE,
  describeError,
  docProblem,
  emptyStats,
  GROUP_SIZE,
  GROUPS,
  hasWord,
  INITIAL_BALANCE,
  type Kind,
  KINDS,
  makeAccount,
  makeDoc,
  pickKind,
  PLAIN,
  randomInt,
  RevTracker,
  type SoakDoc,
  VOCABULARY,
} from "./lib/soak.ts";
import { seededRandom } from "./lib/seeded_random.ts";

const [role, url, indexText, seedText] = process.argv.slice(-4);
if (role !== "worker" && role !== "reader") {
  console.error("usage: soak_worker.ts worker|reader <store url> <index> <seed>");
  process.exit(2);
}
const index = Number(indexText);
const random = seededRandom(Number(seedText));
const stats = emptyStats();

function send(message: ChildMessage): void {
  process.stdout.write(JSON.stringify(message) + "\n");
}

/** An invariant that does not hold: reported as a violation, not as an error. */
class Violation extends Error {}

/** Errors and violations sent word for word; later ones are only counted. */
const MAX_SENT = 50;
let sent = 0;

function violation(message: string): void {
  stats.violations++;
  if (sent++ < MAX_SENT) send({ type: "violation", message });
}

function failed(op: string, error: unknown): void {
  if (error instanceof Violation) {
    violation(error.message);
    return;
  }
  stats.errors++;
  if (error instanceof QuireError && error.code === "BUSY") stats.busy++;
  if (!(error instanceof QuireError)) stats.notQuire++;
  if (sent++ < MAX_SENT) send({ type: "error", op, ...describeError(error) });
}

// An error outside any operation is still an error surfaced, then the end of this process.
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (error: unknown) => {
    failed(event, error);
    send({ type: "done", stats });
    process.exit(1);
  });
}

const store = await open(url!);
const { accounts, docs } = collections(store);
const runtime = "Bun" in globalThis ? "bun" : "deno";
const version = runtime === "bun"
  ? (globalThis as unknown as { Bun: { version: string } }).Bun.version
  : (globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno;

let deadline = 0;
let stopped = false;
const started = new Promise<void>((resolve) => {
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.startsWith("go ")) {
      deadline = Number(line.slice(3));
      resolve();
    } else if (line === "stop") {
      stopped = true;
      resolve();
    }
  });
  lines.on("close", () => {
    stopped = true;
    resolve();
  });
});
send({ type: "ready", runtime, version });
await started;

const running = () => !stopped && Date.now() < deadline;

/**
 * Lets the event loop run now and then: quire's SQLite calls settle as microtasks, so a loop of
 * them alone would never read stdin (a `stop`, or the orchestrator gone).
 */
let lastBreath = Date.now();
async function breathe(): Promise<void> {
  if (Date.now() - lastBreath < 50) return;
  await new Promise((resolve) => setTimeout(resolve, 0));
  lastBreath = Date.now();
}

// ---- the worker ----

async function work(): Promise<void> {
  const seen = new RevTracker();
  let seq = 0;
  let lastProgress = Date.now();
  while (running()) {
    seq++;
    // Every kind once first, so a short run has them all; then by weight.
    const kind: Kind = seq <= KINDS.length ? KINDS[seq - 1] : pickKind(random);
    try {
      if (await OPS[kind](seq, seen)) stats.ops[kind]++;
    } catch (error) {
      failed(kind, error);
    }
    if (Date.now() - lastProgress >= 1000) {
      lastProgress = Date.now();
      send({ type: "progress", stats });
    }
    await breathe();
  }
}

function docOf(seq: number, fields: Pick<SoakDoc, "kind" | "value" | "batch">): Document {
  return makeDoc(random, { ...fields, by: index, seq }) as unknown as Document;
}

/** The operations; each returns whether it completed (a conditional put may give up at the end). */
const OPS: Record<Kind, (seq: number, seen: RevTracker) => Promise<boolean>> = {
  async put(seq) {
    const deletable = random() < 0.3;
    const id = deletable ? `d-${randomInt(random, DELETABLE)}` : `p-${randomInt(random, PLAIN)}`;
    await docs.put(id, docOf(seq, { kind: deletable ? "d" : "p" }));
    return true;
  },

  async conditionalPut(seq, seen) {
    const id = `c-${randomInt(random, COUNTERS)}`;
    for (;;) {
      const entry = await docs.entry(id);
      if (entry === undefined) throw new Violation(`${id}: a counter is missing`);
      const problem = docProblem(id, entry.doc) ?? seen.observe(id, entry, entry.doc);
      if (problem !== undefined) throw new Violation(problem);
      const value = (entry.doc as unknown as SoakDoc).value! + 1;
      try {
        await docs.put(id, docOf(seq, { kind: "c", value }), { ifRev: entry.rev });
        stats.increments++;
        return true;
      } catch (error) {
        if (!(error instanceof QuireError && error.code === "CONFLICT")) throw error;
        stats.conflicts++;
        if (!running()) return false;
      }
    }
  },

  async putMany(seq) {
    const group = randomInt(random, GROUPS);
    const batch = `${index}.${seq}`;
    await docs.putMany(
      Array.from({ length: GROUP_SIZE }, (_, i) =>
        [
          `m-${group}-${i}`,
          docOf(seq, { kind: "m", batch }),
        ] as const),
    );
    return true;
  },

  async delete() {
    await docs.delete(`d-${randomInt(random, DELETABLE)}`);
    return true;
  },

  async transaction() {
    const from = `a-${randomInt(random, ACCOUNTS)}`;
    let to = from;
    while (to === from) to = `a-${randomInt(random, ACCOUNTS)}`;
    const wanted = 1 + randomInt(random, 100);
    await store.transaction(async (tx) => {
      const accounts = tx.collection("accounts");
      const a = await accounts.get(from);
      const b = await accounts.get(to);
      const problem = accountProblem(from, a) ?? accountProblem(to, b);
      if (problem !== undefined) throw new Violation(problem);
      const payer = a as unknown as Account;
      const payee = b as unknown as Account;
      const amount = Math.min(wanted, payer.balance);
      await accounts.put(from, makeAccount(payer.balance - amount, payer.moves + 1) as never);
      await accounts.put(to, makeAccount(payee.balance + amount, payee.moves + 1) as never);
    });
    return true;
  },

  async search(_seq, seen) {
    const word = VOCABULARY[randomInt(random, VOCABULARY.length)];
    const kind = random() < 0.3 ? (["p", "d", "m"] as const)[randomInt(random, 3)] : undefined;
    const page = await docs.search(word, {
      limit: 20,
      filter: kind === undefined ? undefined : { kind },
      highlight: random() < 0.5,
    });
    for (const hit of page.hits) {
      const problem = searchHitProblem(word, kind, hit, seen);
      if (problem !== undefined) violation(problem);
    }
    return true;
  },

  async export(_seq, seen) {
    for await (const record of store.export()) {
      if (record.collection === "accounts") {
        const problem = accountProblem(record.id, record.doc);
        if (problem !== undefined) violation(`export: ${problem}`);
      } else if (record.collection === "docs") {
        const problem = docProblem(record.id, record.doc) ??
          seen.observe(record.id, record, record.doc);
        if (problem !== undefined) violation(`export: ${problem}`);
      }
    }
    return true;
  },
};

function searchHitProblem(
  word: string,
  kind: string | undefined,
  hit: { id: string; rev: number; createdAt: string; doc: Document },
  seen: RevTracker,
): string | undefined {
  const problem = docProblem(hit.id, hit.doc);
  if (problem !== undefined) return `search "${word}": ${problem}`;
  if (!hasWord(hit.doc, word)) return `search "${word}" found ${hit.id}, whose text lacks it`;
  if (kind !== undefined && (hit.doc as { kind?: unknown }).kind !== kind) {
    return `search "${word}" with filter kind=${kind} found ${hit.id} of another kind`;
  }
  const rev = seen.observe(hit.id, hit, hit.doc);
  return rev === undefined ? undefined : `search "${word}": ${rev}`;
}

// ---- the reader ----

async function read(): Promise<void> {
  const seen = new RevTracker();
  let lastProgress = Date.now();
  while (running()) {
    try {
      await checkRound(seen);
      stats.rounds++;
    } catch (error) {
      failed("reader", error);
    }
    if (Date.now() - lastProgress >= 1000) {
      lastProgress = Date.now();
      send({ type: "progress", stats });
    }
    await breathe();
  }
}

/** One round of the reader's checks; each find and search is one statement, one snapshot. */
async function checkRound(seen: RevTracker): Promise<void> {
  // The accounts' total is conserved in every snapshot.
  const accountPage = await accounts.find({}, { limit: 10_000 });
  let total = 0;
  for (const { id, doc } of accountPage.items) {
    const problem = accountProblem(id, doc);
    if (problem !== undefined) violation(problem);
    total += (doc as unknown as Account).balance;
  }
  if (accountPage.items.length !== ACCOUNTS || total !== ACCOUNTS * INITIAL_BALANCE) {
    violation(
      `${accountPage.items.length} accounts hold ${total}, expected ${ACCOUNTS} holding ` +
        `${ACCOUNTS * INITIAL_BALANCE}`,
    );
  }

  // Every document is whole, revs never go back, counters and putMany groups are consistent.
  const all = (await docs.find({}, { limit: 10_000 })).items;
  const groups = new Map<string, { size: number; versions: Set<string> }>();
  let counters = 0;
  for (const entry of all) {
    const problem = docProblem(entry.id, entry.doc) ?? seen.observe(entry.id, entry, entry.doc);
    if (problem !== undefined) {
      violation(problem);
      continue;
    }
    const doc = entry.doc as unknown as SoakDoc;
    if (doc.kind === "c") {
      counters++;
      if (doc.value !== entry.rev - 1) {
        violation(`${entry.id}: counter value ${doc.value} at rev ${entry.rev}`);
      }
    } else if (doc.kind === "m") {
      const name = entry.id.split("-")[1];
      const group = groups.get(name) ?? { size: 0, versions: new Set() };
      group.size++;
      group.versions.add(`${doc.batch}@${entry.rev}`);
      groups.set(name, group);
    }
  }
  if (counters !== COUNTERS) violation(`${counters} counters, expected ${COUNTERS}`);
  for (const [name, group] of groups) {
    if (group.size !== GROUP_SIZE || group.versions.size !== 1) {
      violation(
        `putMany group ${name}: ${group.size} documents of ${GROUP_SIZE}, ` +
          `batches@revs ${[...group.versions].join(", ")}`,
      );
    }
  }

  // Single reads agree too.
  for (let i = 0; i < 4; i++) {
    const id = random() < 0.5
      ? `p-${randomInt(random, PLAIN)}`
      : `c-${randomInt(random, COUNTERS)}`;
    const entry = await docs.entry(id);
    if (entry === undefined) {
      if (id.startsWith("c-")) violation(`${id}: a counter is missing`);
      continue;
    }
    const problem = docProblem(id, entry.doc) ?? seen.observe(id, entry, entry.doc);
    if (problem !== undefined) violation(problem);
  }

  // Search hits are whole documents that contain the word (and match the filter).
  const word = VOCABULARY[randomInt(random, VOCABULARY.length)];
  const kind = random() < 0.5 ? (["p", "d", "c", "m"] as const)[randomInt(random, 4)] : undefined;
  const page = await docs.search(word, {
    limit: 100,
    filter: kind === undefined ? undefined : { kind },
  });
  for (const hit of page.hits) {
    const problem = searchHitProblem(word, kind, hit, seen);
    if (problem !== undefined) violation(problem);
  }
}

// ---- the run (last: the operations above are initialised by now) ----

if (role === "worker") await work();
else await read();
await store.close();
process.stdout.write(JSON.stringify({ type: "done", stats } satisfies ChildMessage) + "\n", () => {
  process.exit(0);
});
