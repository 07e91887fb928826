import { waitFor } from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";

// G3: a worker SIGKILLed in any phase; the request still completes exactly once. Short lock and
// stall settings so BullMQ hands the dead worker's job to its replacement within seconds.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    workers: 1,
    workerEnv: { JOB_LOCK_MS: "2000", STALLED_INTERVAL_MS: "1000", ENRICHMENT_LATENCY_MS: "3000" },
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** SIGKILLs the running worker (the newest; earlier ones are already dead) and starts another. */
async function killActiveWorkerAndReplace(): Promise<number> {
  const killedAt = Date.now();
  await stack.workers.at(-1)?.kill();
  stack.startWorker();
  return killedAt;
}

async function expectCompletedOnce(
  jobId: string,
  email: string,
  killedAt: number,
  killed: "write" | "enrichment",
) {
  const { prisma } = stack.db;
  const row = await waitFor(
    async () => {
      const current = await prisma.intakeRequest.findUniqueOrThrow({ where: { id: jobId } });
      return current.status === "succeeded" && current.enrichedAt ? current : null;
    },
    { timeoutMs: 30_000, intervalMs: 100, message: `job ${jobId} did not complete after the crash` },
  );
  const finishedAt = killed === "write" ? row.finishedAt : row.enrichedAt;
  const recoveryMs = (finishedAt?.getTime() ?? Date.now()) - killedAt;
  console.info(`recovered ${email} (killed during ${killed}) in ${recoveryMs} ms (attempts ${row.attempts})`);
  // The killed run did not finish its job; a later run did.
  expect(recoveryMs).toBeGreaterThan(0);
  if (killed === "write") expect(row.attempts).toBeGreaterThanOrEqual(2);
  else expect(row.attempts).toBe(1); // the write was not redone
  expect(row.result).toMatchObject({ action: "created", enrichment: "applied", account_created: true });
  const contacts = await prisma.contact.findMany({ where: { emailNormalized: email } });
  expect(contacts).toHaveLength(1);
  expect(contacts[0]?.enrichmentStatus).toBe("applied");
  expect(await prisma.account.count({ where: { domain: email.split("@")[1] } })).toBe(1);
}

it("killed before its write (blocked on the identity lock): completes once on another worker", async () => {
  const email = "kim@hooli.com";
  // Hold the lock the worker needs for this email, so its run stops just before writing.
  const releaseLock = await stack.holdIdentityLock(`email:${email}`);
  const { jobId } = await stack.put({ email });
  await waitFor(
    async () =>
      (await stack.db.prisma.intakeRequest.findUniqueOrThrow({ where: { id: jobId } })).status === "running",
    { timeoutMs: 10_000, intervalMs: 50, message: "the worker never started the job" },
  );
  const callsBefore = stack.providerCalls("person");
  const killedAt = await killActiveWorkerAndReplace();
  await releaseLock();
  await expectCompletedOnce(jobId, email, killedAt, "write");
  expect(stack.providerCalls("person") - callsBefore).toBe(1); // the killed run never reached the provider
}, 60_000);

it("killed after its write, during its enrichment job: enrichment is redone, the write is not", async () => {
  const email = "lou@piedpiper.com";
  const { jobId } = await stack.put({ email, first_name: "Louise" });
  await waitFor(
    async () =>
      (await stack.db.prisma.intakeRequest.findUniqueOrThrow({ where: { id: jobId } })).writtenAt !== null,
    { timeoutMs: 10_000, intervalMs: 20, message: "the worker never wrote the contact" },
  );
  const contact = await stack.db.prisma.contact.findFirstOrThrow({ where: { emailNormalized: email } });
  expect(contact.enrichmentStatus).toBe("pending"); // visible before enrichment finishes
  const killedAt = await killActiveWorkerAndReplace();
  await expectCompletedOnce(jobId, email, killedAt, "enrichment");
  const after = await stack.db.prisma.contact.findFirstOrThrow({ where: { emailNormalized: email } });
  expect(after.id).toBe(contact.id);
  expect(after.firstName).toBe("Louise"); // the caller's value survives the enrichment
}, 60_000);
