// SQLSTATE classes and driver codes that mean "the database cannot be reached or is going away",
// as opposed to a bad query. Callers turn these into 503 / a retry, never into a 202.
const unavailableSqlStates = /^(08|53|57P0)/;
const unavailableNodeCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND"]);
const unavailablePrismaCodes = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
// "is not queryable": pg handed out a client whose connection died before the query was sent.
const unavailableMessages =
  /not currently accepting connections|is not queryable|Unable to start a transaction in the given time|too many clients|Connection terminated|Can't reach database|terminating connection|connection timeout|Connection refused|the database system is (starting up|shutting down)/i;

/** True when `err` says Postgres is unreachable or restarting rather than that a query is wrong. */
export function isDatabaseUnavailableError(err: unknown): boolean {
  if (err instanceof IntakeOutcomeUnknownError) return false;
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; depth += 1) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string") {
      if (unavailableNodeCodes.has(code) || unavailablePrismaCodes.has(code)) return true;
      if (code.length === 5 && unavailableSqlStates.test(code)) return true;
    }
    if (typeof message === "string" && unavailableMessages.test(message)) return true;
    e = cause;
  }
  return false;
}

/**
 * The connection died around the intake statement's COMMIT and the database could not be asked
 * in time whether the row committed: the request may or may not be recorded. Not a "database
 * unavailable" error on purpose: that one promises nothing was recorded.
 */
export class IntakeOutcomeUnknownError extends Error {
  override readonly name = "IntakeOutcomeUnknownError";
  /** The id the row has if it committed (the job id a client can poll). */
  readonly requestId: string;

  constructor(requestId: string, cause: unknown) {
    super("the intake statement's outcome is unknown", { cause });
    this.requestId = requestId;
  }
}
