import type { BenchDatabase } from "./bench-database";

/**
 * Fills the organisation with `count` contacts in one statement (free-mail people no request
 * touches), then ANALYZE: autovacuum may be off, and the planner must know the table's size.
 */
export async function loadContacts(database: BenchDatabase, orgId: string, count: number): Promise<void> {
  await database.client.query(
    `INSERT INTO contacts (id, org_id, email, email_normalized, first_name, last_name, title)
     SELECT gen_random_uuid(), $1::uuid, x.email, x.email, 'First' || g, 'Last' || g, 'Engineer'
       FROM generate_series(1, $2::int) AS g,
            LATERAL (SELECT 'filler' || g || '@gmail.com' AS email) AS x`,
    [orgId, count],
  );
  await database.client.query("ANALYZE");
}
