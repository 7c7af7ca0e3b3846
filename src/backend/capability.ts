/**
 * Asking a connection for an optional capability (contract.ts): it is there, or the call is
 * `UNSUPPORTED`, with what the backend cannot do in the message.
 *
 * @module
 */

import { QuireError } from "../errors.ts";
import type { Connection } from "./contract.ts";

const WHAT = {
  find: "find documents by filter",
  search: "search text",
  explain: "explain a query",
  stats: "report statistics",
} as const;

/** The connection's capability `name`. @throws {QuireError} `UNSUPPORTED` when it has none. */
export function capability<K extends keyof typeof WHAT>(
  conn: Connection,
  name: K,
): NonNullable<Connection[K]> {
  const found = conn[name];
  if (found === undefined || found === null) {
    throw new QuireError("UNSUPPORTED", `This backend cannot ${WHAT[name]}`);
  }
  return found;
}
