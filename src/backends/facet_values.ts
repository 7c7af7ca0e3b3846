/**
 * How many values a facet reports, on every backend: the SQLite facet query and the memory and
 * file backends' counts cut their lists at the same length.
 *
 * @module
 */

/** Most distinct values a facet reports. */
export const FACET_VALUES = 100;
