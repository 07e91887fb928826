import type { Logger } from "@upsert/config";
import type { Prisma } from "@upsert/db";
import type { DashboardQueues } from "@upsert/queue";
import express, { type Express } from "express";
import { pinoHttp } from "pino-http";
import { type ApiKeyAuthenticator, requireApiKey } from "./http/authenticate";
import { createErrorHandler, notFoundHandler } from "./http/error-handler";
import type { ApiMetrics } from "./http/metrics";
import { createQueueDashboardRouter, queueDashboardPath } from "./http/queue-dashboard";
import type { RateLimits } from "./http/rate-limit";
import { refuseInvalidUtf8 } from "./http/refuse-invalid-utf8";
import { assignRequestId, serializeRequest } from "./http/request-log";
import { createAccountsRouter } from "./routes/accounts.routes";
import { createBatchesRouter } from "./routes/batches.routes";
import { createContactsRouter } from "./routes/contacts.routes";
import { createContactsReadRouter } from "./routes/contacts-read.routes";
import { createCustomFieldsRouter } from "./routes/custom-fields.routes";
import { createDocsRouter } from "./routes/docs.routes";
import { createHealthRouter, type ReadinessCheck } from "./routes/health.routes";
import { createJobsRouter } from "./routes/jobs.routes";
import { createSchemasRouter } from "./routes/schemas.routes";
import { createTagsRouter } from "./routes/tags.routes";
import { createWebhooksRouter } from "./routes/webhooks.routes";
import type { AcceptUpsertDeps } from "./services/accept-upsert";
import type { AwaitWriteDeps } from "./services/await-write";
import type { WebhooksDeps } from "./services/webhooks";

export interface AppDeps extends AcceptUpsertDeps, AwaitWriteDeps, WebhooksDeps {
  prisma: Prisma;
  /**
   * DATABASE_READ_URL's client, for reads that may lag behind the primary: job polls without
   * `Prefer: wait`, lists and reads by id. Default: `prisma`.
   */
  readPrisma?: Prisma;
  logger: Logger;
  authenticator: ApiKeyAuthenticator;
  rateLimits: RateLimits;
  checkReadiness: ReadinessCheck;
  /** Request counts and latencies; main.ts serves the registry on METRICS_PORT. */
  metrics: ApiMetrics;
  /** LIST_COUNT_LIMIT: see apps/api/src/config.ts. */
  listCountLimit: number;
  /** TRUST_PROXY: see apps/api/src/config.ts. */
  trustProxy: boolean | number | string;
  /** The queue dashboard (ADMIN_TOKEN set): absent, /admin/queues answers 404 like any unknown path. */
  queueDashboard?: { queues: DashboardQueues; adminToken: string };
  /** BATCH_MAX_ITEMS and BATCH_MAX_BYTES: see apps/api/src/config.ts. */
  batchMaxItems: number;
  batchMaxBytes: number;
}

export const maxBodyBytes = 256 * 1024;

/** Builds the HTTP app; never listens (main.ts and tests do). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  const routed = { ...deps, readPrisma: deps.readPrisma ?? deps.prisma };
  app.disable("x-powered-by");
  app.set("trust proxy", deps.trustProxy);

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: assignRequestId,
      // No credential reaches the log: see request-log.ts and the logger's redact paths.
      serializers: { req: serializeRequest },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info",
      autoLogging: { ignore: (req) => ["/healthz", "/readyz"].includes(req.url ?? "") },
    }),
  );

  app.use(deps.metrics.countRequests);
  app.use(createHealthRouter(deps));
  // The API description and its docs page are public, like Monaco's.
  app.use(createDocsRouter());
  if (deps.queueDashboard) app.use(queueDashboardPath, createQueueDashboardRouter(deps.queueDashboard));
  // `strict: false`: a JSON body that is not an object parses, so it gets a 422 naming the problem.
  const jsonBody = (limit: number) =>
    express.json({
      limit,
      strict: false,
      type: ["application/json", "application/*+json"],
      verify: refuseInvalidUtf8,
    });
  // Batches may be larger; a body parsed here is not parsed again below.
  app.use(["/v1/contacts/batch", "/v1/accounts/batch"], jsonBody(deps.batchMaxBytes));
  app.use(jsonBody(maxBodyBytes));
  // Health and readiness (above) are neither authenticated nor rate limited.
  app.use("/v1", requireApiKey(deps.authenticator, deps.rateLimits));
  app.use(createContactsRouter(routed));
  app.use(createJobsRouter(routed));
  app.use(createContactsReadRouter(routed));
  app.use(createAccountsRouter(routed));
  app.use(createBatchesRouter(routed));
  app.use(createTagsRouter(routed));
  app.use(createCustomFieldsRouter(routed));
  app.use(createSchemasRouter(routed));
  app.use(createWebhooksRouter(routed));
  app.use(notFoundHandler);
  app.use(createErrorHandler(deps.logger));
  return app;
}
