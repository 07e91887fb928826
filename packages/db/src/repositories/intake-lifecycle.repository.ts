import { type IntakeRow, intakeRecordOfRow } from "../statements/records";
import { type Queryable, runStatement } from "../statements/run-statement";
import type { IntakeRecord } from "./intake.repository";

/**
 * How a run found its request: `claimed` (now running, one more attempt), `wait` (an earlier
 * unwritten request shares an ordering key; it stays queued and this is no attempt), `finished`
 * (written or failed before).
 */
export type Claim = { kind: "claimed" | "wait" | "finished"; request: IntakeRecord };

/** Claims a request for a run in one statement (see claim_intake_request); null when it is gone. */
export async function claimRequest(
  db: Queryable,
  id: string,
  options: { checkOrder: boolean },
): Promise<Claim | null> {
  const rows = await runStatement<{ claim: Claim["kind"]; request: IntakeRow }>(
    db,
    "claim_intake_request",
    "SELECT claim, request FROM claim_intake_request($1, $2)",
    [id, options.checkOrder],
  );
  const row = rows[0];
  return row ? { kind: row.claim, request: intakeRecordOfRow(row.request) } : null;
}

/**
 * A request failed for a reason of its own (conflict, unknown tag, a deleted contact): `failed`
 * with its error. Returns the requests waiting on its keys, to wake.
 */
export async function recordRequestFailed(
  db: Queryable,
  request: { id: string; orgId: string; seq: bigint; keys: readonly string[] },
  error: { code: string; message: string; details?: unknown },
  now: Date,
): Promise<string[]> {
  const rows = await runStatement<{ next: string[] }>(
    db,
    "fail_intake_request",
    "SELECT fail_intake_request($1, $2, $3, $4, $5, $6) AS next",
    [request.id, request.orgId, request.seq, [...request.keys], JSON.stringify(error), now],
  );
  return rows[0]?.next ?? [];
}

/** Unfinished requests accepted before `acceptedBefore` with seq after `afterSeq`, oldest first. */
export async function findUnfinishedRequests(
  db: Queryable,
  input: { acceptedBefore: Date; afterSeq: bigint; limit: number },
): Promise<{ id: string; orgId: string; seq: bigint }[]> {
  const rows = await runStatement<{ id: string; org_id: string; seq: string }>(
    db,
    "find_unfinished_requests",
    `SELECT id, org_id, seq FROM intake_requests
     WHERE status IN ('queued', 'running') AND created_at < $1 AND seq > $2
     ORDER BY seq LIMIT $3`,
    [input.acceptedBefore, input.afterSeq, input.limit],
  );
  return rows.map((row) => ({ id: row.id, orgId: row.org_id, seq: BigInt(row.seq) }));
}

/**
 * Each org's backlog in the intake log: requests not finished (their upsert job) and requests
 * owing enrichment (their enrichment job). What the queues' per-org backlog counters are repaired
 * from (fairness between organisations). Reads the two partial indexes of unfinished rows, so its
 * cost grows with the backlog, not with the log.
 */
export async function countBacklogsByOrg(
  db: Queryable,
): Promise<{ unfinished: Map<string, number>; owedEnrichment: Map<string, number> }> {
  const rows = await runStatement<{ org_id: string; unfinished: number; owed: number }>(
    db,
    "count_backlogs_by_org",
    `SELECT org_id,
            count(*) FILTER (WHERE status IN ('queued', 'running'))::int AS unfinished,
            count(*) FILTER (WHERE enrichment_due_at IS NOT NULL)::int AS owed
     FROM intake_requests
     WHERE status IN ('queued', 'running') OR enrichment_due_at IS NOT NULL
     GROUP BY org_id`,
    [],
  );
  const unfinished = new Map<string, number>();
  const owedEnrichment = new Map<string, number>();
  for (const row of rows) {
    if (row.unfinished > 0) unfinished.set(row.org_id, row.unfinished);
    if (row.owed > 0) owedEnrichment.set(row.org_id, row.owed);
  }
  return { unfinished, owedEnrichment };
}

/** Written requests whose enrichment job has not finished, owed since before `dueBefore`. */
export async function findRequestsOwedEnrichment(
  db: Queryable,
  input: { dueBefore: Date; afterSeq: bigint; limit: number },
): Promise<{ id: string; orgId: string; seq: bigint }[]> {
  const rows = await runStatement<{ id: string; org_id: string; seq: string }>(
    db,
    "find_requests_owed_enrichment",
    `SELECT id, org_id, seq FROM intake_requests
     WHERE enrichment_due_at < $1 AND seq > $2
     ORDER BY seq LIMIT $3`,
    [input.dueBefore, input.afterSeq, input.limit],
  );
  return rows.map((row) => ({ id: row.id, orgId: row.org_id, seq: BigInt(row.seq) }));
}

/**
 * Deletes up to `limit` finished requests older than the retention (enrichment done too); returns
 * how many. Bounded, so the purge never holds locks or a connection for long: call it until it
 * deletes fewer than `limit`.
 */
export async function purgeFinishedRequests(
  db: Queryable,
  input: { finishedBefore: Date; limit: number },
): Promise<number> {
  const rows = await runStatement<{ purged: number }>(
    db,
    "purge_finished_requests",
    `WITH doomed AS (
       SELECT id FROM intake_requests
       WHERE finished_at < $1 AND status IN ('succeeded', 'failed') AND enrichment_due_at IS NULL
       ORDER BY finished_at LIMIT $2
     ), deleted AS (DELETE FROM intake_requests r USING doomed WHERE r.id = doomed.id RETURNING 1)
     SELECT count(*)::int AS purged FROM deleted`,
    [input.finishedBefore, input.limit],
  );
  return rows[0]?.purged ?? 0;
}
