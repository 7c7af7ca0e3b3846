/**
 * src/http/app_type.ts (`QuireApp`, createApp's declared return type) is what
 * scripts/gen_app_type.ts writes from the type tsc infers: a route added without running the
 * script again would still type-check, and `hc<QuireApp>` would silently miss it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { appTypeSource } from "../scripts/gen_app_type.ts";
import { runtime } from "./helpers.ts";

// One tsc run (seconds); the type is the same whichever runtime asks.
test("src/http/app_type.ts is up to date", {
  skip: runtime !== "bun" && "runs once per suite, on Bun",
  timeout: 120_000,
}, () => {
  const written = readFileSync(new URL("../src/http/app_type.ts", import.meta.url), "utf8");
  const squeeze = (text: string) => text.replace(/\s+/g, "");
  assert.ok(
    squeeze(written) === squeeze(appTypeSource()),
    "src/http/app_type.ts is stale: run `bun scripts/gen_app_type.ts`",
  );
});
