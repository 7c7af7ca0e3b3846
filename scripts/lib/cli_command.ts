/**
 * A `quire` command: its arguments ({@linkcode CommandSpec}) and what it runs. The options every
 * command shares (`--db`, `--json`, `--help`) are added here, once.
 *
 * @module
 */

import {
  type CommandSpec,
  type OptionSpec,
  type ParsedArgs,
  UsageError,
  wholeNumber,
} from "./cli_args.ts";
import type { Io } from "./cli_io.ts";
import type { Output } from "./cli_output.ts";
import { CLI_DEFAULT_URL, type Target } from "./cli_store.ts";

/** What a command runs with. */
export interface Context {
  io: Io;
  spec: CommandSpec;
  args: ParsedArgs;
  /** The database: `--db`, else the environment, else the demo's. */
  target: Target;
  /** stdout, as tables or JSON. */
  out: Output;
}

/** A command: its spec, and its run resolving to the exit code. */
export interface Command extends CommandSpec {
  run(context: Context): Promise<number>;
}

/** The options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  db: {
    type: "string",
    value: "url",
    help: `the database (default: QUIRE_URL, else DATABASE_URL, else ${CLI_DEFAULT_URL})`,
  },
  json: { type: "boolean", help: "print JSON (NDJSON for lists), even on a terminal" },
  help: { type: "boolean", short: "h", help: "this help" },
};

/** A command with the common options after its own. */
export function command(
  spec: Omit<Command, "options"> & { options?: Record<string, OptionSpec> },
): Command {
  return { ...spec, options: { ...spec.options, ...COMMON_OPTIONS } };
}

/**
 * A positional the command's `args` requires (`<collection>`): `parseCommandArgs` has already
 * refused a command line without it, so this only narrows the type.
 */
export function required(context: Context, index: number): string {
  const value = context.args.positionals[index];
  if (value === undefined) throw new UsageError("Too few arguments", context.spec);
  return value;
}

/** A string option's value. */
export function stringOption(context: Context, name: string): string | undefined {
  const value = context.args.values[name];
  return typeof value === "string" ? value : undefined;
}

/** A whole-number option's value, checked: `--limit 10`. */
export function numberOption(
  context: Context,
  name: string,
  range: { min: number; max?: number },
): number | undefined {
  return wholeNumber(stringOption(context, name), { name, ...range, spec: context.spec });
}

/** A repeatable option's values (each may also be a comma-separated list). */
export function listOption(context: Context, name: string, split = true): string[] {
  const value = context.args.values[name];
  const values = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  return split ? values.flatMap((item) => item.split(",").map((part) => part.trim())) : values;
}

/** A switch's value. */
export function flag(context: Context, name: string): boolean {
  return context.args.values[name] === true;
}
