/**
 * Every peer subject: the stores and engines quire is compared with (one file each in this
 * folder, whose header lists how it differs from quire).
 *
 * @module
 */

import type { Subject } from "../types.ts";
import { denoKv } from "./denokv.ts";
import { lokijs } from "./lokijs.ts";
import { lowdb } from "./lowdb.ts";
import { mingo } from "./mingo.ts";
import { nedb } from "./nedb.ts";
import { flexsearch, flexsearchForward, minisearch, orama } from "./search.ts";

/** The peers, stores first, then the search engines. */
export const PEERS: readonly Subject[] = [
  nedb,
  lokijs,
  lowdb,
  denoKv,
  mingo,
  minisearch,
  orama,
  flexsearch,
  flexsearchForward,
];
