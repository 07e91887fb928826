import { randomBytes } from "node:crypto";
import { Client } from "pg";

/** Lower-case hex, so the names need no quoting surprises and stay within Postgres' 63 bytes. */
export function randomDatabaseSuffix(): string {
  return randomBytes(6).toString("hex");
}

/** Runs `work` on a short-lived connection to the server's maintenance database. */
export async function withServerClient<T>(
  serverUrl: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Drops a test database even while a forgotten pool still holds connections to it. Terminating
 * first (this database's sessions only) also covers sessions FORCE would wait on; FORCE then
 * closes the race with a connection opened in between.
 */
export async function dropDatabaseForcefully(serverUrl: string, name: string): Promise<void> {
  await withServerClient(serverUrl, async (client) => {
    await client.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [name],
    );
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  });
}
