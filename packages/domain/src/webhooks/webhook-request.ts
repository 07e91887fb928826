import { z } from "zod";
import { invalidRequestError, validationDetailsOf } from "../errors/validation-error";

/** The events an organisation can subscribe a webhook to (persisted identifiers). */
export const webhookEventTypes = [
  "job.succeeded",
  "job.failed",
  "batch.finished",
  "contact.enriched",
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export const webhookUrlMaxLength = 2_048;

const webhookUrlSchema = z
  .string({ error: "url is required and must be a string." })
  .trim()
  .max(webhookUrlMaxLength, {
    error: `url must be at most ${webhookUrlMaxLength} characters long.`,
    abort: true,
  })
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (
          (url.protocol === "https:" || url.protocol === "http:") &&
          url.username === "" &&
          url.password === ""
        );
      } catch {
        return false;
      }
    },
    { error: "url must be an absolute http or https URL without credentials." },
  );

const webhookEventsSchema = z
  .array(z.enum(webhookEventTypes, { error: `each event must be one of ${webhookEventTypes.join(", ")}.` }), {
    error: `events is required: a list of ${webhookEventTypes.join(", ")}.`,
  })
  .min(1, { error: "events must name at least one event." })
  .transform((events) => [...new Set(events)].sort());

/** `POST /v1/webhooks`. */
export const createWebhookRequestSchema = z.strictObject(
  { url: webhookUrlSchema, events: webhookEventsSchema },
  { error: "The request body must be a JSON object." },
);
export type CreateWebhookRequest = z.infer<typeof createWebhookRequestSchema>;

/** Validates a `POST /v1/webhooks` body; throws `unprocessable_entity` listing every problem. */
export function parseCreateWebhookRequest(body: unknown): CreateWebhookRequest {
  const result = createWebhookRequestSchema.safeParse(body);
  if (!result.success) throw invalidRequestError(validationDetailsOf(result.error));
  return result.data;
}

/**
 * `PATCH /v1/webhooks/{id}`: any of the fields, at least one. `enabled: true` re-enables a disabled
 * endpoint (a fresh failure window), `enabled: false` disables it.
 */
export const updateWebhookRequestSchema = z
  .strictObject(
    {
      url: webhookUrlSchema.optional(),
      events: webhookEventsSchema.optional(),
      enabled: z.boolean({ error: "enabled must be true (re-enable) or false (disable)." }).optional(),
    },
    { error: "The request body must be a JSON object." },
  )
  .refine((body) => body.url !== undefined || body.events !== undefined || body.enabled !== undefined, {
    error: "Send at least one of url, events, enabled.",
  });
export type UpdateWebhookRequest = z.infer<typeof updateWebhookRequestSchema>;

/** Validates a `PATCH /v1/webhooks/{id}` body; throws `unprocessable_entity` listing every problem. */
export function parseUpdateWebhookRequest(body: unknown): UpdateWebhookRequest {
  const result = updateWebhookRequestSchema.safeParse(body);
  if (!result.success) throw invalidRequestError(validationDetailsOf(result.error));
  return result.data;
}

/**
 * How long the secret a rotation replaced keeps signing next to the new one: receivers have this
 * long to switch (the Standard Webhooks specification's recommendation is 24 h).
 */
export const webhookSecretOverlapMs = 24 * 60 * 60 * 1_000;

export const webhookDeliveryStatuses = ["pending", "succeeded", "failed"] as const;

const pageNumberSchema = (name: string, max: number) =>
  z.coerce
    .number({ error: `${name} must be an integer from 1 to ${max}.` })
    .int({ error: `${name} must be an integer from 1 to ${max}.` })
    .min(1, { error: `${name} must be an integer from 1 to ${max}.` })
    .max(max, { error: `${name} must be an integer from 1 to ${max}.` });

/** The query of `GET /v1/webhooks/{id}/deliveries` (paginated as Monaco's lists). */
export const listWebhookDeliveriesQuerySchema = z.object({
  page: pageNumberSchema("page", 1_000_000).default(1),
  page_size: pageNumberSchema("page_size", 500).default(50),
  status: z
    .enum(webhookDeliveryStatuses, { error: `status must be one of ${webhookDeliveryStatuses.join(", ")}.` })
    .optional(),
});
export type ListWebhookDeliveriesQuery = z.infer<typeof listWebhookDeliveriesQuerySchema>;

/** Validates the deliveries query; throws `unprocessable_entity` listing every problem. */
export function parseListWebhookDeliveriesQuery(query: unknown): ListWebhookDeliveriesQuery {
  const result = listWebhookDeliveriesQuerySchema.safeParse(query);
  if (!result.success) throw invalidRequestError(validationDetailsOf(result.error));
  return result.data;
}
