import { createWebhookEndpoint, type Prisma, type WebhookEndpointRecord } from "@upsert/db";
import { type CreateWebhookRequest, DomainError } from "@upsert/domain";
import { findUrlProblem, generateWebhookSecret } from "@upsert/webhooks";

export interface WebhooksDeps {
  prisma: Prisma;
  /** WEBHOOK_ALLOW_PRIVATE: see apps/api/src/config.ts. */
  webhookAllowPrivate: boolean;
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
  const problem = await findUrlProblem(request.url, { allowPrivate: deps.webhookAllowPrivate });
  if (problem)
    throw new DomainError("unprocessable_entity", "The webhook URL cannot be used.", [
      { path: "url", message: problem },
    ]);
  const secret = generateWebhookSecret();
  const endpoint = await createWebhookEndpoint(deps.prisma, orgId, { ...request, secret });
  return { endpoint, secret };
}
