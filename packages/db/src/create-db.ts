import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client";

export type Prisma = PrismaClient;
/** The node-postgres pool under the Prisma client: the hot path's named statements run on it. */
export type Pool = pg.Pool;

export interface Db {
  prisma: PrismaClient;
  /** The same connections Prisma uses (one pool per process), for the request path's SQL. */
  pool: Pool;
  /** Whether Postgres answers a `SELECT 1` on the pool (readiness; Prisma's compiler is not loaded). */
  ping(): Promise<boolean>;
  /**
   * The URL names a transaction-pooling proxy (`pgbouncer=true`): consecutive transactions of one
   * pooled client may run on different server sessions, so nothing may rely on a session.
   */
  transactionPooling: boolean;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** Pool size per process (pg default is 10). */
  maxConnections?: number;
  /**
   * Named (prepared) statements on the request path. Default: on, except behind a transaction
   * pooler (`pgbouncer=true` in the URL), where a statement prepared in one server session is
   * missing from the next (PgBouncer before 1.21 does not track them; 1.21+ does with
   * `max_prepared_statements`, so `true` is right there).
   */
  preparedStatements?: boolean | undefined;
  /** Shown in pg_stat_activity (and by PgBouncer); pg's default is none. */
  applicationName?: string;
}

/** `pgbouncer=true` in a connection URL: Prisma's own marker for a transaction-pooling proxy. */
export function isTransactionPoolerUrl(url: string): boolean {
  return new URL(url).searchParams.get("pgbouncer") === "true";
}

/**
 * The URL without the parameters only this service reads (pg would pass an unknown one through
 * to the server, which refuses it).
 */
function withoutServiceParams(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete("pgbouncer");
  return parsed.toString();
}

/**
 * A connection that runs every statement unnamed: Postgres parses and plans it each time, and
 * nothing is left in the server session for the next transaction to find (or miss). The request
 * path keeps naming its statements (runStatement); this is where the name is dropped.
 */
class UnpreparedClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query has a dozen overloads; the arguments pass through unchanged but for the name
  override query(config: any, ...rest: any[]): any {
    if (config !== null && typeof config === "object" && typeof config.name === "string") {
      const { name: _name, ...unnamed } = config;
      return (super.query as (...args: unknown[]) => unknown)(unnamed, ...rest);
    }
    return (super.query as (...args: unknown[]) => unknown)(config, ...rest);
  }
}

/** Creates the pool and the Prisma client over it. Nothing connects until the first query. */
export function createDb(url: string, options: CreateDbOptions = {}): Db {
  const transactionPooling = isTransactionPoolerUrl(url);
  const prepared = options.preparedStatements ?? !transactionPooling;
  const pool = new pg.Pool({
    connectionString: withoutServiceParams(url),
    max: options.maxConnections ?? 10,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
    ...(prepared ? {} : { Client: UnpreparedClient }),
  });
  // An idle client's error (the server went away) must not crash the process; the next query
  // reports it to its caller.
  pool.on("error", () => {});
  // A held client's error is reported to the query in flight, but pg also emits it as an event,
  // and an unheard event crashes the process. Prisma's adapter listens on a transaction's client
  // only after `await pool.connect()`, a gap a termination notice can fall into (see
  // checkOutClient), so every client is heard from the moment it connects.
  pool.on("connect", (client) => client.on("error", () => {}));
  // Prisma's adapter sends its statements unnamed (no statementNameGenerator), so they need
  // nothing from the server session either way.
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    ping: () =>
      pool.query("SELECT 1").then(
        () => true,
        () => false,
      ),
    transactionPooling,
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
