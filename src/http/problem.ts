/**
 * Errors as HTTP responses: every error is `application/problem+json` (RFC 9457) with `type`,
 * `title`, `status`, `code` (the QuireError code) and `detail`. The status comes from the code;
 * this is the only place that knows it (errors.ts knows nothing of HTTP).
 *
 * @module
 */

import { type ErrorCode, QuireError } from "../errors.ts";

/** What an error answers: its status and the problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode | "UNAUTHORIZED" | "NOT_ACCEPTABLE" | "INTERNAL";
  detail: string;
}

/**
 * The status of each code. INVALID_* and TOO_LARGE are the client's; UNSUPPORTED too (a search
 * of a collection without search fields, say: asking again the same way cannot work); BUSY and
 * STORAGE may pass, so they are 503 (BUSY with Retry-After); CLOSED is a store shutting down.
 */
const STATUS: Record<ErrorCode, number> = {
  INVALID_ID: 400,
  INVALID_NAME: 400,
  INVALID_DOCUMENT: 400,
  INVALID_OPTION: 400,
  TOO_LARGE: 400,
  INVALID_FILTER: 400,
  INVALID_SEARCH: 400,
  UNSUPPORTED: 400,
  CONFLICT: 409,
  NOT_FOUND: 404,
  READ_ONLY: 403,
  SCHEMA_TOO_NEW: 500,
  CORRUPT: 500,
  BUSY: 503,
  STORAGE: 503,
  CLOSED: 503,
};

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * The problem document of an error. A STORAGE or unexpected error says nothing of its
 * internals (paths, SQL, stack); every detail has `<`, `>` and `&` escaped, so that no text from
 * the request comes back as markup.
 *
 * @param error What was thrown.
 * @param status A status to use instead of the code's (412 for a failed If-Match, say).
 */
export function problemOf(error: unknown, status?: number): Problem {
  if (!(error instanceof QuireError)) {
    return problem(500, "INTERNAL", "The server met an unexpected error; it has been logged");
  }
  const code = error.code;
  const detail = code === "STORAGE"
    ? "The store cannot be written or read right now; try again later"
    : error.message;
  return problem(status ?? STATUS[code], code, detail);
}

/** A problem document. */
export function problem(status: number, code: Problem["code"], detail: string): Problem {
  return {
    type: `urn:quire:problem:${code.toLowerCase().replaceAll("_", "-")}`,
    title: TITLES[status] ?? "Error",
    status,
    code,
    detail: escapeMarkup(detail),
  };
}

/** The response for a problem document; BUSY and STORAGE say when to try again. */
export function problemResponse(body: Problem): Response {
  const headers: Record<string, string> = { "Content-Type": "application/problem+json" };
  if (body.status === 503) headers["Retry-After"] = "1";
  return new Response(JSON.stringify(body), { status: body.status, headers });
}

function escapeMarkup(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
