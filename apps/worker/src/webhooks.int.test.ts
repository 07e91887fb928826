import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import {
  dropQueuePrefix,
  type HttpStandIn,
  type RecordedRequest,
  startAppProcess,
  startHttpStandIn,
  waitFor,
} from "@upsert/testing";
import { verifyWebhook } from "@upsert/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";

// Completion webhooks end to end: the API and worker processes, a real HTTP receiver on loopback
// (WEBHOOK_ALLOW_PRIVATE=true) that checks every signature as a receiver would, with the retry
// schedule and the failure window shortened by env.
let stack: Stack;
const receivers: HttpStandIn[] = [];

const webhookEnv = {
  WEBHOOK_ALLOW_PRIVATE: "true",
  WEBHOOK_POLL_INTERVAL_MS: "100",
  WEBHOOK_TIMEOUT_MS: "500",
  WEBHOOK_RETRY_BASE_MS: "200",
  WEBHOOK_RETRY_MAX_DELAY_MS: "1000",
  WEBHOOK_RETRY_WINDOW_MS: "120000",
  WEBHOOK_DISABLE_AFTER_MS: "6000",
};

beforeAll(async () => {
  stack = await startStack({
    workers: 1,
    workerEnv: {
      ...webhookEnv,
      ENRICHMENT_LATENCY_MS: "50",
      JOB_LOCK_MS: "2000",
      STALLED_INTERVAL_MS: "1000",
    },
    apiEnv: { WEBHOOK_ALLOW_PRIVATE: "true" },
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await stack?.stop();
});

interface Received {
  id: string;
  verified: boolean;
  /** The three Standard Webhooks headers as received, to verify again with other secrets. */
  headers: { "webhook-id": string; "webhook-timestamp": string; "webhook-signature": string };
  body: string;
  event: { type: string; timestamp: string; data: Record<string, unknown> };
}

type Webhook = {
  id: string;
  secret: string;
  status: string;
  disabled_reason: string | null;
  links: { self: string; deliveries: string };
};

/** Whether a receiver holding `secret` accepts the request (the reference library's verify). */
function verifies(secret: string, body: string, headers: Record<string, string>): boolean {
  try {
    verifyWebhook(secret, body, headers);
    return true;
  } catch {
    return false;
  }
}

/** A receiver that verifies each request with the secret it is given and answers with `answer`. */
async function startReceiver(answer: (attempt: number, res: ServerResponse) => Promise<void> | void) {
  let secret = "";
  const attempts = new Map<string, number>();
  const received: Received[] = [];
  const receiver = await startHttpStandIn(async (req: RecordedRequest, res) => {
    const id = String(req.headers["webhook-id"] ?? "");
    const headers = {
      "webhook-id": id,
      "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
      "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
    };
    const verified = verifies(secret, req.body, headers);
    received.push({ id, verified, headers, body: req.body, event: JSON.parse(req.body) });
    const attempt = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, attempt);
    await answer(attempt, res);
  });
  receivers.push(receiver);
  return {
    receiver,
    received,
    useSecret: (value: string) => {
      secret = value;
    },
  };
}

async function createWebhook(url: string, events: string[]): Promise<Webhook> {
  const res = await stack.call<{ data: Webhook }>("POST", "/v1/webhooks", { url, events });
  expect(res.status).toBe(201);
  return res.body.data;
}

async function deleteWebhook(webhook: Webhook) {
  const res = await fetch(`${stack.apiUrl}${webhook.links.self}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${stack.key}` },
  });
  expect(res.status).toBe(204);
}

/**
 * A `job.succeeded` webhook whose receiver answers 500 until `repair()`: one upsert's event
 * (`jobId`) fails until the worker disables the endpoint (WEBHOOK_DISABLE_AFTER_MS).
 */
async function disabledWebhook(email: string) {
  let up = false;
  const { receiver, received, useSecret } = await startReceiver((_attempt, res) => {
    res.writeHead(up ? 200 : 500).end();
  });
  const webhook = await createWebhook(receiver.url, ["job.succeeded"]);
  useSecret(webhook.secret);
  const { jobId } = await stack.put({ email });
  await stack.finished(jobId);
  await waitFor(
    async () =>
      (await stack.call<{ data: Webhook }>("GET", webhook.links.self)).body.data.status === "disabled",
    { timeoutMs: 30_000, intervalMs: 250, message: "the failing endpoint was never disabled" },
  );
  return {
    webhook,
    received,
    jobId,
    repair: () => {
      up = true;
    },
  };
}

const deliveriesOf = (endpointId: string) =>
  stack.db.prisma.webhookDelivery.findMany({ where: { endpointId } });

describe("completion webhooks", () => {
  it("delivers every event signed, retrying through 5xx and timeouts with the same webhook-id", async () => {
    // Attempt 1: 503; attempt 2: no answer within WEBHOOK_TIMEOUT_MS; attempt 3 on: 200.
    const { receiver, received, useSecret } = await startReceiver(async (attempt, res) => {
      if (attempt === 1) res.writeHead(503).end();
      else if (attempt === 2) {
        await sleep(1_500);
        res.writeHead(200).end();
      } else res.writeHead(200).end("ok");
    });
    const webhook = await createWebhook(`${receiver.url}/hooks`, [
      "job.succeeded",
      "job.failed",
      "contact.enriched",
    ]);
    useSecret(webhook.secret);

    const emails = Array.from({ length: 8 }, (_, i) => `hook${i}@initech.com`);
    const jobs = await Promise.all(emails.map((email) => stack.put({ email, first_name: "Hook" })));
    await Promise.all(jobs.map((job) => stack.finished(job.jobId)));
    // A create of a person who exists fails (conflict): job.failed.
    const conflict = await stack.call<{ data: { job_id: string } }>("POST", "/v1/contacts", {
      email: emails[0],
    });
    expect(conflict.status).toBe(202);
    const failedJob = await stack.finished(conflict.body.data.job_id);
    expect(failedJob.status).toBe("failed");

    // 8 job.succeeded + 8 contact.enriched (each created a contact) + 1 job.failed.
    await waitFor(
      async () => {
        const rows = await deliveriesOf(webhook.id);
        return rows.length === 17 && rows.every((row) => row.status === "succeeded");
      },
      { timeoutMs: 45_000, intervalMs: 200, message: "not every delivery succeeded" },
    );
    // Nothing unsigned or wrongly signed reached the receiver.
    expect(received.length).toBeGreaterThanOrEqual(17 * 3);
    expect(received.filter((r) => !r.verified)).toEqual([]);
    const byId = new Map<string, Received[]>();
    for (const r of received) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
    expect(byId.size).toBe(17);
    for (const [id, attempts] of byId) {
      expect(id).toMatch(/^msg_[0-9a-f-]{36}$/);
      expect(attempts.length).toBeGreaterThanOrEqual(3);
      // Every retry of one event is the same event, byte for byte.
      expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    }
    const events = [...byId.values()].map((attempts) => attempts[0]?.event);
    const jobIdsOf = (type: string) =>
      events
        .filter((e) => e?.type === type)
        .map((e) => (type === "contact.enriched" ? e?.data.job_id : e?.data.id))
        .sort();
    expect(jobIdsOf("job.succeeded")).toEqual(jobs.map((j) => j.jobId).sort());
    expect(jobIdsOf("contact.enriched")).toEqual(jobs.map((j) => j.jobId).sort());
    expect(jobIdsOf("job.failed")).toEqual([conflict.body.data.job_id]);
    const succeeded = events.find((e) => e?.type === "job.succeeded");
    expect(succeeded).toMatchObject({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: { status: "succeeded", operation: "contact.upsert", result: { action: "created" } },
    });
    const failed = events.find((e) => e?.type === "job.failed");
    expect(failed?.data).toMatchObject({ status: "failed", error: { code: "conflict" } });
    const enriched = events.find((e) => e?.type === "contact.enriched");
    expect(enriched?.data).toMatchObject({
      contact_id: expect.any(String),
      contact: { email: expect.any(String) },
    });

    // The delivery records, paginated as Monaco's lists.
    const page = await stack.call<{
      data: {
        webhook_id: string;
        status: string;
        attempts: number;
        last_response_code: number;
        event_type: string;
      }[];
      pagination: { page: number; page_size: number; total_count: number; total_pages: number };
    }>("GET", `${webhook.links.deliveries}?page=2&page_size=5`);
    expect(page.status).toBe(200);
    expect(page.body.pagination).toMatchObject({ page: 2, page_size: 5, total_count: 17, total_pages: 4 });
    expect(page.body.data).toHaveLength(5);
    for (const delivery of page.body.data) {
      expect(delivery).toMatchObject({ status: "succeeded", last_response_code: 200 });
      expect(delivery.attempts).toBe(byId.get(delivery.webhook_id)?.length);
    }
    await deleteWebhook(webhook);
  }, 90_000);

  it("disables an endpoint that fails for the whole failure window, and says why", async () => {
    const { receiver, received, useSecret } = await startReceiver((_attempt, res) => {
      res.writeHead(500).end();
    });
    const webhook = await createWebhook(receiver.url, ["job.succeeded"]);
    useSecret(webhook.secret);
    const { jobId } = await stack.put({ email: "down@initech.com" });
    await stack.finished(jobId);
    const disabled = await waitFor(
      async () => {
        const res = await stack.call<{ data: Webhook }>("GET", webhook.links.self);
        return res.body.data.status === "disabled" ? res.body.data : null;
      },
      { timeoutMs: 30_000, intervalMs: 250, message: "the failing endpoint was never disabled" },
    );
    expect(disabled.disabled_reason).toMatch(/^Every delivery failed since .* \(last: HTTP 500\)\.$/);
    const [delivery] = await deliveriesOf(webhook.id);
    expect(delivery).toMatchObject({ status: "failed", lastResponseCode: 500 });
    expect(delivery?.attempts).toBeGreaterThanOrEqual(3);
    expect(received.every((r) => r.verified)).toBe(true);
    // A disabled endpoint gets no new events.
    const after = received.length;
    await stack.finished((await stack.put({ email: "down2@initech.com" })).jobId);
    await sleep(1_000);
    expect(received.length).toBe(after);
    expect(await deliveriesOf(webhook.id)).toHaveLength(1);
    await deleteWebhook(webhook);
  }, 60_000);

  it("delivers new events again once a disabled endpoint is re-enabled with PATCH, same secret; abandoned deliveries stay failed", async () => {
    const { webhook, received, jobId: firstJobId, repair } = await disabledWebhook("revive@initech.com");
    // The receiver is fixed; the endpoint comes back with the secret the receiver already has.
    repair();
    const enabled = await stack.call<{ data: Webhook & { failing_since: string | null } }>(
      "PATCH",
      webhook.links.self,
      { enabled: true },
    );
    expect(enabled.status).toBe(200);
    expect(enabled.body.data).toMatchObject({ status: "active", disabled_reason: null, failing_since: null });
    const before = received.length;
    const second = await stack.put({ email: "revive2@initech.com" });
    await stack.finished(second.jobId);
    await waitFor(() => received.slice(before).some((r) => r.event.data.id === second.jobId), {
      timeoutMs: 20_000,
      intervalMs: 50,
      message: "the re-enabled endpoint got no new event",
    });
    const arrived = received.slice(before);
    expect(arrived.every((r) => r.verified)).toBe(true);
    // The event abandoned when the endpoint was disabled is not sent again: it stays failed.
    expect(arrived.some((r) => r.event.data.id === firstJobId)).toBe(false);
    await waitFor(async () => (await deliveriesOf(webhook.id)).some((d) => d.status === "succeeded"), {
      timeoutMs: 5_000,
      intervalMs: 50,
    });
    const rows = await deliveriesOf(webhook.id);
    const statusOf = (jobId: string) =>
      rows.find((row) => (row.payload as { data: { id: string } }).data.id === jobId)?.status;
    expect(statusOf(firstJobId)).toBe("failed");
    expect(statusOf(second.jobId)).toBe("succeeded");
    await deleteWebhook(webhook);
  }, 60_000);

  it("resends a failed delivery on request: the same webhook-id and body, signed, as a new delivery; 409 while disabled, 404 for another id", async () => {
    const { webhook, received, repair } = await disabledWebhook("resend@initech.com");
    type Delivery = { id: string; webhook_id: string; status: string; attempts: number };
    const listed = await stack.call<{ data: Delivery[] }>("GET", `${webhook.links.deliveries}?status=failed`);
    const [failed] = listed.body.data;
    if (!failed) throw new Error("no failed delivery listed");
    const resend = (deliveryId: string) =>
      stack.call<{ data: Delivery }>("POST", `${webhook.links.deliveries}/${deliveryId}/resend`);

    // Nothing would be sent while the webhook is disabled.
    const refused = await resend(failed.id);
    expect(refused.status).toBe(409);
    expect((await deliveriesOf(webhook.id)).length).toBe(1);

    repair();
    expect((await stack.call("PATCH", webhook.links.self, { enabled: true })).status).toBe(200);
    const before = received.length;
    const resent = await resend(failed.id);
    expect(resent.status).toBe(202);
    expect(resent.body.data).toMatchObject({ webhook_id: failed.webhook_id, status: "pending", attempts: 0 });
    expect(resent.body.data.id).not.toBe(failed.id);
    await waitFor(() => received.length > before, {
      timeoutMs: 20_000,
      intervalMs: 50,
      message: "the resent delivery never arrived",
    });
    const [again] = received.slice(before);
    const [original] = received;
    expect(again?.verified).toBe(true);
    expect(again?.id).toBe(failed.webhook_id);
    expect(again?.body).toBe(original?.body);
    await waitFor(
      async () =>
        (await deliveriesOf(webhook.id)).find((d) => d.id === resent.body.data.id)?.status === "succeeded",
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    // The earlier record stays as it was.
    expect((await deliveriesOf(webhook.id)).find((d) => d.id === failed.id)?.status).toBe("failed");

    expect((await resend("0190a3c0-0000-7000-8000-000000000000")).status).toBe(404);
    expect((await resend("not-a-uuid")).status).toBe(404);
    await deleteWebhook(webhook);
  }, 60_000);

  it("sends to the new URL after PATCH url, and a refused PATCH changes nothing", async () => {
    const ok = (_attempt: number, res: ServerResponse) => {
      res.writeHead(200).end();
    };
    const oldOne = await startReceiver(ok);
    const newOne = await startReceiver(ok);
    const webhook = await createWebhook(oldOne.receiver.url, ["job.succeeded"]);
    oldOne.useSecret(webhook.secret);
    newOne.useSecret(webhook.secret);
    const refused = await stack.call<{ error: { code: string; details: { path: string }[] } }>(
      "PATCH",
      webhook.links.self,
      { url: "ftp://files.example.com/hooks", events: ["job.succeeded"] },
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: "unprocessable_entity", details: [{ path: "url" }] });
    const kept = await stack.put({ email: "kept@initech.com" });
    await stack.finished(kept.jobId);
    await waitFor(() => oldOne.received.some((r) => r.event.data.id === kept.jobId), {
      timeoutMs: 20_000,
      intervalMs: 50,
      message: "a refused PATCH moved the webhook",
    });

    const moved = await stack.call<{ data: Webhook & { url: string } }>("PATCH", webhook.links.self, {
      url: `${newOne.receiver.url}/moved`,
    });
    expect(moved.status).toBe(200);
    expect(moved.body.data.url).toBe(`${newOne.receiver.url}/moved`);
    const next = await stack.put({ email: "moved@initech.com" });
    await stack.finished(next.jobId);
    await waitFor(() => newOne.received.some((r) => r.event.data.id === next.jobId), {
      timeoutMs: 20_000,
      intervalMs: 50,
      message: "the event did not go to the new URL",
    });
    expect(newOne.received.every((r) => r.verified)).toBe(true);
    expect(oldOne.received.some((r) => r.event.data.id === next.jobId)).toBe(false);
    await deleteWebhook(webhook);
  }, 60_000);

  it("signs with the new and the old secret for 24 h after a rotation, then with the new one only", async () => {
    const { receiver, received, useSecret } = await startReceiver((_attempt, res) => {
      res.writeHead(204).end();
    });
    const webhook = await createWebhook(receiver.url, ["job.succeeded"]);
    const oldSecret = webhook.secret;
    useSecret(oldSecret);
    const rotated = await stack.call<{ data: Webhook & { previous_secret_expires_at: string } }>(
      "POST",
      `${webhook.links.self}/rotate-secret`,
    );
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.data.secret;
    expect(newSecret).not.toBe(oldSecret);

    // A receiver not yet switched (old secret) and one switched (new secret) both accept it.
    const during = await stack.put({ email: "rotate1@initech.com" });
    await stack.finished(during.jobId);
    const duringEvent = await waitFor(() => received.find((r) => r.event.data.id === during.jobId), {
      timeoutMs: 20_000,
      intervalMs: 50,
      message: "no delivery after the rotation",
    });
    expect(duringEvent.verified).toBe(true);
    expect(verifies(newSecret, duringEvent.body, duringEvent.headers)).toBe(true);
    expect(duringEvent.headers["webhook-signature"].split(" ")).toHaveLength(2);

    // 24 h later (the overlap moved into the past): the old secret no longer signs.
    await stack.db.prisma.webhookEndpoint.update({
      where: { id: webhook.id },
      data: { previousSecretExpiresAt: new Date(Date.now() - 1_000) },
    });
    const after = await stack.put({ email: "rotate2@initech.com" });
    await stack.finished(after.jobId);
    const afterEvent = await waitFor(() => received.find((r) => r.event.data.id === after.jobId), {
      timeoutMs: 20_000,
      intervalMs: 50,
      message: "no delivery after the overlap",
    });
    expect(verifies(newSecret, afterEvent.body, afterEvent.headers)).toBe(true);
    expect(verifies(oldSecret, afterEvent.body, afterEvent.headers)).toBe(false);
    expect(afterEvent.headers["webhook-signature"].split(" ")).toHaveLength(1);
    await deleteWebhook(webhook);
  }, 60_000);

  it("delivers batch.finished once a batch's last item is written, with the batch as GET shows it, to subscribers only", async () => {
    const { receiver, received, useSecret } = await startReceiver((_attempt, res) => {
      res.writeHead(204).end();
    });
    const webhook = await createWebhook(receiver.url, ["batch.finished"]);
    useSecret(webhook.secret);
    const accepted = await stack.call<{ data: { batch_id: string } }>("POST", "/v1/contacts/batch", {
      items: [
        { email: "batch-one@initech.com" },
        { email: "batch-two@initech.com" },
        { email: "not an email" },
      ],
    });
    expect(accepted.status).toBe(202);
    const batchId = accepted.body.data.batch_id;
    await waitFor(() => received.length === 1, {
      timeoutMs: 20_000,
      intervalMs: 50,
      message: "batch.finished not delivered",
    });
    const shown = await stack.call<{ data: Record<string, unknown> }>("GET", `/v1/batches/${batchId}`);
    expect(received[0]).toMatchObject({
      verified: true,
      event: {
        type: "batch.finished",
        data: {
          id: batchId,
          status: "partially_failed",
          counts: { succeeded: 2, failed: 0, rejected: 1, created: 2, updated: 0 },
        },
      },
    });
    expect(received[0]?.event.data).toEqual(shown.body.data);
    // Only subscribers: this endpoint did not ask for the items' job events.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(received).toHaveLength(1);
    await deleteWebhook(webhook);
  }, 40_000);

  it("re-queues a pending delivery whose job Redis lost, from its Postgres record", async () => {
    let down = true;
    const { receiver, received, useSecret } = await startReceiver((_attempt, res) => {
      res.writeHead(down ? 503 : 200).end();
    });
    const webhook = await createWebhook(receiver.url, ["job.succeeded"]);
    useSecret(webhook.secret);
    const { jobId } = await stack.put({ email: "lost@initech.com" });
    await stack.finished(jobId);
    await waitFor(async () => ((await deliveriesOf(webhook.id))[0]?.attempts ?? 0) >= 2, {
      timeoutMs: 15_000,
      intervalMs: 50,
      message: "the delivery was never retried",
    });
    const logged = () =>
      stack.workers.filter((w) => w.output().includes("re-enqueued webhook deliveries")).length;
    const before = logged();
    // Redis loses everything under this stack's prefix (no AOF, a failover): the delayed retry
    // job is gone; only the delivery's row in Postgres says it is owed.
    await dropQueuePrefix(stack.workerEnv.REDIS_URL ?? "", stack.workerEnv.QUEUE_PREFIX ?? "");
    down = false;
    await waitFor(async () => (await deliveriesOf(webhook.id))[0]?.status === "succeeded", {
      timeoutMs: 20_000,
      intervalMs: 100,
      message: "the delivery whose job Redis lost was never sent",
    });
    expect(logged()).toBeGreaterThan(before);
    const ids = new Set(received.map((r) => r.id));
    expect(ids.size).toBe(1);
    expect(received.every((r) => r.verified)).toBe(true);
    await deleteWebhook(webhook);
  }, 60_000);

  it("delivers an event whose worker was killed after its write committed, before the delivery was queued", async () => {
    const { receiver, received, useSecret } = await startReceiver((_attempt, res) => {
      res.writeHead(200).end();
    });
    const webhook = await createWebhook(receiver.url, ["job.succeeded"]);
    useSecret(webhook.secret);
    // Only a worker that never gets to queue deliveries runs: its outbox poller (and repair pass)
    // would next run in an hour, so a write it commits leaves the event in Postgres alone.
    await Promise.all(stack.workers.map((w) => w.stop()));
    const stalled = startAppProcess("worker", {
      ...stack.workerEnv,
      WEBHOOK_POLL_INTERVAL_MS: "3600000",
      DISPATCH_INTERVAL_MS: "3600000",
    });
    stack.workers.push(stalled);
    const { jobId } = await stack.put({ email: "crash@initech.com" });
    await waitFor(
      async () =>
        (await stack.db.prisma.intakeRequest.findUnique({ where: { id: jobId } }))?.status === "succeeded",
      { timeoutMs: 20_000, intervalMs: 50, message: "the write never committed" },
    );
    const [outboxRow] = await deliveriesOf(webhook.id);
    expect(outboxRow).toMatchObject({ status: "pending", enqueuedAt: null, attempts: 0 });
    await stalled.kill();
    expect(received).toHaveLength(0);

    stack.startWorker();
    await waitFor(() => received.length === 1, {
      timeoutMs: 20_000,
      intervalMs: 50,
      message: "the event was lost with its worker",
    });
    expect(received[0]).toMatchObject({
      verified: true,
      id: `msg_${outboxRow?.eventId}`,
      event: { type: "job.succeeded", data: { id: jobId } },
    });
    await waitFor(async () => (await deliveriesOf(webhook.id))[0]?.status === "succeeded", {
      timeoutMs: 5_000,
      intervalMs: 50,
    });
  }, 60_000);
});
