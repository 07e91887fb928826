import parsePreferHeader from "parse-prefer-header";

/** What a request's `Prefer` header (RFC 7240) asks of an asynchronous operation. */
export type Preference =
  /** No preference we act on: today's answer (202 for writes). */
  | { kind: "none" }
  /** `respond-async`: the 202 at once, whatever else the header says. */
  | { kind: "respond-async" }
  /** `wait=N` (N ≥ 1, capped): wait up to `seconds` for the write, then answer what is known. */
  | { kind: "wait"; seconds: number };

/**
 * Reads a request's `Prefer` header (`req.headers.prefer`). The first instance of a preference counts (RFC 7240 §2), and one we do not
 * understand (`wait=soon`) is ignored rather than refused, as the RFC asks of servers.
 */
export function readPreference(header: string | string[] | undefined, maxWaitS: number): Preference {
  if (header === undefined) return { kind: "none" };
  const preferences = parsePreferHeader(header);
  if (preferences.respondAsync !== undefined) return { kind: "respond-async" };
  const wait = preferences.wait;
  if (typeof wait !== "string" || !/^\d{1,9}$/.test(wait)) return { kind: "none" };
  const seconds = Math.min(Number(wait), maxWaitS);
  return seconds > 0 ? { kind: "wait", seconds } : { kind: "none" };
}
