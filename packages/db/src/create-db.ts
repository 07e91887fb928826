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
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** Pool size per process (pg default is 10). */
  maxConnections?: number;
}

/** Creates the pool and the Prisma client over it. Nothing connects until the first query. */
export function createDb(url: string, options: CreateDbOptions = {}): Db {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10 });
  // An idle client's error (the server went away) must not crash the process; the next query
  // reports it to its caller.
  pool.on("error", () => {});
  // A held client's error is reported to the query in flight, but pg also emits it as an event,
  // and an unheard event crashes the process. Prisma's adapter listens on a transaction's client
  // only after `await pool.connect()`, a gap a termination notice can fall into (see
  // checkOutClient), so every client is heard from the moment it connects.
  pool.on("connect", (client) => client.on("error", () => {}));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    ping: () =>
      pool.query("SELECT 1").then(
        () => true,
        () => false,
      ),
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
