import type pg from "pg";

/** A pool or a client checked out of it (inside a transaction). */
export type Queryable = pg.Pool | pg.PoolClient;

/**
 * Runs a named (prepared) statement: Postgres parses and plans it once per connection, and every
 * later call only binds values. Every statement on the request path goes through here.
 */
export async function runStatement<Row extends pg.QueryResultRow>(
  db: Queryable,
  name: string,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  const result = await db.query<Row>({ name, text, values });
  return result.rows;
}

/** A client checked out for one transaction (see withTransaction). */
export type Tx = pg.PoolClient;

/**
 * Runs `fn` in one transaction (READ COMMITTED) on a client of its own: BEGIN, fn, COMMIT, or
 * ROLLBACK when `fn` throws. Keep it short: locks are held until it ends. A client whose
 * connection failed is destroyed instead of going back to the pool.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const value = await fn(client);
    await client.query("COMMIT");
    return value;
  } catch (err) {
    await client.query("ROLLBACK").catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
