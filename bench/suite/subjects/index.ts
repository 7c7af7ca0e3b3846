/**
 * Every subject of the suite, in the order the tables list them: quire, the floor, the peers.
 *
 * @module
 */

import type { Subject } from "../types.ts";
import { quireFile, quireMemory, quireSqlite, quireSqliteMemory } from "./quire.ts";
import { PEERS } from "./peers.ts";
import { rawSqlite } from "./raw_sqlite.ts";

export const SUBJECTS: readonly Subject[] = [
  quireSqlite,
  quireSqliteMemory,
  quireMemory,
  quireFile,
  rawSqlite,
  ...PEERS,
];

/** The subject named `name`. @throws Error when there is none. */
export function subjectNamed(name: string): Subject {
  const subject = SUBJECTS.find((s) => s.name === name);
  if (subject === undefined) {
    throw new Error(
      `No subject ${JSON.stringify(name)}: ${SUBJECTS.map((s) => s.name).join(", ")}`,
    );
  }
  return subject;
}
