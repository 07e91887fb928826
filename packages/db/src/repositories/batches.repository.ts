import { randomFillSync } from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import type { Pool } from "../create-db";
import { IntakeOutcomeUnknownError, isDatabaseUnavailableError } from "../errors";
import type { JobStatus, Prisma, PrismaClient } from "../generated/prisma/client";
import { type CheckedOutClient, checkOutClient } from "../statements/check-out-client";
import { type Queryable, runStatement } from "../statements/run-statement";
import type { AcceptRequestsOptions } from "./intake.repository";
import { type StatementSession, settleWith } from "./intake.repository";

/** An item refused at acceptance, as the 202 and GET /v1/batches/:id/items show it. */
export interface RejectedBatchItem {
  index: number;
  error: { code: string; message: string; details?: unknown };
}

export interface AcceptBatchInput {
  orgId: string;
  /** The items' intake operation (contact.upsert, account.upsert). */
  operation: string;
  idempotencyKey?: string | undefined;
  /** Hash of the items as sent, with an idempotency key: a replay with it must send the same items. */
  payloadHash?: string | undefined;
  itemCount: number;
  /** The valid items, in item order; each becomes an intake request. */
  items: {
    index: number;
    payload: Prisma.InputJsonValue;
    identityKeys: string[];
  }[];
  rejected: RejectedBatchItem[];
}

/** What the API answers with: the batch the statement wrote, or the one it replays. */
export interface AcceptedBatch {
  id: string;
  operation: string;
  itemCount: number;
  acceptedCount: number;
  rejected: RejectedBatchItem[];
  createdAt: Date;
  finishedAt: Date | null;
  /** Job ids of the accepted items, in item order (empty for a replay: its jobs exist already). */
  requestIds: string[];
}

export type AcceptBatchOutcome = {
  kind: "accepted" | "replayed" | "idempotency_key_reused";
  batch: AcceptedBatch;
};

interface AcceptedBatchRow {
  outcome: AcceptBatchOutcome["kind"];
  id: string;
  operation: string;
  item_count: number;
  accepted_count: number;
  rejected: RejectedBatchItem[];
  created_at: Date;
  finished_at: Date | null;
}

const acceptBatchStatement = {
  name: "accept_intake_batch",
  text: `SELECT outcome, id, operation, item_count, accepted_count, rejected, created_at, finished_at
    FROM accept_intake_batch($1::jsonb, $2::jsonb, $3::bigint * interval '1 millisecond')`,
};
const findBatchRowStatement = {
  name: "find_accepted_batch",
  text: `SELECT 'accepted' AS outcome, id, operation, item_count, accepted_count, rejected, created_at, finished_at
    FROM batches WHERE id = $1`,
};

const toAcceptedBatch = (row: AcceptedBatchRow, requestIds: string[]): AcceptedBatch => ({
  id: row.id,
  operation: row.operation,
  itemCount: row.item_count,
  acceptedCount: row.accepted_count,
  rejected: row.rejected,
  createdAt: row.created_at,
  finishedAt: row.finished_at,
  requestIds: row.outcome === "accepted" ? requestIds : [],
});

/** `count` UUIDv7s, their random bits drawn at once (uuid draws 16 bytes a call, a system call each). */
function newIds(count: number): string[] {
  const random = randomFillSync(new Uint8Array(16 * count));
  return Array.from({ length: count }, (_, i) => uuidv7({ random: random.subarray(16 * i, 16 * i + 16) }));
}

/**
 * Records a batch durably in one statement and one round trip (accept_intake_batch): the batch
 * row and every item's intake row commit together, items taking consecutive `seq`s in item order.
 * Fails as acceptRequest does: with the database error when the batch certainly was not recorded
 * (no connection, the server rejected the statement, or the connection died around it and the
 * batch row was then found absent), with IntakeOutcomeUnknownError when that could not be
 * established within `outcomeDeadlineMs`. Ids are generated before the statement, so a committed
 * batch can be found again.
 */
export async function acceptBatch(
  pool: Pool,
  input: AcceptBatchInput,
  options: AcceptRequestsOptions,
): Promise<AcceptBatchOutcome> {
  const batchId = uuidv7();
  const requestIds = newIds(input.items.length);
  const held: CheckedOutClient = await checkOutClient(pool); // throws: nothing was sent
  const batch = {
    id: batchId,
    org_id: input.orgId,
    operation: input.operation,
    idempotency_key: input.idempotencyKey ?? null,
    payload_hash: input.payloadHash ?? null,
    item_count: input.itemCount,
    rejected: input.rejected,
  };
  const items = input.items.map((item, i) => ({
    id: requestIds[i],
    index: item.index,
    payload: item.payload,
    identity_keys: item.identityKeys,
  }));
  try {
    const result = await held.client.query<AcceptedBatchRow>({
      ...acceptBatchStatement,
      values: [JSON.stringify(batch), JSON.stringify(items), options.idempotencyWindowMs],
    });
    held.release();
    const row = result.rows[0];
    if (!row) throw new Error("accept_intake_batch returned no row");
    return { kind: row.outcome, batch: toAcceptedBatch(row, requestIds) };
  } catch (err) {
    const connectionLost = isDatabaseUnavailableError(err);
    held.release(connectionLost ? (err as Error) : undefined);
    if (!connectionLost) throw err;
    const session: StatementSession = options.transactionPooling
      ? { kind: "pooled" }
      : { kind: "direct", pid: held.backendPid };
    const found = await settleWith(pool, session, Date.now() + options.outcomeDeadlineMs, (client) =>
      client.query<AcceptedBatchRow>({ ...findBatchRowStatement, values: [batchId] }),
    );
    if (!found) throw new IntakeOutcomeUnknownError(batchId, err);
    const row = found.rows[0];
    if (!row) throw err; // established: not recorded
    return { kind: "accepted", batch: toAcceptedBatch(row, requestIds) };
  }
}

/**
 * After an item's write: true exactly once per batch, for the caller that finds its last item
 * finished (see finish_batch_if_done). The point where a batch is known to have finished.
 */
export async function finishBatchIfDone(db: Queryable, batchId: string): Promise<boolean> {
  const rows = await runStatement<{ finished: boolean }>(
    db,
    "finish_batch_if_done",
    "SELECT finish_batch_if_done($1) AS finished",
    [batchId],
  );
  return rows[0]?.finished === true;
}

/**
 * Finishes batches whose items have all finished but that nobody marked (the worker that wrote the
 * last item died before finishBatchIfDone), oldest first, up to `limit`; returns how many. Marking
 * one emits its batch.finished event (migration batch_finished_webhook).
 */
export async function finishDoneBatches(
  db: Queryable,
  options: { acceptedBefore: Date; limit: number },
): Promise<number> {
  const rows = await runStatement<{ finished: number }>(
    db,
    "finish_done_batches",
    `SELECT count(*) FILTER (WHERE finish_batch_if_done(b.id))::int AS finished
       FROM (SELECT id FROM batches WHERE finished_at IS NULL AND created_at < $1
              ORDER BY created_at LIMIT $2) b`,
    [options.acceptedBefore, options.limit],
  );
  return rows[0]?.finished ?? 0;
}

/** A batch with its items' counts (GET /v1/batches/:id). */
export interface BatchRecord {
  id: string;
  orgId: string;
  operation: string;
  itemCount: number;
  acceptedCount: number;
  rejectedCount: number;
  createdAt: Date;
  finishedAt: Date | null;
  counts: {
    queued: number;
    running: number;
    succeeded: number;
    failed: number;
    created: number;
    updated: number;
  };
  /** When the last item finished (a batch whose finishing worker died before marking it). */
  lastItemFinishedAt: Date | null;
}

interface BatchViewRow {
  id: string;
  org_id: string;
  operation: string;
  item_count: number;
  accepted_count: number;
  rejected_count: number;
  created_at: Date;
  finished_at: Date | null;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  created: number;
  updated: number;
  last_finished_at: Date | null;
}

/**
 * The org's batch with its counts, in one statement; null when the org has no such batch. The
 * counts are read through the batch's index (batch_item_counts), however many requests the log holds.
 */
export async function findBatchForOrg(
  prisma: PrismaClient,
  orgId: string,
  batchId: string,
): Promise<BatchRecord | null> {
  const rows = await prisma.$queryRaw<BatchViewRow[]>`
    SELECT b.id, b.org_id, b.operation, b.item_count, b.accepted_count,
      jsonb_array_length(b.rejected) AS rejected_count, b.created_at, b.finished_at,
      c.queued, c.running, c.succeeded, c.failed, c.created, c.updated, c.last_finished_at
    FROM batches b
    CROSS JOIN LATERAL batch_item_counts(b.id) c
    WHERE b.id = ${batchId}::uuid AND b.org_id = ${orgId}::uuid`;
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    orgId: row.org_id,
    operation: row.operation,
    itemCount: row.item_count,
    acceptedCount: row.accepted_count,
    rejectedCount: row.rejected_count,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    counts: {
      queued: row.queued,
      running: row.running,
      succeeded: row.succeeded,
      failed: row.failed,
      created: row.created,
      updated: row.updated,
    },
    lastItemFinishedAt: row.last_finished_at,
  };
}

/** What an item's status may be: its job's, or `rejected` (refused at acceptance, no job). */
export type BatchItemStatus = JobStatus | "rejected";

export interface BatchItemRecord {
  index: number;
  jobId: string | null;
  status: BatchItemStatus;
  result: unknown;
  error: unknown;
}

/** One page of a batch's items in index order, accepted and rejected alike, and how many match. */
export async function listBatchItems(
  prisma: PrismaClient,
  input: { batchId: string; status: BatchItemStatus | null; limit: number; offset: number },
): Promise<{ items: BatchItemRecord[]; totalCount: number }> {
  const status = input.status;
  const [rows, counts] = await Promise.all([
    prisma.$queryRaw<
      { index: number; job_id: string | null; status: BatchItemStatus; result: unknown; error: unknown }[]
    >`
      SELECT index, job_id, status, result, error FROM (
        SELECT r.batch_index AS index, r.id AS job_id, r.status::text AS status, r.result, r.error
        FROM intake_requests r WHERE r.batch_id = ${input.batchId}::uuid
          AND (${status}::text IS NULL OR r.status::text = ${status}::text)
        UNION ALL
        SELECT (e.value->>'index')::int, NULL, 'rejected', NULL, e.value->'error'
        FROM batches b, jsonb_array_elements(b.rejected) AS e
        WHERE b.id = ${input.batchId}::uuid AND (${status}::text IS NULL OR ${status}::text = 'rejected')
      ) items
      ORDER BY index LIMIT ${input.limit} OFFSET ${input.offset}`,
    prisma.$queryRaw<{ total: number }[]>`
      SELECT (
        (SELECT count(*) FROM intake_requests r WHERE r.batch_id = ${input.batchId}::uuid
          AND (${status}::text IS NULL OR r.status::text = ${status}::text))
        + (SELECT CASE WHEN ${status}::text IS NULL OR ${status}::text = 'rejected'
             THEN coalesce(jsonb_array_length(b.rejected), 0) ELSE 0 END
           FROM batches b WHERE b.id = ${input.batchId}::uuid)
      )::int AS total`,
  ]);
  return {
    items: rows.map((row) => ({
      index: row.index,
      jobId: row.job_id,
      status: row.status,
      result: row.result ?? null,
      error: row.error ?? null,
    })),
    totalCount: counts[0]?.total ?? 0,
  };
}

/**
 * Deletes up to `limit` batches that finished before `finishedBefore` (the intake retention: their
 * items are purged by then too); returns how many. Bounded like purgeFinishedRequests.
 */
export async function purgeFinishedBatches(
  db: Queryable,
  input: { finishedBefore: Date; limit: number },
): Promise<number> {
  const rows = await runStatement<{ purged: number }>(
    db,
    "purge_finished_batches",
    `WITH doomed AS (
       SELECT id FROM batches WHERE finished_at < $1 ORDER BY finished_at LIMIT $2
     ), deleted AS (DELETE FROM batches b USING doomed WHERE b.id = doomed.id RETURNING 1)
     SELECT count(*)::int AS purged FROM deleted`,
    [input.finishedBefore, input.limit],
  );
  return rows[0]?.purged ?? 0;
}
