import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { closeRedis, createRedis, upsertContactJob } from "@upsert/queue";
import { Queue } from "bullmq";
import express, { type Express } from "express";
import { z } from "zod";
import type { BaselineEnv } from "./config";

/**
 * The physical reference for intake: what any Express 5 + zod + BullMQ service pays to take a
 * contact upsert (parse JSON, check a bearer key, validate, optionally record it, add the job,
 * answer 202). It has none of the project's rules; the project's intake is compared with it.
 */
const contactBodySchema = z
  .object({
    email: z.email().max(320).nullish(),
    linkedin_url: z.url().max(2048).nullish(),
    first_name: z.string().trim().max(255).nullish(),
    last_name: z.string().trim().max(255).nullish(),
    title: z.string().trim().max(255).nullish(),
    location: z.string().trim().max(255).nullish(),
    phone_number: z.string().trim().max(64).nullish(),
    domain: z.string().trim().max(253).nullish(),
    tags: z.array(z.uuid()).max(100).nullish(),
  })
  .refine((body) => body.email || body.linkedin_url, { message: "email or linkedin_url is required" });
export type BaselineContact = z.infer<typeof contactBodySchema>;

/** Records an accepted request durably and returns its id (baseline B); absent for baseline A. */
export type RecordRequest = (orgId: string, contact: BaselineContact) => Promise<string>;

export interface BaselineServer {
  close(): Promise<void>;
}

export async function startBaselineServer(
  env: BaselineEnv,
  options: { record?: RecordRequest; checkDatabase?: () => Promise<unknown> },
): Promise<BaselineServer> {
  const redis = createRedis(env.REDIS_URL, "producer");
  redis.on("error", () => {});
  const queue = new Queue(upsertContactJob.queue, {
    connection: redis,
    prefix: env.QUEUE_PREFIX,
    defaultJobOptions: upsertContactJob.options,
  });
  queue.on("error", () => {});
  const keys = new Map(Object.entries(env.BASELINE_KEYS));
  const app = createBaselineApp({ keys, queue, redisReady: () => redis.status === "ready", ...options });
  const server = app.listen(env.PORT, "127.0.0.1");
  await once(server, "listening");
  return {
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await queue.close();
      await closeRedis(redis);
    },
  };
}

function createBaselineApp(deps: {
  keys: Map<string, string>;
  queue: Queue;
  redisReady: () => boolean;
  record?: RecordRequest;
  checkDatabase?: () => Promise<unknown>;
}): Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "1mb" }));
  const envelope = (data: unknown) => ({ data, meta: { timestamp: new Date().toISOString() } });
  const fail = (code: string, message: string) => ({ error: { code, message } });

  app.get("/readyz", async (_req, res) => {
    const database = await (deps.checkDatabase?.() ?? Promise.resolve()).then(
      () => true,
      () => false,
    );
    const ready = database && deps.redisReady();
    res.status(ready ? 200 : 503).json(envelope({ status: ready ? "ready" : "not ready" }));
  });

  app.put("/v1/contacts", async (req, res) => {
    const orgId = deps.keys.get((req.get("authorization") ?? "").replace(/^Bearer /, ""));
    if (!orgId) return void res.status(401).json(fail("unauthorized", "Invalid API key."));
    const parsed = contactBodySchema.safeParse(req.body);
    if (!parsed.success) return void res.status(422).json(fail("unprocessable_entity", parsed.error.message));
    const id = deps.record ? await deps.record(orgId, parsed.data) : randomUUID();
    await deps.queue.add(upsertContactJob.name, { v: 1, requestId: id, orgId }, { jobId: id });
    res.status(202).json(envelope({ job_id: id, status: "queued" }));
  });
  return app;
}

/** SIGTERM / SIGINT: close, then exit, like the project's apps. */
export function closeOnSignals(server: BaselineServer): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      void server.close().finally(() => process.exit(0));
    });
  }
}
