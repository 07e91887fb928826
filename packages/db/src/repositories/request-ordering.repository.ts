import { type Queryable, runStatement } from "../statements/run-statement";

/** The ordering rule by index lookups: an earlier, unwritten request on one of these keys? */
export async function hasEarlierUnwrittenRequest(
  db: Queryable,
  input: { orgId: string; seq: bigint; keys: readonly string[] },
): Promise<boolean> {
  if (input.keys.length === 0) return false;
  const rows = await runStatement<{ found: boolean }>(
    db,
    "has_earlier_unwritten_request",
    "SELECT has_earlier_unwritten_request($1, $2, $3) AS found",
    [input.orgId, [...input.keys], input.seq],
  );
  return rows[0]?.found === true;
}

/**
 * A window of queued requests accepted before `acceptedBefore`, with seq after `afterSeq` (at most
 * `limit`, in seq order), each marked `head` when no earlier unwritten request shares an ordering
 * key with it: the ones whose wake-up a crashed worker may have lost. Bounded, so a pass costs the
 * same however deep the backlog; the caller moves `afterSeq` on.
 */
export async function findRunnableWaitingRequests(
  db: Queryable,
  input: { acceptedBefore: Date; afterSeq: bigint; limit: number },
): Promise<{ id: string; seq: bigint; head: boolean }[]> {
  const rows = await runStatement<{ id: string; seq: string; head: boolean }>(
    db,
    "find_runnable_waiting_requests",
    `SELECT r.id, r.seq, NOT EXISTS (
       SELECT 1 FROM intake_request_keys mine
       JOIN intake_request_keys earlier
         ON earlier.org_id = mine.org_id AND earlier.key = mine.key AND earlier.seq < mine.seq
       WHERE mine.request_id = r.id) AS head
     FROM (SELECT id, seq FROM intake_requests
           WHERE status = 'queued' AND written_at IS NULL AND created_at < $1 AND seq > $2
           ORDER BY seq LIMIT $3) r`,
    [input.acceptedBefore, input.afterSeq, input.limit],
  );
  return rows.map((row) => ({ id: row.id, seq: BigInt(row.seq), head: row.head }));
}

/**
 * Takes or renews a named lease for `holder` for `ttlMs`: true while this holder has it. One
 * statement, no session state, so any number of processes can contend through any pooler.
 */
export async function acquireLease(
  db: Queryable,
  input: { name: string; holder: string; ttlMs: number },
): Promise<boolean> {
  const rows = await runStatement<{ holder: string }>(
    db,
    "acquire_lease",
    `INSERT INTO dispatcher_leases (name, holder, expires_at)
     VALUES ($1, $2, now() + $3 * interval '1 millisecond')
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
     WHERE dispatcher_leases.holder = EXCLUDED.holder OR dispatcher_leases.expires_at < now()
     RETURNING holder`,
    [input.name, input.holder, input.ttlMs],
  );
  return rows.length > 0;
}

/** Gives a lease up (at shutdown), so another process takes over at once. */
export async function releaseLease(db: Queryable, input: { name: string; holder: string }): Promise<void> {
  await runStatement(db, "release_lease", "DELETE FROM dispatcher_leases WHERE name = $1 AND holder = $2", [
    input.name,
    input.holder,
  ]);
}
