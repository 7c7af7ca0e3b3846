/**
 * Random names and tokens: temporary files, lock tokens, partial backups.
 *
 * @module
 */

/** `bytes` random bytes as lower-case hex digits: a name or token nobody else picks. */
export function randomHex(bytes: number): string {
  let hex = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(bytes))) {
    hex += byte.toString(16).padStart(2, "0");
  }
  return hex;
}
