/**
 * The multi-process soak (scripts/lib/soak.ts) on one Postgres database: a Bun and a Deno worker
 * and a reader write and check one schema for a few seconds, with every kind of operation
 * (puts, conditional puts retried on CONFLICT, putMany, deletes, transactions moving amounts
 * between accounts, searches, exports). No error may surface and no invariant may break: nothing
 * lost, conflicts surfaced and retried, the accounts' total conserved. Skipped, with the reason
 * printed, where Postgres is not installed; `bun scripts/soak.ts --url postgres://…` runs it
 * longer.
 */

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { type PgServer, startPgServer } from "../scripts/lib/pg_server.ts";
import { KINDS, runSoak } from "../scripts/lib/soak.ts";
import { pgSuiteSkip, runtime } from "./helpers.ts";

const SECONDS = 5;
const unavailable = pgSuiteSkip();
if (unavailable !== undefined) console.log(`Postgres soak skipped: ${unavailable}`);
// Started while the module loads: Bun's hooks time out after 5 s whatever node:test is told.
const server: PgServer | undefined = unavailable === undefined ? await startPgServer() : undefined;

describe(`soak on Postgres (${runtime})`, { skip: unavailable ?? false }, () => {
  after(() => server?.stop());

  test(
    `a Bun and a Deno worker and a reader for ${SECONDS} s: no error, no violation`,
    { timeout: 180_000 },
    async () => {
      const lines: string[] = [];
      const report = await runSoak({
        url: `${server!.url}?schema=soak_${runtime}`,
        processes: 2,
        seconds: SECONDS,
        runtimes: ["bun", "deno"],
        seed: 42,
        progressSeconds: 60,
        log: (line) => lines.push(line),
      });
      const context = `\n${lines.join("\n")}`;
      assert.equal(report.errors, 0, `errors surfaced${context}`);
      assert.equal(report.violations, 0, `invariant violations${context}`);
      for (const kind of KINDS) assert.ok(report.ops[kind] > 0, `no ${kind} ran${context}`);
      assert.ok(report.readerRounds > 0, `the reader checked nothing${context}`);
      assert.ok(report.final.checkOk, `check() is not ok${context}`);
      assert.equal(report.final.accountsTotal, 16_000);
      assert.equal(report.final.counterTotal, report.increments);
    },
  );
});
