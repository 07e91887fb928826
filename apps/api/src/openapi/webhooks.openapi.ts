import {
  createWebhookRequestSchema,
  listWebhookDeliveriesQuerySchema,
  updateWebhookRequestSchema,
  webhookEventTypes,
} from "@upsert/domain";
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import {
  authenticatedErrors,
  dataResponse,
  errorResponses,
  itemEnvelope,
  jsonBodyErrors,
  noContentResponse,
  pathId,
  responseMetaSchema,
} from "./components";
import { paginationSchema } from "./lists.openapi";

const timestamp = z.iso.datetime();

export const webhookResponseSchema = z
  .strictObject({
    id: z.uuid(),
    url: z.string(),
    events: z.array(z.enum(webhookEventTypes)),
    status: z.enum(["active", "disabled"]),
    disabled_reason: z
      .string()
      .nullable()
      .meta({ description: "Why the endpoint was disabled (null while active)" }),
    disabled_at: timestamp.nullable(),
    failing_since: timestamp.nullable().meta({
      description:
        "Start of the current run of failed attempts; the endpoint is disabled once it lasts WEBHOOK_DISABLE_AFTER_MS",
    }),
    created_at: timestamp,
    links: z.strictObject({ self: z.string(), deliveries: z.string() }),
  })
  .meta({ id: "WebhookResponse" });

const createdWebhookSchema = webhookResponseSchema
  .extend({
    secret: z.string().meta({
      description:
        "The signing secret (`whsec_<base64>`, Standard Webhooks). Shown in this answer only: store it now.",
    }),
  })
  .meta({ id: "CreatedWebhookResponse" });

const webhookEnvelope = itemEnvelope("PublicItemResponse_WebhookResponse_", webhookResponseSchema);

const rotatedWebhookSchema = webhookResponseSchema
  .extend({
    secret: z.string().meta({
      description: "The new signing secret (`whsec_<base64>`). Shown in this answer only: store it now.",
    }),
    previous_secret_expires_at: timestamp.meta({
      description:
        "Until then every delivery carries a second signature made with the secret this one replaced",
    }),
  })
  .meta({ id: "RotatedWebhookSecretResponse" });

export const webhookDeliverySchema = z
  .strictObject({
    id: z.uuid(),
    webhook_id: z
      .string()
      .meta({ description: "The `webhook-id` header: the same for every attempt of the event" }),
    event_type: z.enum(webhookEventTypes),
    status: z.enum(["pending", "succeeded", "failed"]),
    attempts: z.int(),
    last_response_code: z
      .int()
      .nullable()
      .meta({ description: "HTTP status of the last attempt (null: no answer)" }),
    last_error: z.string().nullable(),
    created_at: timestamp,
    last_attempt_at: timestamp.nullable(),
    next_attempt_at: timestamp
      .nullable()
      .meta({ description: "When the next attempt is due (pending only)" }),
    finished_at: timestamp.nullable(),
  })
  .meta({ id: "WebhookDelivery" });

const deliveriesEnvelope = z
  .strictObject({
    data: z.array(webhookDeliverySchema),
    pagination: paginationSchema,
    meta: responseMetaSchema,
  })
  .meta({ id: "PublicListResponse_WebhookDelivery_" });

const webhookIdParam = pathId("webhook_id", "The webhook's id");

export const webhooksPaths: ZodOpenApiPathsObject = {
  "/v1/webhooks": {
    get: {
      operationId: "list_webhooks",
      tags: ["Webhooks"],
      summary: "List Webhooks",
      responses: {
        "200": dataResponse(
          "The organisation's webhooks (without secrets)",
          itemEnvelope("PublicItemResponse_list_WebhookResponse__", z.array(webhookResponseSchema)),
        ),
        ...errorResponses(...authenticatedErrors),
      },
    },
    post: {
      operationId: "create_webhook",
      tags: ["Webhooks"],
      summary: "Create a Webhook",
      description:
        "Subscribes a URL to completion events. Each event is POSTed as `{ type, timestamp, data }` following the Standard Webhooks specification: headers `webhook-id` (stable across retries: de-duplicate on it), `webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>` keyed by the base64-decoded secret (for 24 h after a secret rotation, a second space-separated `v1,` signature made with the previous secret). Any 2xx within the timeout is a success; other answers are retried with exponential backoff and jitter for up to 24 h, and an endpoint failing for 24 h is disabled (re-enable it with `PATCH`). A URL whose host resolves to a loopback, private or link-local address is a 422 (checked again at every delivery).",
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: createWebhookRequestSchema.meta({ id: "WebhookCreateRequest" }) },
        },
      },
      responses: {
        "201": dataResponse(
          "The webhook, with its signing secret (shown only here)",
          itemEnvelope("PublicItemResponse_CreatedWebhookResponse_", createdWebhookSchema),
        ),
        ...errorResponses(...jsonBodyErrors, ...authenticatedErrors),
      },
    },
  },
  "/v1/webhooks/{webhook_id}": {
    get: {
      operationId: "get_webhook",
      tags: ["Webhooks"],
      summary: "Get a Webhook",
      description: "Includes whether it was disabled and why (`status: disabled`, `disabled_reason`).",
      requestParams: { path: webhookIdParam },
      responses: {
        "200": dataResponse("The webhook", webhookEnvelope),
        ...errorResponses(404, ...authenticatedErrors),
      },
    },
    patch: {
      operationId: "update_webhook",
      tags: ["Webhooks"],
      summary: "Update a Webhook",
      description:
        "Changes `url` and/or `events`, and re-enables (`enabled: true`) or disables (`enabled: false`) the webhook; absent fields stay as they are, and the secret is kept. A new URL is checked as at creation, and the stored one again on re-enabling: one resolving to a loopback, private or link-local address is a 422 and nothing changes. Re-enabling clears `disabled_reason` and the failure run: events from then on are delivered; deliveries recorded `failed` when it was disabled stay failed (and events while it was disabled were not recorded for it). Disabling records its pending deliveries `failed` and stops new ones. New `events` apply to events from now on; pending deliveries are sent to the current URL.",
      requestParams: { path: webhookIdParam },
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: updateWebhookRequestSchema.meta({ id: "WebhookUpdateRequest" }) },
        },
      },
      responses: {
        "200": dataResponse("The webhook as it is now", webhookEnvelope),
        ...errorResponses(404, ...jsonBodyErrors, ...authenticatedErrors),
      },
    },
    delete: {
      operationId: "delete_webhook",
      tags: ["Webhooks"],
      summary: "Delete a Webhook",
      description: "Deletes the webhook and its delivery records; pending deliveries are not sent.",
      requestParams: { path: webhookIdParam },
      responses: {
        "204": noContentResponse("Webhook deleted"),
        ...errorResponses(404, ...authenticatedErrors),
      },
    },
  },
  "/v1/webhooks/{webhook_id}/rotate-secret": {
    post: {
      operationId: "rotate_webhook_secret",
      tags: ["Webhooks"],
      summary: "Rotate a Webhook's Secret",
      description:
        "Makes a new signing secret and answers it once. For the next 24 h (`previous_secret_expires_at`) every delivery is signed with both, the new one first: `webhook-signature: v1,<new> v1,<previous>`, so a receiver verifying with either secret accepts it; switch your receiver to the new secret within that time. Rotating again before then drops the older secret (only the one being replaced keeps signing). No request body.",
      requestParams: { path: webhookIdParam },
      responses: {
        "200": dataResponse(
          "The webhook, with its new signing secret (shown only here)",
          itemEnvelope("PublicItemResponse_RotatedWebhookSecretResponse_", rotatedWebhookSchema),
        ),
        ...errorResponses(404, ...authenticatedErrors),
      },
    },
  },
  "/v1/webhooks/{webhook_id}/deliveries": {
    get: {
      operationId: "list_webhook_deliveries",
      tags: ["Webhooks"],
      summary: "List a Webhook's Deliveries",
      description:
        "Newest first, one per event: status, attempts, the last answer's HTTP status and the timestamps.",
      requestParams: { path: webhookIdParam, query: listWebhookDeliveriesQuerySchema },
      responses: {
        "200": dataResponse("One page of deliveries", deliveriesEnvelope),
        ...errorResponses(404, 422, ...authenticatedErrors),
      },
    },
  },
  "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend": {
    post: {
      operationId: "resend_webhook_delivery",
      tags: ["Webhooks"],
      summary: "Resend a Webhook Delivery",
      description:
        "Sends the delivery's event to the webhook again, as a new delivery with its own attempts and retry window: the same `webhook-id` and body, so a receiver that already processed it can tell. The earlier delivery's record is left as it was. Typically for an event abandoned while the endpoint was failing or disabled. 409 while the webhook is disabled. No request body.",
      requestParams: {
        path: webhookIdParam.extend(pathId("delivery_id", "The delivery's id").shape),
      },
      responses: {
        "202": dataResponse(
          "The new delivery, pending",
          itemEnvelope("PublicItemResponse_WebhookDelivery_", webhookDeliverySchema),
        ),
        ...errorResponses(404, 409, ...authenticatedErrors),
      },
    },
  },
};
