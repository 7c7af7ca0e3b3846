/**
 * `quire serve`: the HTTP API (`quire/http`) on `Bun.serve` or `Deno.serve`, until SIGINT or
 * SIGTERM; then the requests in flight finish and the store closes (scripts/lib/serve_store.ts).
 *
 * It listens on 127.0.0.1 unless told otherwise, and refuses an address other machines can reach
 * without a token (`--token` or `QUIRE_TOKEN`), unless `--insecure-no-token` says that is meant.
 * One line per request goes to stdout (method, path, the query's parameter names but never their
 * values, status, milliseconds); the notes about starting and stopping go to stderr.
 *
 * @module
 */

import { isLoopback } from "../../http.ts";
import { UsageError, wholeNumber } from "./cli_args.ts";
import { command, type Context, flag, listOption, stringOption } from "./cli_command.ts";
import { write } from "./cli_io.ts";
import { openToWrite, shownUrl } from "./cli_store.ts";
import { serveStore } from "./serve_store.ts";

const DEFAULT_PORT = 8080;
const DEFAULT_HOST = "127.0.0.1";

/** `quire serve` */
export const serveCommand = command({
  name: "serve",
  args: "",
  min: 0,
  max: 0,
  summary: "Serve the HTTP API until Ctrl-C (SIGINT) or SIGTERM.",
  details: `Routes: see the README's HTTP section, or GET /v1/openapi.json. A non-loopback --host
needs a token (--token or QUIRE_TOKEN), unless --insecure-no-token. On SIGINT/SIGTERM the
requests in flight finish, then the store closes: every acknowledged write is kept.`,
  options: {
    port: {
      type: "string",
      value: "n",
      help: `the port, 0 for any free one (default: PORT, else ${DEFAULT_PORT})`,
    },
    host: { type: "string", value: "address", help: `where to listen (default ${DEFAULT_HOST})` },
    token: {
      type: "string",
      value: "token",
      help: "require Authorization: Bearer <token> (default: QUIRE_TOKEN)",
    },
    "read-only": { type: "boolean", help: "refuse every write (403); the database is not created" },
    "insecure-no-token": {
      type: "boolean",
      help: "allow a non-loopback --host without a token",
    },
    "no-ui": { type: "boolean", help: "no search page at / (the API only)" },
    cors: {
      type: "string",
      multiple: true,
      value: "origin",
      help: "let pages of this origin call the API (* for any)",
    },
  },
  async run(context: Context): Promise<number> {
    const { env } = context.io;
    const port = wholeNumber(stringOption(context, "port") ?? env.PORT, {
      name: "port",
      min: 0,
      max: 65535,
      spec: context.spec,
    }) ?? DEFAULT_PORT;
    const hostname = stringOption(context, "host") ?? DEFAULT_HOST;
    const token = stringOption(context, "token") ?? (env.QUIRE_TOKEN || undefined);
    if (token === undefined && !isLoopback(hostname) && !flag(context, "insecure-no-token")) {
      throw new UsageError(
        `serving on ${hostname} lets other machines in: give --token <token> or set QUIRE_TOKEN ` +
          "(or --insecure-no-token if that is really meant)",
        context.spec,
      );
    }
    const origins = listOption(context, "cors");
    const cors = origins.length === 0 ? undefined : origins.includes("*") ? true : origins;
    const readOnly = flag(context, "read-only");
    const store = await openToWrite(context.target, { readonly: readOnly });
    const note = (line: string) => void write(context.io.stderr, `${line}\n`);
    try {
      await serveStore(store, {
        port,
        hostname,
        token,
        readOnly,
        cors,
        ...(flag(context, "no-ui") && { ui: false }),
        log: (line) => void write(context.io.stdout, `${line}\n`),
        note,
        onListen: (server) => {
          const mode = [
            token === undefined ? "" : "token required",
            readOnly ? "read-only" : "",
          ].filter(Boolean).join(", ");
          note(
            `quire: serving ${shownUrl(context.target.url)} on ${server.url}` +
              `${mode ? ` (${mode})` : ""} (Ctrl-C stops)`,
          );
        },
      });
    } finally {
      await store.close();
    }
    return 0;
  },
});
