/**
 * Reads a `postgres://` (or `postgresql://`) URL and the driver options into one settings object
 * that both drivers are built from, so that they connect alike and neither reads the URL's query
 * or the environment in its own way (postgres.js would send an unknown query parameter to the
 * server as a setting; Bun.SQL would fill gaps from `DATABASE_URL`).
 *
 * The URL: `postgres://user:password@host:port/database?param=value&...`, with libpq's names for
 * the query parameters it shares with libpq:
 *
 * | parameter | meaning | default |
 * |---|---|---|
 * | `host` | a host name, or a Unix socket's directory (starts with `/`); also `postgres://%2Frun%2Fpostgresql/db` | the URL's host, else `localhost` |
 * | `port` | TCP port, and the socket's number (`<dir>/.s.PGSQL.<port>`) | the URL's port, else 5432 |
 * | `user`, `password` | as in the URL's user info | the current OS user; no password |
 * | `dbname` | the database | the URL's path, else the user name |
 * | `sslmode` | `disable`, `allow` (taken as `prefer`), `prefer`, `require`, `verify-ca`, `verify-full` | `prefer` (as libpq); none on a Unix socket |
 * | `connect_timeout` | seconds to wait for a connection (more than 0) | 10 |
 * | `idle_timeout` | seconds before an idle pooled connection closes (0: never) | 30 |
 * | `pool_size` | connections in the pool | 10 |
 * | `application_name` | shown in `pg_stat_activity` | `quire` |
 * | `schema` | quire's schema for its tables (read by the backend, not sent to the server) | none |
 *
 * Any other parameter is refused (`INVALID_OPTION`), as libpq does: a typo would otherwise go
 * unnoticed. Options given in code take priority over the URL. Error messages name a parameter,
 * never the password.
 *
 * @module
 */

import { userInfo } from "node:os";
import { QuireError } from "../../errors.ts";

/** How a connection uses TLS (libpq's `sslmode`). */
export type SslMode = "disable" | "prefer" | "require" | "verify-ca" | "verify-full";

/** The driver implementations: Bun's built-in `Bun.SQL`, or postgres.js (any runtime). */
export type PgDriverName = "bun" | "postgres.js";

/** Options that take priority over the URL's query parameters. */
export interface PgDriverOptions {
  /** Which driver to use. @default "bun" on Bun, else "postgres.js" */
  driver?: PgDriverName;
  /** Connections in the pool. @default 10 */
  poolSize?: number;
  /** How long to wait for a connection, in milliseconds (more than 0). @default 10000 */
  connectTimeoutMs?: number;
  /** How long an idle pooled connection stays open, in milliseconds (0: forever). @default 30000 */
  idleTimeoutMs?: number;
  /** TLS (libpq's `sslmode`). @default "prefer", and no TLS on a Unix socket */
  sslmode?: SslMode | "allow";
  /** Named prepared statements (turn off behind a transaction-pooling PgBouncer). @default true */
  prepare?: boolean;
  /** `application_name`. @default "quire" */
  applicationName?: string;
}

/** Everything a driver needs to connect: the URL and the options, resolved. */
export interface PgConfig {
  /** The host name (`"localhost"` when connecting through a Unix socket). */
  host: string;
  port: number;
  /** The Unix socket's file (`<dir>/.s.PGSQL.<port>`), when connecting through one. */
  socketPath: string | undefined;
  user: string;
  password: string | undefined;
  database: string;
  sslmode: SslMode;
  poolSize: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  prepare: boolean;
  applicationName: string;
  /** The `schema` parameter: quire's, not the server's. */
  schema: string | undefined;
}

const SSL_MODES: readonly string[] = [
  "disable",
  "allow",
  "prefer",
  "require",
  "verify-ca",
  "verify-full",
];
const PARAMETERS = new Set([
  "host",
  "port",
  "user",
  "password",
  "dbname",
  "sslmode",
  "connect_timeout",
  "idle_timeout",
  "pool_size",
  "application_name",
  "schema",
]);

function invalid(message: string): QuireError {
  return new QuireError("INVALID_OPTION", `Invalid Postgres URL: ${message}`);
}

/**
 * Resolves a `postgres://` URL and options into a {@linkcode PgConfig}.
 *
 * @throws QuireError `INVALID_OPTION` for another scheme, an unknown query parameter or a value
 *   out of range.
 */
export function pgConfig(url: string, options: PgDriverOptions = {}): PgConfig {
  let parsed: URL;
  try {
    // libpq's `postgres://user@/db` (no host: the URL parser refuses user info without one)
    // means the default host.
    parsed = new URL(url.replace(/^(postgres(?:ql)?:\/\/[^@/?#]*@)(?=[/?#]|$)/i, "$1localhost"));
  } catch {
    // Never echo the URL: it may hold a password.
    throw invalid("cannot parse it as a URL");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw invalid(`expected postgres:// or postgresql://, not ${parsed.protocol}//`);
  }
  const query = new Map<string, string>();
  for (const [name, value] of parsed.searchParams) {
    if (!PARAMETERS.has(name)) {
      throw invalid(`unknown parameter ${JSON.stringify(name.slice(0, 40))}`);
    }
    if (query.has(name)) throw invalid(`parameter ${name} is given twice`);
    query.set(name, value);
  }

  // An IPv6 address comes in brackets (`postgres://[::1]:5432/db`); the drivers want it bare.
  const rawHost = query.get("host") ?? decode(parsed.hostname, "host").replace(/^\[(.*)\]$/, "$1");
  const port = integer(query.get("port") ?? (parsed.port || "5432"), "port", 1, 65535);
  const socketDir = rawHost.startsWith("/") ? rawHost.replace(/\/+$/, "") || "/" : undefined;
  const host = socketDir !== undefined ? "localhost" : rawHost === "" ? "localhost" : rawHost;
  const user = query.get("user") ?? (decode(parsed.username, "user") || currentUser());
  const password = query.get("password") ?? (decode(parsed.password, "password") || undefined);
  const database = query.get("dbname") ??
    (decode(parsed.pathname.replace(/^\//, ""), "database") || user);

  let sslmode: string = options.sslmode ?? query.get("sslmode") ?? "prefer";
  if (!SSL_MODES.includes(sslmode)) {
    throw invalid(`sslmode must be one of ${SSL_MODES.join(", ")}`);
  }
  if (sslmode === "allow") sslmode = "prefer";
  // libpq uses no TLS on a Unix socket, whatever sslmode says.
  if (socketDir !== undefined) sslmode = "disable";

  const poolSize = options.poolSize ??
    integer(query.get("pool_size") ?? "10", "pool_size", 1, 1000);
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new QuireError("INVALID_OPTION", "Invalid poolSize: expected an integer of 1 or more");
  }
  const connectTimeoutMs = options.connectTimeoutMs ??
    seconds(query.get("connect_timeout"), "connect_timeout", 10) * 1000;
  const idleTimeoutMs = options.idleTimeoutMs ??
    seconds(query.get("idle_timeout"), "idle_timeout", 30) * 1000;
  // Both limits must be finite; a connection must be given some time (0 would fail at once).
  if (!Number.isFinite(connectTimeoutMs) || connectTimeoutMs <= 0) {
    throw new QuireError("INVALID_OPTION", "Invalid connect timeout: expected more than 0");
  }
  if (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs < 0) {
    throw new QuireError("INVALID_OPTION", "Invalid idle timeout: expected 0 (never) or more");
  }
  const applicationName = options.applicationName ?? query.get("application_name") ?? "quire";
  return {
    host,
    port,
    socketPath: socketDir === undefined ? undefined : `${socketDir}/.s.PGSQL.${port}`,
    user,
    password,
    database,
    sslmode: sslmode as SslMode,
    poolSize,
    connectTimeoutMs,
    idleTimeoutMs,
    prepare: options.prepare ?? true,
    applicationName,
    schema: query.get("schema"),
  };
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(`the ${what} is not valid percent-encoding`);
  }
}

function integer(text: string, name: string, min: number, max: number): number {
  const value = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw invalid(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function seconds(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = /^\d{1,7}(\.\d{1,3})?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value)) throw invalid(`${name} must be a number of seconds`);
  return value;
}

/** The OS user name, as libpq's default user; `"postgres"` when it cannot be told. */
function currentUser(): string {
  try {
    return userInfo().username || "postgres";
  } catch {
    return "postgres";
  }
}
