import { waitFor } from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";

// Lock loss: a worker whose whole process freezes (SIGSTOP: the event loop stalls, nothing renews
// its job lock) past the lock duration loses the job to another worker. When it wakes, its run
// must not write a second time: it learns of the lost lock and aborts before the write, or, if
// the other run wrote first, it finds the request written and leaves it alone.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    workers: 1,
    workerEnv: { JOB_LOCK_MS: "2000", STALLED_INTERVAL_MS: "1000", ENRICHMENT_LATENCY_MS: "200" },
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

it("a worker frozen past its job lock does not write again when it wakes", async () => {
  const email = "stall@initech.io";
  const { prisma } = stack.db;
  // The frozen run stops just before its write: it is waiting for this lock.
  const releaseLock = await stack.holdIdentityLock(`email:${email}`);
  const { jobId } = await stack.put({ email, first_name: "Stella" });
  const row = () => prisma.intakeRequest.findUniqueOrThrow({ where: { id: jobId } });
  await waitFor(async () => (await row()).status === "running", {
    timeoutMs: 10_000,
    intervalMs: 50,
    message: "the worker never started the job",
  });

  // Freeze it only once its query is queued behind our lock (not while it is still on its way).
  await waitFor(
    async () => {
      const [waiting] = await prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event = 'advisory'`;
      return Number(waiting?.n) > 0;
    },
    { timeoutMs: 10_000, intervalMs: 50, message: "the worker never queued for the identity lock" },
  );
  const frozen = stack.workers[0];
  if (!frozen) throw new Error("no worker");
  process.kill(frozen.pid, "SIGSTOP");
  try {
    stack.startWorker();
    // The replacement's stall check finds the expired lock and runs the job again.
    await waitFor(async () => (await row()).attempts >= 2, {
      timeoutMs: 20_000,
      intervalMs: 100,
      message: "no other worker took over the job",
    });
  } finally {
    process.kill(frozen.pid, "SIGCONT");
  }
  // Awake again, the frozen worker's lock renewal fails and it cancels its run.
  await waitFor(() => frozen.output().includes("job lock lost to another worker"), {
    timeoutMs: 10_000,
    intervalMs: 50,
    message: "the frozen worker never noticed it lost the job",
  });
  await releaseLock();

  const finished = await stack.finished(jobId);
  expect(finished.status).toBe("succeeded");
  expect(finished.result).toMatchObject({ action: "created", enrichment: "applied" });
  const contacts = await prisma.contact.findMany({ where: { emailNormalized: email } });
  expect(contacts).toHaveLength(1);
  expect(contacts[0]?.firstName).toBe("Stella");
  expect(await prisma.account.count({ where: { domain: "initech.io" } })).toBe(1);
  // Exactly one run reached the provider: the frozen run never got past its write.
  expect(stack.providerCalls("person")).toBe(1);
  expect(stack.providerCalls("company")).toBe(1);
  // Which safeguard acted: the frozen run queued for the identity lock first, so Postgres grants
  // it first, and it aborts there (had the other run written first, it would find the request
  // written and skip it).
  await waitFor(() => frozen.output().includes("run abandoned: the job lock was lost"), {
    timeoutMs: 10_000,
    intervalMs: 50,
    message: "the frozen run did not abandon its run",
  });
}, 90_000);
