/**
 * The `quire` commands' arguments: each command declares its positionals and options once
 * ({@linkcode CommandSpec}); {@linkcode parseCommandArgs} reads them with `node:util`'s
 * `parseArgs` in strict mode (both runtimes have it), and {@linkcode commandHelp} prints them.
 * Every mistake on the command line is a {@linkcode UsageError} (exit code 2).
 *
 * @module
 */

import { parseArgs } from "node:util";

/** An option of a command. */
export interface OptionSpec {
  /** `"string"` takes a value (`--limit 10`, `--limit=10`); `"boolean"` is a switch. */
  type: "string" | "boolean";
  /** May be given more than once (the values are collected). */
  multiple?: boolean;
  /** A one-letter alias (`-h`). */
  short?: string;
  /** The value's name in the help (`--limit <n>`). */
  value?: string;
  /** One line of help. */
  help: string;
}

/** What a command takes, for parsing and for its `--help`. */
export interface CommandSpec {
  name: string;
  /** The positionals as the usage line shows them: `<collection> [filter]`. */
  args: string;
  /** Fewest and most positionals. */
  min: number;
  max: number;
  /** One line for `quire help`. */
  summary: string;
  /** More lines for `quire <command> --help`. */
  details?: string;
  options: Record<string, OptionSpec>;
}

/** Parsed arguments: positionals and option values. */
export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

/** A mistake on the command line: exit code 2, with the command's usage line. */
export class UsageError extends Error {
  readonly code = "USAGE";
  /** The command whose usage line to print, if known. */
  readonly command?: CommandSpec | undefined;

  constructor(message: string, command?: CommandSpec) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/**
 * Reads `argv` (what follows the command name) against `spec`.
 *
 * A valued option always takes the next argument, even one starting with `-` (`--sort -year`):
 * `parseArgs` alone would call that ambiguous. A positional that starts with `-` (a search for
 * `-war peace`) goes after `--`.
 *
 * @throws {UsageError} for an unknown option, a missing value, a value given to a switch, or too
 *   few or too many positionals.
 */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""; // i < argv.length
    if (arg === "--") {
      args.push(...argv.slice(i));
      break;
    }
    const name = arg.startsWith("--") ? arg.slice(2) : undefined;
    if (
      name !== undefined && Object.hasOwn(spec.options, name) &&
      spec.options[name]?.type === "string" && i + 1 < argv.length
    ) {
      args.push(`${arg}=${argv[++i]}`);
    } else {
      args.push(arg);
    }
  }
  const options: Record<
    string,
    { type: "string" | "boolean"; multiple?: boolean; short?: string }
  > = {};
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] = {
      type: option.type,
      ...(option.multiple && { multiple: true }),
      ...(option.short && { short: option.short }),
    };
  }
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true }) as ParsedArgs;
  } catch (error) {
    // parseArgs' messages have a first line that says it all; the rest suggests `--`.
    const message = error instanceof Error
      ? error.message.split(/\n|\. To /)[0] ?? error.message
      : String(error);
    throw new UsageError(message.replace(/\.$/, ""), spec);
  }
  if (parsed.values.help === true) return parsed;
  const n = parsed.positionals.length;
  if (n < spec.min) {
    const wanted = spec.args.split(" ").filter((arg) => arg.startsWith("<"))[n] ?? "an argument";
    throw new UsageError(`${spec.name} needs ${wanted}`, spec);
  }
  if (n > spec.max) {
    // The database used to be the first argument: say where it goes now.
    const url = parsed.positionals.some((arg) => /^(sqlite|file|memory|postgres(ql)?):/.test(arg));
    const hint = url ? "a database URL goes in --db <url>" : "quote a filter or query with spaces";
    throw new UsageError(
      `${spec.name} takes at most ${spec.max} argument${spec.max === 1 ? "" : "s"}, not ${n} ` +
        `(${hint})`,
      spec,
    );
  }
  return parsed;
}

/** What {@linkcode wholeNumber} accepts. */
export interface WholeNumberRange {
  /** The option's name, for the message. */
  name: string;
  min: number;
  max?: number;
  /** The command, for the usage line. */
  spec?: CommandSpec;
}

/**
 * The value of a whole-number option (`--limit 10`), checked against its range.
 * @throws {UsageError} when it is not a whole number in the range.
 */
export function wholeNumber(text: string | undefined, range: WholeNumberRange): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= range.min && value <= (range.max ?? Number.MAX_SAFE_INTEGER))) {
    const bounds = range.max === undefined
      ? `${range.min} or more`
      : `from ${range.min} to ${range.max}`;
    throw new UsageError(
      `--${range.name} takes a whole number ${bounds}, not ${JSON.stringify(text)}`,
      range.spec,
    );
  }
  return value;
}

/** The usage line of a command: `quire find <collection> [filter] [options]`. */
export function usageLine(spec: CommandSpec): string {
  const args = spec.args === "" ? "" : ` ${spec.args}`;
  return `quire ${spec.name}${args}${Object.keys(spec.options).length > 0 ? " [options]" : ""}`;
}

/** What `quire <command> --help` prints. */
export function commandHelp(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : ""}--${name}${
      option.type === "string" ? ` <${option.value ?? "value"}>` : ""
    }`;
    return [flag, `${option.help}${option.multiple ? " (repeatable)" : ""}`] as const;
  });
  const width = Math.max(0, ...rows.map(([flag]) => flag.length));
  const lines = [`usage: ${usageLine(spec)}`, "", spec.summary];
  if (spec.details) lines.push("", spec.details);
  if (rows.length > 0) {
    lines.push("", "options:");
    for (const [flag, help] of rows) lines.push(`  ${flag.padEnd(width)}  ${help}`);
  }
  return `${lines.join("\n")}\n`;
}
