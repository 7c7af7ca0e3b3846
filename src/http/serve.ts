/**
 * `serve(handler, options)`: a listening HTTP server on the runtime's own server, `Bun.serve` on
 * Bun, `Deno.serve` on Deno and `node:http` through `@hono/node-server` on Node, with one log
 * line per request and a graceful shutdown. Hono starts no server; `quire serve`, `npm start`
 * and the HTTP benchmark all go through here.
 *
 * @module
 */

import type { Server as NodeHttpServer } from "node:http";
import { QuireError } from "../errors.ts";
import { RUNTIME } from "../runtime.ts";

/** Answers one request: a Hono app's `fetch`, say. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Options of {@linkcode serve}. */
export interface ServeOptions {
  /** The port; 0 picks a free one. @default 8080 */
  port?: number | undefined;
  /** The address to listen on. @default "127.0.0.1" */
  hostname?: string | undefined;
  /**
   * Where the per-request lines go (`GET /v1/collections/notes/search?q 200 1.2ms`: the query's
   * parameter names, never their values, which may hold tokens or personal data). `false` logs
   * nothing. @default console.log
   */
  log?: ((line: string) => void) | false | undefined;
  /**
   * How long {@linkcode Server.shutdown} waits for in-flight requests (a long export, say)
   * before it closes their connections. @default 10000
   */
  graceMs?: number | undefined;
}

/** A listening server. */
export interface Server {
  /** Where it listens: `http://127.0.0.1:8080/`. */
  readonly url: URL;
  /** The port it listens on (the one picked when `port` was 0). */
  readonly port: number;
  /**
   * Stops accepting connections and resolves once the requests in flight have been answered
   * (or `graceMs` has passed, and their connections were closed). Safe to call twice.
   */
  shutdown(): Promise<void>;
}

// The minimal shape of Bun.serve that quire uses, declared here (as the bun:sqlite driver does)
// so that the Deno type check needs no Bun types.
interface BunServer {
  port?: number;
  stop(closeActiveConnections?: boolean): Promise<void>;
}
interface BunGlobal {
  serve(options: {
    port: number;
    hostname: string;
    fetch: FetchHandler;
    idleTimeout: number;
  }): BunServer;
}
// The same for Deno.serve, so that the strict tsc check (Node types only) needs no Deno types.
interface DenoServer {
  shutdown(): Promise<void>;
}
interface DenoGlobal {
  serve(
    options: { port: number; hostname: string; onListen: (addr: { port: number }) => void },
    handler: FetchHandler,
  ): DenoServer;
}

const DEFAULT_PORT = 8080;
const DEFAULT_HOSTNAME = "127.0.0.1";
const DEFAULT_GRACE_MS = 10_000;

/** Is this host name one only this machine can reach? */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The request's path and its query's parameter names, without their values. */
function logPath(url: URL): string {
  const names = [...new Set(url.searchParams.keys())];
  return names.length === 0 ? url.pathname : `${url.pathname}?${names.join("&")}`;
}

/** Wraps `handler` so that each request logs one line when its response is ready. */
function logged(handler: FetchHandler, log: (line: string) => void): FetchHandler {
  return async (request) => {
    const started = performance.now();
    let status = 500;
    try {
      const response = await handler(request);
      status = response.status;
      return response;
    } finally {
      const ms = (performance.now() - started).toFixed(1);
      log(`${request.method} ${logPath(new URL(request.url))} ${status} ${ms}ms`);
    }
  };
}

/** Resolves after `ms`, or never if `promise` settles first. */
function after<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T | void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Serves `handler` until {@linkcode Server.shutdown}. Fails with `INVALID_OPTION` on a bad port
 * and `UNSUPPORTED` off Bun, Deno and Node; a port in use fails as the runtime says
 * (`EADDRINUSE`).
 *
 * @example
 * ```ts
 * import { open } from "quire";
 * import { createApp, serve } from "quire/http";
 * const store = await open("sqlite::memory:");
 * const server = await serve(createApp(store).fetch, { port: 0, log: false });
 * console.log((await fetch(new URL("healthz", server.url))).status); // 200
 * await server.shutdown();
 * await store.close();
 * ```
 */
export async function serve(handler: FetchHandler, options: ServeOptions = {}): Promise<Server> {
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new QuireError("INVALID_OPTION", `port must be an integer from 0 to 65535, not ${port}`);
  }
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const log = options.log ?? console.log;
  const fetch = log === false ? handler : logged(handler, log);

  let listening: { port: number; stop: () => Promise<void> };
  if (RUNTIME === "bun") {
    const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
    // idleTimeout 0: a slow export stream is not cut after Bun's default 10 s of silence.
    const server = bun.serve({ port, hostname, fetch, idleTimeout: 0 });
    listening = {
      port: server.port ?? port,
      // stop() lets the requests in flight finish; stop(true) closes their connections.
      stop: () => after(server.stop(), graceMs, () => void server.stop(true)),
    };
  } else if (RUNTIME === "deno") {
    const ready = Promise.withResolvers<number>();
    const deno = (globalThis as unknown as { Deno: DenoGlobal }).Deno;
    const server = deno.serve(
      { port, hostname, onListen: (addr) => ready.resolve(addr.port) },
      fetch,
    );
    listening = {
      port: await ready.promise,
      // shutdown() is graceful and Deno has no forced close: past the grace period we stop
      // waiting, and the connections left end with the process.
      stop: () => after(server.shutdown(), graceMs, () => {}),
    };
  } else if (RUNTIME === "node") {
    listening = await serveOnNode(fetch, port, hostname, graceMs);
  } else {
    throw new QuireError("UNSUPPORTED", "serve() runs on Bun, Deno and Node");
  }

  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  let stopping: Promise<void> | undefined;
  return {
    url: new URL(`http://${host}:${listening.port}/`),
    port: listening.port,
    shutdown: () => (stopping ??= listening.stop()),
  };
}

/** The Node branch of {@linkcode serve}: node:http, with Hono's adapter turning its requests into `Request`s. */
async function serveOnNode(
  fetch: FetchHandler,
  port: number,
  hostname: string,
  graceMs: number,
): Promise<{ port: number; stop: () => Promise<void> }> {
  // Loaded only on Node: importing it costs Bun and Deno 40 to 100 ms, and they serve with their
  // own servers. The specifier is a literal, so bundlers and compilers still see it.
  const { createAdaptorServer } = await import("@hono/node-server");
  // overrideGlobalObjects: false leaves the process's global Request and Response alone.
  const server = createAdaptorServer({ fetch, overrideGlobalObjects: false }) as NodeHttpServer;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : port,
    stop: () => {
      // close() stops accepting and resolves once every connection has ended; the idle ones
      // (keep-alive between requests) end now, the busy ones when their response is sent, or
      // when the grace period is over.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      return after(closed, graceMs, () => server.closeAllConnections());
    },
  };
}
