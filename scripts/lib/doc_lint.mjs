// Reads `deno doc --lint`'s report and says whether every error in it is a known, accepted one.
//
// QuireApp, the type of createApp's app, is Hono's class with quire's routes as its schema:
// Hono's typed client (`hc<QuireApp>`) needs the class itself, which has private members, so no
// structural copy can stand in for it. deno doc therefore reports that QuireApp names Hono's
// types (Hono, Env, JSONValue, StatusCode). They are public exports of the hono package
// ("hono", "hono/utils/types", "hono/utils/http-status"), but deno doc only exempts types from
// other packages when they come from jsr: or https: (denoland/deno#27364, fixed for those in
// #34339), not from npm packages read through node_modules. Re-exporting them from quire/http
// would make Hono's whole class part of quire's documentation, with its own dozens of reports.
//
// Anything else in the report, including any other type QuireApp might come to name, still fails.

/** The reports that are accepted: public type → the private types it may name. */
export const ACCEPTED = new Map([
  ["QuireApp", new Set(["Hono", "Env", "JSONValue", "StatusCode"])],
]);

// deno-lint-ignore no-control-regex -- matching ESC is the point
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const ERROR = /^error\[([a-z-]+)\]: (.*)$/;
const PRIVATE_REF = /^public type '([^']+)' references private type '([^']+)'$/;
const FOUND = /^error: Found (\d+) documentation lint errors?\./;

/**
 * The errors in `output` that are not accepted, as lines of text; empty when all are. A report
 * whose count ("Found N …") differs from the errors read is refused too, so that a change in
 * deno's wording cannot pass unread.
 */
export function unacceptedDocLintErrors(output) {
  const lines = output.replace(ANSI, "").split(/\r?\n/);
  const errors = [];
  let found = null;
  for (const line of lines) {
    const count = FOUND.exec(line);
    if (count) {
      found = Number(count[1]);
      continue;
    }
    const error = ERROR.exec(line);
    if (error) errors.push({ rule: error[1], message: error[2] });
  }
  const unaccepted = errors.filter(({ rule, message }) => {
    const ref = rule === "private-type-ref" ? PRIVATE_REF.exec(message) : null;
    return !(ref && ACCEPTED.get(ref[1])?.has(ref[2]));
  }).map(({ rule, message }) => `${rule}: ${message}`);
  if (found !== errors.length) {
    unaccepted.push(`deno reported ${found ?? "no count of"} errors, ${errors.length} were read`);
  }
  return unaccepted;
}
