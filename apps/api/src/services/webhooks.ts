import {
  createWebhookEndpoint,
  findWebhookEndpoint,
  type Prisma,
  resendWebhookDelivery,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookDeliveryRecord,
  type WebhookEndpointRecord,
} from "@upsert/db";
import {
  type CreateWebhookRequest,
  DomainError,
  type UpdateWebhookRequest,
  webhookSecretOverlapMs,
} from "@upsert/domain";
import { findUrlProblem, generateWebhookSecret } from "@upsert/webhooks";

export interface WebhooksDeps {
  prisma: Prisma;
  /** WEBHOOK_ALLOW_PRIVATE: see apps/api/src/config.ts. */
  webhookAllowPrivate: boolean;
}

export const noSuchWebhook = () => new DomainError("not_found", "No webhook with this id.");

/** 422 unless the URL resolves to public addresses only (or WEBHOOK_ALLOW_PRIVATE). */
async function requireUsableUrl(deps: WebhooksDeps, url: string): Promise<void> {
  const problem = await findUrlProblem(url, { allowPrivate: deps.webhookAllowPrivate });
  if (problem)
    throw new DomainError("unprocessable_entity", "The webhook URL cannot be used.", [
      { path: "url", message: problem },
    ]);
}

/**
 * Creates a webhook once its URL resolves to public addresses only (422 otherwise, nothing
 * stored); returns it with its signing secret, which is never shown again.
 */
export async function createWebhook(
  deps: WebhooksDeps,
  orgId: string,
  request: CreateWebhookRequest,
): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
  await requireUsableUrl(deps, request.url);
  const secret = generateWebhookSecret();
  const endpoint = await createWebhookEndpoint(deps.prisma, orgId, { ...request, secret });
  return { endpoint, secret };
}

/**
 * `PATCH /v1/webhooks/{id}`: a new URL is checked as at creation (422, nothing changed), and so is
 * the stored one when the request re-enables the webhook (it may resolve elsewhere by now).
 */
export async function updateWebhook(
  deps: WebhooksDeps,
  orgId: string,
  id: string,
  request: UpdateWebhookRequest,
): Promise<WebhookEndpointRecord> {
  if (request.url !== undefined) await requireUsableUrl(deps, request.url);
  else if (request.enabled === true) {
    const current = await findWebhookEndpoint(deps.prisma, orgId, id);
    if (!current) throw noSuchWebhook();
    await requireUsableUrl(deps, current.url);
  }
  const endpoint = await updateWebhookEndpoint(deps.prisma, orgId, id, request);
  if (!endpoint) throw noSuchWebhook();
  return endpoint;
}

/**
 * A new signing secret, shown once; the one it replaces still signs every delivery (a second
 * signature) for `webhookSecretOverlapMs`, so receivers can switch without refusing any.
 */
export async function rotateSecret(
  deps: WebhooksDeps,
  orgId: string,
  id: string,
  now = new Date(),
): Promise<{ endpoint: WebhookEndpointRecord; secret: string; previousSecretExpiresAt: Date }> {
  const secret = generateWebhookSecret();
  const rotated = await rotateWebhookSecret(deps.prisma, orgId, id, {
    secret,
    previousExpiresAt: new Date(now.getTime() + webhookSecretOverlapMs),
  });
  if (!rotated) throw noSuchWebhook();
  const { previousSecretExpiresAt, ...endpoint } = rotated;
  return { endpoint, secret, previousSecretExpiresAt };
}

/**
 * `POST /v1/webhooks/{id}/deliveries/{delivery_id}/resend`: the delivery's event again, as a new
 * delivery (same `webhook-id`, so a receiver that did get it can tell). 409 while the webhook is
 * disabled: nothing would be sent.
 */
export async function resendDelivery(
  deps: WebhooksDeps,
  orgId: string,
  id: string,
  deliveryId: string,
): Promise<WebhookDeliveryRecord> {
  const endpoint = await findWebhookEndpoint(deps.prisma, orgId, id);
  if (!endpoint) throw noSuchWebhook();
  if (endpoint.status === "disabled")
    throw new DomainError(
      "conflict",
      "The webhook is disabled: enable it again (PATCH with enabled: true) before resending.",
    );
  const delivery = await resendWebhookDelivery(deps.prisma, endpoint.id, deliveryId);
  if (!delivery) throw new DomainError("not_found", "No delivery with this id on this webhook.");
  return delivery;
}
