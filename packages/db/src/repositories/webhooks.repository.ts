import { validate as isUuid, v7 as uuidv7 } from "uuid";
import type { Prisma } from "../create-db";
import { type Queryable, runStatement } from "../statements/run-statement";

export type WebhookEndpointStatus = "active" | "disabled";
export type WebhookDeliveryStatus = "pending" | "succeeded" | "failed";

export interface WebhookEndpointRecord {
  id: string;
  orgId: string;
  url: string;
  events: string[];
  status: WebhookEndpointStatus;
  disabledReason: string | null;
  disabledAt: Date | null;
  firstFailedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookDeliveryRecord {
  id: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastResponseCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
}

const endpointColumns = {
  id: true,
  orgId: true,
  url: true,
  events: true,
  status: true,
  disabledReason: true,
  disabledAt: true,
  firstFailedAt: true,
  createdAt: true,
  updatedAt: true,
} as const;

const deliveryColumns = {
  id: true,
  eventId: true,
  eventType: true,
  status: true,
  attempts: true,
  lastResponseCode: true,
  lastError: true,
  nextAttemptAt: true,
  lastAttemptAt: true,
  finishedAt: true,
  createdAt: true,
} as const;

const asDelivery = <T extends { status: string }>(row: T) => ({
  ...row,
  status: row.status as WebhookDeliveryStatus,
});

const asEndpoint = <T extends { status: string }>(row: T) =>
  ({ ...row, status: row.status as WebhookEndpointStatus }) as Omit<T, "status"> & {
    status: WebhookEndpointStatus;
  };

/** Creates an endpoint; the secret is stored to sign with and never read back by the API. */
export async function createWebhookEndpoint(
  prisma: Prisma,
  orgId: string,
  input: { url: string; events: string[]; secret: string },
): Promise<WebhookEndpointRecord> {
  const row = await prisma.webhookEndpoint.create({
    data: { id: uuidv7(), orgId, url: input.url, events: input.events, secret: input.secret },
    select: endpointColumns,
  });
  return asEndpoint(row);
}

export async function listWebhookEndpoints(prisma: Prisma, orgId: string): Promise<WebhookEndpointRecord[]> {
  const rows = await prisma.webhookEndpoint.findMany({
    where: { orgId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: endpointColumns,
  });
  return rows.map(asEndpoint);
}

/** The org's endpoint, or null (also for a malformed id or another org's endpoint). */
export async function findWebhookEndpoint(
  prisma: Prisma,
  orgId: string,
  id: string,
): Promise<WebhookEndpointRecord | null> {
  if (!isUuid(id)) return null;
  const row = await prisma.webhookEndpoint.findFirst({ where: { id, orgId }, select: endpointColumns });
  return row ? asEndpoint(row) : null;
}

/** What `PATCH /v1/webhooks/{id}` changes; absent fields stay as they are. */
export interface WebhookEndpointChanges {
  url?: string | undefined;
  events?: string[] | undefined;
  /** true: active again, with a fresh failure window; false: disabled now. */
  enabled?: boolean | undefined;
}

export const disabledByRequestReason = "Disabled by request (PATCH with enabled: false).";

/**
 * Changes an endpoint in one transaction (its row locked, so an attempt being recorded at the same
 * time cannot interleave): null when the org has no such endpoint. Re-enabling clears the
 * disabled state and the failure run; new events reach it again, while deliveries failed when it
 * was disabled stay failed. Disabling records its pending deliveries failed (as the automatic
 * disabling does) and it gets no new events. A new URL starts a new failure run too, and pending
 * deliveries are sent to it.
 */
export async function updateWebhookEndpoint(
  prisma: Prisma,
  orgId: string,
  id: string,
  changes: WebhookEndpointChanges,
): Promise<WebhookEndpointRecord | null> {
  if (!isUuid(id)) return null;
  return prisma.$transaction(async (tx) => {
    const [current] = await tx.$queryRaw<{ status: WebhookEndpointStatus; url: string; now: Date }[]>`
      SELECT status, url, clock_timestamp() AS now FROM webhook_endpoints
      WHERE id = ${id}::uuid AND org_id = ${orgId}::uuid FOR UPDATE`;
    if (!current) return null;
    const enabling = changes.enabled === true && current.status === "disabled";
    const disabling = changes.enabled === false && current.status === "active";
    const newUrl = changes.url !== undefined && changes.url !== current.url;
    if (disabling)
      await tx.$executeRaw`
        UPDATE webhook_deliveries
        SET status = 'failed', finished_at = ${current.now},
            last_error = coalesce(last_error || '; ', '') || 'endpoint disabled'
        WHERE endpoint_id = ${id}::uuid AND status = 'pending'`;
    const row = await tx.webhookEndpoint.update({
      where: { id },
      data: {
        ...(changes.url !== undefined ? { url: changes.url } : {}),
        ...(changes.events !== undefined ? { events: changes.events } : {}),
        ...(enabling ? { status: "active", disabledReason: null, disabledAt: null } : {}),
        ...(disabling
          ? { status: "disabled", disabledReason: disabledByRequestReason, disabledAt: current.now }
          : {}),
        ...(enabling || newUrl ? { firstFailedAt: null } : {}),
      },
      select: endpointColumns,
    });
    return asEndpoint(row);
  });
}

/**
 * Rotates an endpoint's secret in one statement: `secret` becomes the given one and the one it
 * replaces keeps signing until `previousExpiresAt` (a secret an earlier rotation kept is dropped).
 * Null when the org has no such endpoint.
 */
export async function rotateWebhookSecret(
  prisma: Prisma,
  orgId: string,
  id: string,
  input: { secret: string; previousExpiresAt: Date },
): Promise<(WebhookEndpointRecord & { previousSecretExpiresAt: Date }) | null> {
  if (!isUuid(id)) return null;
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    UPDATE webhook_endpoints
    SET previous_secret = secret, secret = ${input.secret},
        previous_secret_expires_at = ${input.previousExpiresAt}, updated_at = clock_timestamp()
    WHERE id = ${id}::uuid AND org_id = ${orgId}::uuid
    RETURNING id`;
  if (rows.length === 0) return null;
  const row = await prisma.webhookEndpoint.findUnique({
    where: { id },
    select: { ...endpointColumns, previousSecretExpiresAt: true },
  });
  if (!row?.previousSecretExpiresAt) return null;
  return { ...asEndpoint(row), previousSecretExpiresAt: row.previousSecretExpiresAt };
}

/** Deletes the endpoint and its delivery records; pending deliveries are not sent. */
export async function deleteWebhookEndpoint(prisma: Prisma, orgId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const { count } = await prisma.webhookEndpoint.deleteMany({ where: { id, orgId } });
  return count > 0;
}

/** A page of an endpoint's deliveries, newest first, with their total. */
export async function listWebhookDeliveries(
  prisma: Prisma,
  endpointId: string,
  query: { page: number; pageSize: number; status?: WebhookDeliveryStatus },
): Promise<{ items: WebhookDeliveryRecord[]; totalCount: number }> {
  const where = { endpointId, ...(query.status ? { status: query.status } : {}) };
  const [rows, totalCount] = await Promise.all([
    prisma.webhookDelivery.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { seq: "desc" }],
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
      select: deliveryColumns,
    }),
    prisma.webhookDelivery.count({ where }),
  ]);
  return { items: rows.map(asDelivery), totalCount };
}

/**
 * A new pending delivery of one of the endpoint's earlier deliveries: the same event (its
 * `webhook-id` and body), with attempts and the retry window starting afresh; the earlier record
 * is left as it was. Null when the endpoint has no delivery with this id.
 */
export async function resendWebhookDelivery(
  prisma: Prisma,
  endpointId: string,
  deliveryId: string,
): Promise<WebhookDeliveryRecord | null> {
  if (!isUuid(deliveryId)) return null;
  const original = await prisma.webhookDelivery.findFirst({
    where: { id: deliveryId, endpointId },
    select: { orgId: true, eventId: true, eventType: true, payload: true },
  });
  if (!original) return null;
  const row = await prisma.webhookDelivery.create({
    data: {
      id: uuidv7(),
      endpointId,
      ...original,
      payload: original.payload ?? {},
      nextAttemptAt: new Date(),
    },
    select: deliveryColumns,
  });
  return asDelivery(row);
}

export interface QueuedDelivery {
  id: string;
  orgId: string;
  /** When its next attempt is due (its job's delay). */
  dueAt: Date;
}

interface QueuedDeliveryRow {
  id: string;
  org_id: string;
  next_attempt_at: Date;
  seq: string;
}

const toQueued = (row: QueuedDeliveryRow) => ({ id: row.id, orgId: row.org_id, dueAt: row.next_attempt_at });

/**
 * The outbox's new rows: marks up to `limit` pending deliveries not yet handed to the queue as
 * handed, and returns them (rows another poller holds are skipped). A poller that dies before its
 * add leaves them to the repair pass (findPendingDeliveries).
 */
export async function claimUnqueuedDeliveries(db: Queryable, limit: number): Promise<QueuedDelivery[]> {
  const rows = await runStatement<QueuedDeliveryRow>(
    db,
    "claim_unqueued_webhook_deliveries",
    `UPDATE webhook_deliveries d SET enqueued_at = now()
     FROM (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND enqueued_at IS NULL
           ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED) c
     WHERE d.id = c.id
     RETURNING d.id, d.org_id, d.next_attempt_at, d.seq`,
    [limit],
  );
  return rows.map(toQueued);
}

/** Pending deliveries handed to the queue before `queuedBefore`, after `afterSeq`, in order. */
export async function findPendingDeliveries(
  db: Queryable,
  input: { queuedBefore: Date; afterSeq: bigint; limit: number },
): Promise<(QueuedDelivery & { seq: bigint })[]> {
  const rows = await runStatement<QueuedDeliveryRow>(
    db,
    "find_pending_webhook_deliveries",
    `SELECT id, org_id, next_attempt_at, seq FROM webhook_deliveries
     WHERE status = 'pending' AND seq > $2 AND enqueued_at < $1
     ORDER BY seq LIMIT $3`,
    [input.queuedBefore, input.afterSeq, input.limit],
  );
  return rows.map((row) => ({ ...toQueued(row), seq: BigInt(row.seq) }));
}

export interface DeliveryWork {
  id: string;
  eventId: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  payload: unknown;
  createdAt: Date;
  endpoint: {
    id: string;
    url: string;
    secret: string;
    /** The secret a rotation replaced, while it still signs (null otherwise). */
    previousSecret: string | null;
    status: WebhookEndpointStatus;
  };
}

/** A delivery with what sending it needs (its endpoint's URL and secret); null when it is gone. */
export async function loadDeliveryWork(db: Queryable, id: string): Promise<DeliveryWork | null> {
  const rows = await runStatement<{
    id: string;
    event_id: string;
    status: WebhookDeliveryStatus;
    attempts: number;
    payload: unknown;
    created_at: Date;
    endpoint_id: string;
    url: string;
    secret: string;
    previous_secret: string | null;
    endpoint_status: WebhookEndpointStatus;
  }>(
    db,
    "load_webhook_delivery",
    `SELECT d.id, d.event_id, d.status, d.attempts, d.payload, d.created_at,
            e.id AS endpoint_id, e.url, e.secret, e.status AS endpoint_status,
            CASE WHEN e.previous_secret_expires_at > clock_timestamp() THEN e.previous_secret END
              AS previous_secret
     FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
     WHERE d.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    eventId: row.event_id,
    status: row.status,
    attempts: row.attempts,
    payload: row.payload,
    createdAt: row.created_at,
    endpoint: {
      id: row.endpoint_id,
      url: row.url,
      secret: row.secret,
      previousSecret: row.previous_secret,
      status: row.endpoint_status,
    },
  };
}

/**
 * One attempt's outcome (record_webhook_attempt): `nextAttemptAt` null when the retry window is
 * spent. Returns the delivery's status and its endpoint's (disabled once it failed for
 * `disableAfterMs`).
 */
export async function recordDeliveryAttempt(
  db: Queryable,
  input: {
    deliveryId: string;
    ok: boolean;
    responseCode: number | null;
    error: string | null;
    now: Date;
    nextAttemptAt: Date | null;
    disableAfterMs: number;
  },
): Promise<{ deliveryStatus: WebhookDeliveryStatus; endpointStatus: WebhookEndpointStatus } | null> {
  const rows = await runStatement<{
    delivery_status: WebhookDeliveryStatus;
    endpoint_status: WebhookEndpointStatus;
  }>(
    db,
    "record_webhook_attempt",
    `SELECT delivery_status, endpoint_status
     FROM record_webhook_attempt($1, $2, $3, $4, $5, $6, $7 * interval '1 millisecond')`,
    [
      input.deliveryId,
      input.ok,
      input.responseCode,
      input.error,
      input.now,
      input.nextAttemptAt,
      input.disableAfterMs,
    ],
  );
  const row = rows[0];
  return row ? { deliveryStatus: row.delivery_status, endpointStatus: row.endpoint_status } : null;
}

/** Deletes up to `limit` finished deliveries older than the retention; returns how many. */
export async function purgeFinishedDeliveries(
  db: Queryable,
  input: { finishedBefore: Date; limit: number },
): Promise<number> {
  const rows = await runStatement<{ count: string }>(
    db,
    "purge_finished_webhook_deliveries",
    `WITH gone AS (
       DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND finished_at < $1 LIMIT $2)
       RETURNING 1)
     SELECT count(*) AS count FROM gone`,
    [input.finishedBefore, input.limit],
  );
  return Number(rows[0]?.count ?? 0);
}
