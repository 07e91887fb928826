import type { Logger } from "@upsert/config";
import { loadDeliveryWork, type Pool, recordDeliveryAttempt } from "@upsert/db";
import { nextAttemptAt, type RetrySchedule, signWebhook, type WebhookSender } from "@upsert/webhooks";

export interface DeliverWebhookDeps {
  pool: Pool;
  sender: WebhookSender;
  logger: Logger;
  schedule: RetrySchedule;
  /** An endpoint whose every attempt failed for this long is disabled. */
  disableAfterMs: number;
}

export type DeliveryOutcome =
  | { kind: "done"; status: "succeeded" | "failed" | "gone" }
  /** The attempt failed; the next one is due at `at` (recorded in Postgres). */
  | { kind: "retry"; at: Date };

/**
 * One attempt of one delivery: send the stored body, signed for this attempt, then record the
 * outcome (and the next attempt, or that the window is spent) in one statement. A delivery that
 * is no longer pending (sent, failed, its endpoint disabled or deleted) is not sent again.
 */
export async function deliverWebhook(deps: DeliverWebhookDeps, deliveryId: string): Promise<DeliveryOutcome> {
  const work = await loadDeliveryWork(deps.pool, deliveryId);
  if (!work) return { kind: "done", status: "gone" };
  if (work.status !== "pending") return { kind: "done", status: work.status };
  const log = deps.logger.child({ deliveryId, endpointId: work.endpoint.id, webhookId: work.eventId });
  const body = JSON.stringify(work.payload);
  const headers = signWebhook({
    secret: work.endpoint.secret,
    previousSecret: work.endpoint.previousSecret,
    id: `msg_${work.eventId}`,
    timestamp: new Date(),
    body,
  });
  const outcome =
    work.endpoint.status === "active"
      ? await deps.sender.send({ url: work.endpoint.url, headers: { ...headers }, body })
      : ({ ok: false, status: null, error: "endpoint disabled" } as const);
  const now = new Date();
  const next = outcome.ok
    ? null
    : nextAttemptAt(deps.schedule, { attempts: work.attempts + 1, createdAt: work.createdAt, now });
  const recorded = await recordDeliveryAttempt(deps.pool, {
    deliveryId,
    ok: outcome.ok,
    responseCode: outcome.status,
    error: outcome.ok ? null : outcome.error,
    now,
    nextAttemptAt: work.endpoint.status === "active" ? next : null,
    disableAfterMs: deps.disableAfterMs,
  });
  if (!recorded) return { kind: "done", status: "gone" };
  if (outcome.ok) {
    log.info({ status: outcome.status, attempts: work.attempts + 1 }, "webhook delivered");
    return { kind: "done", status: "succeeded" };
  }
  log.warn(
    { status: outcome.status, error: outcome.error, attempts: work.attempts + 1, next },
    "webhook attempt failed",
  );
  if (recorded.endpointStatus === "disabled" && work.endpoint.status === "active")
    log.warn(
      { endpointId: work.endpoint.id },
      "webhook endpoint disabled after failing for the whole window",
    );
  if (recorded.deliveryStatus !== "pending" || !next) return { kind: "done", status: "failed" };
  return { kind: "retry", at: next };
}
