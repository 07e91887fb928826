export { type QueueName, queueNames } from "./queue-names";
export { closeRedis, createRedis, type Redis } from "./redis";
export {
  intakeOperations,
  type UpsertContactJobPayload,
  upsertContactJob,
  upsertContactJobPayloadSchema,
} from "./upsert-contact.job";
export { createUpsertProducer, type UpsertProducer } from "./upsert-producer";
