import {
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  type WebhookDeliveryRecord,
  type WebhookEndpointRecord,
} from "@upsert/db";
import {
  parseCreateWebhookRequest,
  parseListWebhookDeliveriesQuery,
  parseUpdateWebhookRequest,
} from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData, sendList } from "../http/envelope";
import { requireJsonBody } from "../http/require-json-body";
import {
  createWebhook,
  noSuchWebhook,
  resendDelivery,
  rotateSecret,
  updateWebhook,
  type WebhooksDeps,
} from "../services/webhooks";

const webhookLink = (id: string) => `/v1/webhooks/${id}`;

/** A webhook as the API shows it: never its secret (only the create and rotate answers carry one). */
export function toWebhookView(endpoint: WebhookEndpointRecord) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    status: endpoint.status,
    disabled_reason: endpoint.disabledReason,
    disabled_at: endpoint.disabledAt?.toISOString() ?? null,
    failing_since: endpoint.firstFailedAt?.toISOString() ?? null,
    created_at: endpoint.createdAt.toISOString(),
    links: { self: webhookLink(endpoint.id), deliveries: `${webhookLink(endpoint.id)}/deliveries` },
  };
}

export function toDeliveryView(delivery: WebhookDeliveryRecord) {
  return {
    id: delivery.id,
    webhook_id: `msg_${delivery.eventId}`,
    event_type: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    last_response_code: delivery.lastResponseCode,
    last_error: delivery.lastError,
    created_at: delivery.createdAt.toISOString(),
    last_attempt_at: delivery.lastAttemptAt?.toISOString() ?? null,
    next_attempt_at: delivery.status === "pending" ? delivery.nextAttemptAt.toISOString() : null,
    finished_at: delivery.finishedAt?.toISOString() ?? null,
  };
}

/** Completion webhooks of the caller's organisation, and their delivery records. */
export function createWebhooksRouter(deps: WebhooksDeps): Router {
  const router = Router();

  router.post("/v1/webhooks", async (req, res) => {
    requireJsonBody(req);
    const { orgId } = authOf(res.locals);
    const { endpoint, secret } = await createWebhook(deps, orgId, parseCreateWebhookRequest(req.body));
    req.log.info({ webhookId: endpoint.id }, "webhook created");
    res.set("Location", webhookLink(endpoint.id));
    sendData(res, 201, { ...toWebhookView(endpoint), secret });
  });

  router.get("/v1/webhooks", async (_req, res) => {
    const endpoints = await listWebhookEndpoints(deps.prisma, authOf(res.locals).orgId);
    sendData(res, 200, endpoints.map(toWebhookView));
  });

  router.get("/v1/webhooks/:id", async (req, res) => {
    const endpoint = await findWebhookEndpoint(deps.prisma, authOf(res.locals).orgId, req.params.id);
    if (!endpoint) throw noSuchWebhook();
    sendData(res, 200, toWebhookView(endpoint));
  });

  router.patch("/v1/webhooks/:id", async (req, res) => {
    requireJsonBody(req);
    const { orgId } = authOf(res.locals);
    const endpoint = await updateWebhook(deps, orgId, req.params.id, parseUpdateWebhookRequest(req.body));
    req.log.info({ webhookId: endpoint.id, status: endpoint.status }, "webhook updated");
    sendData(res, 200, toWebhookView(endpoint));
  });

  router.post("/v1/webhooks/:id/rotate-secret", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const rotated = await rotateSecret(deps, orgId, req.params.id);
    req.log.info({ webhookId: rotated.endpoint.id }, "webhook secret rotated");
    sendData(res, 200, {
      ...toWebhookView(rotated.endpoint),
      secret: rotated.secret,
      previous_secret_expires_at: rotated.previousSecretExpiresAt.toISOString(),
    });
  });

  router.delete("/v1/webhooks/:id", async (req, res) => {
    if (!(await deleteWebhookEndpoint(deps.prisma, authOf(res.locals).orgId, req.params.id)))
      throw noSuchWebhook();
    req.log.info({ webhookId: req.params.id }, "webhook deleted");
    res.status(204).end();
  });

  router.post("/v1/webhooks/:id/deliveries/:deliveryId/resend", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const delivery = await resendDelivery(deps, orgId, req.params.id, req.params.deliveryId);
    req.log.info({ webhookId: req.params.id, deliveryId: delivery.id }, "webhook delivery resent");
    sendData(res, 202, toDeliveryView(delivery));
  });

  router.get("/v1/webhooks/:id/deliveries", async (req, res) => {
    const query = parseListWebhookDeliveriesQuery(req.query);
    const endpoint = await findWebhookEndpoint(deps.prisma, authOf(res.locals).orgId, req.params.id);
    if (!endpoint) throw noSuchWebhook();
    const page = await listWebhookDeliveries(deps.prisma, endpoint.id, {
      page: query.page,
      pageSize: query.page_size,
      status: query.status,
    });
    sendList(res, page.items.map(toDeliveryView), {
      page: query.page,
      pageSize: query.page_size,
      totalCount: page.totalCount,
      totalCountExact: true,
    });
  });

  return router;
}
