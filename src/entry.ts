/**
 * A document with its metadata, as `get`-like calls, `find` and `search` return it.
 *
 * @module
 */

import type { Meta } from "./backend/types.ts";
import type { Document } from "./document.ts";

/** A document with its metadata. */
export interface Entry<T = Document> extends Meta {
  /** The document. */
  doc: T;
}
