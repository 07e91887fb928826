import type { Pool, PoolClient } from "pg";

/** A client checked out of the pool, heard while held; `release(err)` discards it. */
export interface CheckedOutClient {
  client: PoolClient;
  /** The server process behind the connection (from its BackendKeyData), when known. */
  backendPid: number | null;
  release(err?: Error): void;
}

/**
 * Checks a client out for a sequence of statements. While a client is held, pg reports a dead
 * connection as an 'error' event (besides rejecting any query in flight), and an unheard 'error'
 * crashes the process. The listener is attached inside pg-pool's callback, synchronously: with
 * `await pool.connect()` it would be attached a microtask later, and a new connection's first
 * socket read can hold its ReadyForQuery and a termination notice together, so the notice was
 * emitted before anyone listened (seen in CI under pg_terminate_backend).
 */
export function checkOutClient(pool: Pool): Promise<CheckedOutClient> {
  return new Promise((resolve, reject) => {
    pool.connect((err, client, done) => {
      if (err || !client) {
        reject(err ?? new Error("the pool returned no client"));
        return;
      }
      const onError = () => {}; // the query in flight, if any, reports it to its caller
      client.on("error", onError);
      resolve({
        client,
        backendPid: (client as PoolClient & { processID?: number | null }).processID ?? null,
        release: (releaseErr) => {
          // The pool listens again from here on (its idle listener); a discarded client keeps
          // ours too, for whatever its closing socket still reports.
          if (!releaseErr) client.removeListener("error", onError);
          done(releaseErr);
        },
      });
    });
  });
}
