import { dropQueuePrefix, type HttpStandIn, startHttpStandIn, waitFor } from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";
import { answerWebhookLikeBuiltin } from "./testing/webhook-answers";

// Enrichment is a job of its own: the upsert is done when it is written, whatever the provider
// does, and nothing that happens to the enrichment job redoes the write. The provider (a webhook
// stand-in) holds every answer until the test lets it go.
let stack: Stack;
let provider: HttpStandIn;
let letGo = () => {};

/** From now on the provider holds its answers until the returned function is called. */
function holdAnswers(): () => void {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  letGo = release;
  provider.setHandler(async (req, res) => {
    await released;
    answerWebhookLikeBuiltin(req, res);
  });
  return release;
}

beforeAll(async () => {
  provider = await startHttpStandIn(answerWebhookLikeBuiltin);
  stack = await startStack({
    workers: 1,
    workerEnv: {
      ENRICHMENT_PROVIDER: "webhook",
      ENRICHMENT_WEBHOOK_URL: `${provider.url}/enrich`,
      ENRICHMENT_TIMEOUT_MS: "60000",
      DISPATCH_INTERVAL_MS: "500",
      DISPATCH_MIN_AGE_MS: "500",
    },
  });
}, 60_000);

afterAll(async () => {
  letGo();
  await stack?.stop();
  await provider?.close();
});

/** The job as soon as it has succeeded (its enrichment may still be running). */
async function succeeded(jobId: string) {
  return waitFor(
    async () => {
      const job = await stack.job(jobId);
      return job.status === "succeeded" ? job : null;
    },
    { timeoutMs: 20_000, intervalMs: 50, message: `job ${jobId} never succeeded` },
  );
}

/** Waits until the provider has received `count` calls in all. */
async function providerReceived(count: number) {
  await waitFor(() => provider.requests.length >= count, {
    timeoutMs: 20_000,
    intervalMs: 20,
    message: `the provider never received ${count} calls`,
  });
}

it("a provider that has not answered does not hold up the upsert: succeeded, enrichment pending", async () => {
  const release = holdAnswers();
  const { jobId } = await stack.put({ email: "nia@slowcorp.com", first_name: "Nia" });
  const written = await succeeded(jobId);
  expect(written.result).toMatchObject({ action: "created", enrichment: "pending", account_created: true });
  const early = await stack.call<{ data: { enrichment: { status: string } } }>(
    "GET",
    `/v1/contacts/${written.result?.contact_id}`,
  );
  expect(early.body.data.enrichment.status).toBe("pending");
  await providerReceived(2); // the person and the company, both waiting for their answers

  release();
  const done = await stack.finished(jobId);
  expect(done.status).toBe("succeeded");
  expect(done.result).toMatchObject({ action: "created", enrichment: "applied" });
  const contact = await stack.call<{ data: { first_name: string; enrichment: { status: string } } }>(
    "GET",
    `/v1/contacts/${done.result?.contact_id}`,
  );
  expect(contact.body.data).toMatchObject({ first_name: "Nia", enrichment: { status: "applied" } });
  const row = await stack.db.prisma.intakeRequest.findUniqueOrThrow({ where: { id: jobId } });
  expect(row.attempts).toBe(1); // one write
}, 60_000);

it("an enrichment job lost with Redis (worker killed, keys wiped) is re-created from Postgres", async () => {
  const release = holdAnswers();
  const callsBefore = provider.requests.length;
  const { jobId } = await stack.put({ email: "oli@lostjobs.com", first_name: "Oli" });
  await succeeded(jobId);
  await providerReceived(callsBefore + 2);
  // Mid-call: the worker dies and Redis forgets every job of this stack (a failover without AOF).
  await stack.workers.at(-1)?.kill();
  const wiped = await dropQueuePrefix(stack.workerEnv.REDIS_URL ?? "", stack.workerEnv.QUEUE_PREFIX ?? "");
  expect(wiped).toBeGreaterThan(0);
  stack.startWorker();
  await providerReceived(callsBefore + 4); // asked again by the re-created job
  release();

  const done = await stack.finished(jobId);
  expect(done.result).toMatchObject({ action: "created", enrichment: "applied" });
  const row = await stack.db.prisma.intakeRequest.findUniqueOrThrow({ where: { id: jobId } });
  expect(row.attempts).toBe(1); // the write was not redone
  expect(await stack.db.prisma.contact.count({ where: { emailNormalized: "oli@lostjobs.com" } })).toBe(1);
  expect(stack.workers.at(-1)?.output()).toContain("re-enqueued enrichment jobs");
}, 60_000);
