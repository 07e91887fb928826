import { webhookDeliveryPayloadSchema } from "@upsert/queue";
import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { DeliveryOutcome } from "../webhooks/deliver-webhook";

/**
 * BullMQ processor of the webhook delivery queue: parse the payload, make one attempt, and when
 * another is due move the job to delayed until then (the schedule is recorded in Postgres, so a
 * job Redis lost is re-added with the same due time by the outbox's repair pass).
 */
export function createWebhookDeliveryProcessor(deps: {
  deliver(deliveryId: string): Promise<DeliveryOutcome>;
  observe?(outcome: DeliveryOutcome["kind"] | "error"): void;
}) {
  return async function process(job: Job, token?: string): Promise<void> {
    const parsed = webhookDeliveryPayloadSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
    let outcome: DeliveryOutcome;
    try {
      outcome = await deps.deliver(parsed.data.deliveryId);
    } catch (err) {
      deps.observe?.("error");
      throw err;
    }
    deps.observe?.(outcome.kind);
    if (outcome.kind === "retry") {
      await job.moveToDelayed(outcome.at.getTime(), token);
      throw new DelayedError();
    }
  };
}
