import { setTimeout as sleep } from "node:timers/promises";
import type { PoolClient } from "pg";
import { v7 as uuidv7 } from "uuid";
import type { Pool } from "../create-db";
import { IntakeOutcomeUnknownError, isDatabaseUnavailableError } from "../errors";
import type { JobStage, JobStatus, Prisma, PrismaClient } from "../generated/prisma/client";
import { type CheckedOutClient, checkOutClient } from "../statements/check-out-client";

export type { JobStage, JobStatus };

export interface IntakeRecord {
  id: string;
  orgId: string;
  seq: bigint;
  operation: string;
  payload: unknown;
  identityKeys: string[];
  idempotencyKey: string | null;
  /** Null for a batch item (it has no idempotency key of its own). */
  payloadHash: string | null;
  status: JobStatus;
  stage: JobStage | null;
  attempts: number;
  result: unknown;
  error: unknown;
  contactId: string | null;
  writtenAt: Date | null;
  enrichmentDueAt: Date | null;
  enrichedAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The batch this request is an item of, if any. */
  batchId: string | null;
}

export interface AcceptRequestInput {
  orgId: string;
  operation: string;
  payload: Prisma.InputJsonValue;
  payloadHash: string;
  identityKeys: string[];
  idempotencyKey?: string | undefined;
}

export interface AcceptRequestsOptions {
  /** How long an idempotency key returns the original request. */
  idempotencyWindowMs: number;
  /**
   * How long, after the connection died under the statement, to keep asking whether it committed
   * (see settleOutcome). Past it the outcome is reported as unknown.
   */
  outcomeDeadlineMs: number;
  /**
   * The pool reaches Postgres through a transaction-pooling proxy (PgBouncer): the pid a client
   * was told is the proxy's, not the server session's, so settleOutcome waits for every intake
   * statement that began before it instead (see settleOutcome).
   */
  transactionPooling?: boolean;
}

/** What the API answers with: the row the statement wrote, or the original one it replays. */
export interface AcceptedRequest {
  id: string;
  orgId: string;
  operation: string;
  status: JobStatus;
  createdAt: Date;
}

export type AcceptRequestOutcome = {
  kind: "accepted" | "replayed" | "idempotency_key_reused";
  request: AcceptedRequest;
};

/** Per request of a batch: its outcome, or why it was not recorded (see acceptRequests). */
export type AcceptRequestResult = { ok: true; outcome: AcceptRequestOutcome } | { ok: false; error: unknown };

// Named statements: parsed and planned once per connection.
const acceptStatement = {
  name: "accept_intake_requests",
  text: `SELECT ord, outcome, id, org_id, operation, status, created_at
    FROM accept_intake_requests($1::jsonb, $2::bigint * interval '1 millisecond')`,
};
const backendStateStatement = {
  name: "intake_backend_state",
  text: "SELECT state FROM pg_stat_activity WHERE pid = $1 AND pid <> pg_backend_pid()",
};
// Behind a transaction pooler: intake statements of other sessions still running that began
// before $1 (ours among them, if its server session lives on): accept_intake_requests or
// accept_intake_batch. Sessions this role may not see
// count too, since they could be ours. (The pattern is split so this statement's text does not
// match it.)
const earlierIntakeStatement = {
  name: "intake_statements_running_since",
  text: `SELECT clock_timestamp() AS now, count(*) FILTER (
      WHERE pid <> pg_backend_pid() AND (
        state IS NULL
        OR (state <> 'idle' AND xact_start <= coalesce($1::timestamptz, clock_timestamp())
            AND query LIKE '%FROM accept' || '_intake_%(%')
      )
    )::int AS running
    FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`,
};
const findAcceptedStatement = {
  name: "find_accepted_requests",
  text: "SELECT id, org_id, operation, status, created_at FROM intake_requests WHERE id = ANY($1::uuid[])",
};

interface AcceptedRow {
  id: string;
  org_id: string;
  operation: string;
  status: JobStatus;
  created_at: Date;
}

const toAccepted = (row: AcceptedRow): AcceptedRequest => ({
  id: row.id,
  orgId: row.org_id,
  operation: row.operation,
  status: row.status,
  createdAt: row.created_at,
});

/**
 * Records one request durably (see acceptRequests). Throws the database error when the request
 * certainly was not recorded, and IntakeOutcomeUnknownError when that could not be established.
 */
export async function acceptRequest(
  pool: Pool,
  input: AcceptRequestInput,
  options: AcceptRequestsOptions,
): Promise<AcceptRequestOutcome> {
  const [result] = await acceptRequests(pool, [input], options);
  if (!result) throw new Error("acceptRequests returned no result");
  if (!result.ok) throw result.error;
  return result.outcome;
}

/**
 * Records requests durably in one statement and one round trip (the `accept_intake_requests`
 * function): per-org advisory locks make the idempotency check race-free and commit order equal
 * `seq` order within an org, so a request sent after another's 202 always has the larger `seq`.
 * The statement returns what the answer needs; nothing is read back.
 *
 * A request fails (`ok: false`) only with an error that says whether it was recorded:
 * - a database error: certainly not recorded. Either the statement never reached the server (no
 *   connection), or the server rejected it (its transaction rolled back), or the connection died
 *   around it and settleOutcome then established that the row is absent;
 * - IntakeOutcomeUnknownError: the connection died around COMMIT and the database could not be
 *   asked within `outcomeDeadlineMs`. The row may exist.
 * Ids are generated here, before the statement, so a committed row can be found again.
 */
export async function acceptRequests(
  pool: Pool,
  inputs: AcceptRequestInput[],
  options: AcceptRequestsOptions,
): Promise<AcceptRequestResult[]> {
  const ids = inputs.map(() => uuidv7());
  const notRecorded = (error: unknown): AcceptRequestResult[] => inputs.map(() => ({ ok: false, error }));

  let held: CheckedOutClient;
  try {
    held = await checkOutClient(pool);
  } catch (err) {
    return notRecorded(err); // nothing was sent
  }
  let rows: (AcceptedRow & { ord: number; outcome: AcceptRequestOutcome["kind"] })[];
  try {
    const batch = inputs.map((input, i) => ({
      id: ids[i],
      org_id: input.orgId,
      operation: input.operation,
      payload: input.payload,
      payload_hash: input.payloadHash,
      identity_keys: input.identityKeys,
      idempotency_key: input.idempotencyKey ?? null,
    }));
    const result = await held.client.query({
      ...acceptStatement,
      values: [JSON.stringify(batch), options.idempotencyWindowMs],
    });
    rows = result.rows;
    held.release();
  } catch (err) {
    const connectionLost = isDatabaseUnavailableError(err);
    held.release(connectionLost ? (err as Error) : undefined);
    if (!connectionLost) {
      // The server rejected the statement, so its transaction rolled back and nothing of the
      // batch was recorded. One bad request must not fail the others: run them one by one.
      if (inputs.length === 1) return notRecorded(err);
      return (await Promise.all(inputs.map((input) => acceptRequests(pool, [input], options)))).flat();
    }
    const deadlineAt = Date.now() + options.outcomeDeadlineMs;
    const committed = await settleOutcome(
      pool,
      ids,
      options.transactionPooling ? { kind: "pooled" } : { kind: "direct", pid: held.backendPid },
      deadlineAt,
    );
    if (!committed) return ids.map((id) => ({ ok: false, error: new IntakeOutcomeUnknownError(id, err) }));
    // The batch committed as a whole or not at all. A request that replayed an earlier one
    // recorded nothing of its own either way, so "not recorded" is true of it too.
    return ids.map((id) => {
      const row = committed.get(id);
      return row ? { ok: true, outcome: { kind: "accepted", request: row } } : { ok: false, error: err };
    });
  }
  const byOrd = new Map(rows.map((row) => [row.ord, row]));
  return inputs.map((_, i) => {
    const row = byOrd.get(i + 1);
    if (!row) return { ok: false, error: new Error("accept_intake_requests returned no row for a request") };
    return { ok: true, outcome: { kind: row.outcome, request: toAccepted(row) } };
  });
}

const settleRetryMs = 100;

/** How settleOutcome tells whether the statement's server session may still commit. */
export type StatementSession = { kind: "direct"; pid: number | null } | { kind: "pooled" };

/**
 * After the connection died under the statement: did it commit? Asks on another connection,
 * retrying until `deadlineAt`; returns the rows of `ids` that exist, or undefined when it could
 * not find out in time. The answer is final only once the statement's server session has
 * finished it: while it runs (the client's socket failed but the server has not noticed yet) it
 * may still commit, so that is checked first, then the rows are read in a later statement, with a
 * snapshot taken after the statement was seen gone.
 * - Direct connection: the session is the client's backend pid; done once it is gone or idle.
 * - Behind a transaction pooler the pid is the proxy's and the server session is unknown: done
 *   once no intake statement that began before the first successful check is still running (they
 *   last milliseconds; later ones are not waited for, so a busy server still settles). A session
 *   this role cannot see in pg_stat_activity could be ours: then it stays unsettled, and the
 *   caller answers "outcome unknown" at the deadline.
 */
async function settleOutcome(
  pool: Pool,
  ids: string[],
  session: StatementSession,
  deadlineAt: number,
): Promise<Map<string, AcceptedRequest> | undefined> {
  return settleWith(pool, session, deadlineAt, async (client) => {
    const rows = await client.query<AcceptedRow>({ ...findAcceptedStatement, values: [ids] });
    return new Map(rows.rows.map((row) => [row.id, toAccepted(row)]));
  });
}

/**
 * settleOutcome's loop (also used for batches): `read` runs once the statement's server session
 * is seen to have finished it (see settleOutcome); undefined when that could not be established
 * before `deadlineAt`.
 */
export async function settleWith<T>(
  pool: Pool,
  session: StatementSession,
  deadlineAt: number,
  read: (client: PoolClient) => Promise<T>,
): Promise<T | undefined> {
  let since: Date | null = null;
  for (;;) {
    const remainingMs = deadlineAt - Date.now();
    if (remainingMs <= 0) return undefined;
    const found = await withClient(pool, remainingMs, async (client) => {
      if (session.kind === "direct" && session.pid !== null) {
        const backend = await client.query<{ state: string | null }>({
          ...backendStateStatement,
          values: [session.pid],
        });
        const state = backend.rows[0]?.state;
        if (backend.rows.length > 0 && state !== "idle") return undefined;
      }
      if (session.kind === "pooled") {
        const activity = await client.query<{ now: Date; running: number }>({
          ...earlierIntakeStatement,
          values: [since],
        });
        since ??= activity.rows[0]?.now ?? null;
        if ((activity.rows[0]?.running ?? 1) > 0) return undefined;
      }
      return { value: await read(client) };
    }).catch(() => undefined);
    if (found) return found.value;
    await sleep(Math.min(settleRetryMs, Math.max(0, deadlineAt - Date.now())));
  }
}

/** Runs `work` on a pooled client, giving up after `timeoutMs` (the client is then discarded). */
async function withClient<T>(
  pool: Pool,
  timeoutMs: number,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const run = checkOutClient(pool).then(async ({ client, release }) => {
    try {
      if (timedOut) throw new Error("timed out");
      const value = await work(client);
      release();
      return value;
    } catch (err) {
      release(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`no answer from the database within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  run.catch(() => {}); // its outcome after a timeout is of no interest
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function findRequestForOrg(
  prisma: PrismaClient,
  orgId: string,
  id: string,
): Promise<IntakeRecord | null> {
  return prisma.intakeRequest.findFirst({ where: { id, orgId } });
}

export function findRequest(prisma: PrismaClient, id: string): Promise<IntakeRecord | null> {
  return prisma.intakeRequest.findUnique({ where: { id } });
}
