export { createJobProducer, type JobProducer } from "./job-producer";
export { createDashboardQueues, type DashboardQueues } from "./queue-dashboard";
export { type QueueName, queueNames } from "./queue-names";
export { closeRedis, createRedis, type Redis, type RedisTarget } from "./redis";
export {
  enrichContactJob,
  intakeOperations,
  type RequestJobPayload,
  type RequestJobSpec,
  requestJobPayloadSchema,
  upsertContactJob,
} from "./request-jobs";
export {
  announceRequestWritten,
  createRequestWrittenListener,
  type RequestWaiter,
  type RequestWrittenListener,
  requestWrittenChannel,
  type WaitOutcome,
} from "./request-written";
export {
  createWebhookDeliveryProducer,
  deliverWebhookJob,
  type QueuedWebhookDelivery,
  type WebhookDeliveryPayload,
  type WebhookDeliveryProducer,
  webhookDeliveryPayloadSchema,
} from "./webhook-jobs";
