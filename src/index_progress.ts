/**
 * The event that `onIndexProgress` and `reindex({ onProgress })` hear while a search index is
 * built.
 *
 * @module
 */

/** How far a search index (re)build got. */
export interface IndexProgressEvent {
  /** The collection whose index is being built. */
  collection: string;
  /** Documents indexed so far. */
  indexed: number;
  /** Documents to index. */
  total: number;
}
