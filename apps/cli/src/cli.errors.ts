/** An expected failure (bad input, unknown id): printed as one sentence, never with a stack. */
export class CliError extends Error {
  override readonly name = "CliError";
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Returns the id lower-cased, or throws a CliError naming the option that carried it. */
export function parseUuidArgument(value: string, label: string): string {
  const trimmed = value.trim();
  if (!uuidPattern.test(trimmed)) throw new CliError(`${label} must be a UUID, got "${value}"`);
  return trimmed.toLowerCase();
}

// @upsert/domain's DomainError (the repositories throw it, e.g. for an unknown organisation),
// recognised by its name because the CLI reaches the domain only through @upsert/db.
function isDomainError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && err.name === "DomainError";
}

interface DriverErrorShape {
  code?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
}

/** Prisma codes / driver-adapter kinds / SQLSTATEs meaning "this database is not set up". */
const missingSchemaPrismaCodes = new Set(["P1003", "P2021"]);
const missingSchemaKinds = new Set(["DatabaseDoesNotExist", "TableDoesNotExist"]);
const missingSchemaSqlStates = new Set(["3D000", "42P01"]);
const unreachablePrismaCodes = new Set(["P1001", "P1002", "P1017"]);
const unreachableNodeCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH"]);

function classifyDatabaseError(err: unknown): "missing_schema" | "unreachable" | null {
  if (typeof err !== "object" || err === null) return null;
  const { code, meta } = err as DriverErrorShape;
  const cause = meta?.driverAdapterError?.cause;
  if (typeof code === "string" && missingSchemaPrismaCodes.has(code)) return "missing_schema";
  if (typeof cause?.kind === "string" && missingSchemaKinds.has(cause.kind)) return "missing_schema";
  if (typeof cause?.originalCode === "string" && missingSchemaSqlStates.has(cause.originalCode)) {
    return "missing_schema";
  }
  if (typeof code === "string" && missingSchemaSqlStates.has(code)) return "missing_schema";
  if (typeof code === "string" && (unreachablePrismaCodes.has(code) || unreachableNodeCodes.has(code))) {
    return "unreachable";
  }
  if (cause?.kind === "DatabaseNotReachable") return "unreachable";
  return null;
}

export interface DatabaseTarget {
  name: string;
  host: string;
}

/** Describes where DATABASE_URL points, for error sentences (never includes the password). */
export function describeDatabaseUrl(url: string): DatabaseTarget {
  const parsed = new URL(url);
  return {
    name: decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "postgres",
    host: parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname,
  };
}

/**
 * The one-line sentence for an expected failure, or null when the error is a bug or an outage
 * the user should see in full.
 */
export function describeExpectedError(err: unknown, database: DatabaseTarget): string | null {
  if (err instanceof CliError) return err.message;
  if (isDomainError(err)) return err.message;
  switch (classifyDatabaseError(err)) {
    case "missing_schema":
      return `database ${database.name} does not exist or is not migrated; run \`pnpm db:migrate\``;
    case "unreachable":
      return `cannot reach Postgres at ${database.host}; is it running and is DATABASE_URL right?`;
    default:
      return null;
  }
}

/** Last non-empty line of an error message: Prisma puts the reason after a code frame. */
export function summariseUnexpectedError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message.split("\n").filter((line) => line.trim().length > 0);
  return lines.at(-1)?.trim() ?? "unknown error";
}
