/**
 * Serves a store's HTTP API until SIGINT or SIGTERM, then shuts down cleanly: the server stops
 * accepting, the requests in flight are answered, and the store closes (so every acknowledged
 * write is on disk). Shared by `quire serve` and `npm start`.
 *
 * @module
 */

import process from "node:process";
import type { Store } from "../../mod.ts";
import { type AppOptions, createApp, serve, type ServeOptions, type Server } from "../../http.ts";

/** What {@linkcode serveStore} needs. */
export interface ServeStoreOptions extends AppOptions, ServeOptions {
  /** Called once the server listens (to print its URL). */
  onListen?: (server: Server) => void;
  /** Where the shutdown notes go. @default console.error */
  note?: (line: string) => void;
}

/** Serves `store` until SIGINT/SIGTERM; resolves once the server has stopped and the store is closed. */
export async function serveStore(store: Store, options: ServeStoreOptions = {}): Promise<void> {
  const note = options.note ?? console.error;
  const server = await serve(createApp(store, options).fetch, options);
  options.onListen?.(server);

  // The handlers stay until the store is closed: a second signal (Ctrl-C reaches both `npm
  // start` and this process, and npm forwards it too) must not kill the process half way.
  let stopped: (signal: string) => void = () => {};
  const received = new Promise<string>((resolve) => (stopped = resolve));
  const onInt = () => stopped("SIGINT");
  const onTerm = () => stopped("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    note(`quire: ${await received}: finishing the requests in flight, then closing the store`);
    await server.shutdown();
    await store.close();
    note("quire: stopped");
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}
