/**
 * quire/http: the HTTP API as a Hono app. Import it only where you serve HTTP: `quire` itself
 * never loads Hono.
 *
 * @example
 * ```ts
 * import { open } from "quire";
 * import { createApp } from "quire/http";
 * const store = await open("sqlite::memory:");
 * const app = createApp(store);
 * console.log((await app.request("/healthz")).status); // 200
 * ```
 *
 * @module
 */

export { type AppOptions, createApp } from "./src/http/app.ts";
export type { QuireApp } from "./src/http/app_type.ts";
export {
  type FetchHandler,
  isLoopback,
  serve,
  type ServeOptions,
  type Server,
} from "./src/http/serve.ts";
