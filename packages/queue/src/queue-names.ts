// Persisted identifiers: BullMQ keys in Redis are built from these. Renaming one strands the jobs
// under the old name, so a rename needs a migration plan (drain, then switch).
export const queueNames = {
  upsertContact: "contact-upsert",
  enrichContact: "contact-enrichment",
  deliverWebhook: "webhook-delivery",
} as const;

export type QueueName = (typeof queueNames)[keyof typeof queueNames];
