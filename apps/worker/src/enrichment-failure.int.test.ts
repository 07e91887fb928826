import { afterAll, beforeAll, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";

// Rule 4: a provider that keeps failing does not undo the contact.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    workers: 1,
    workerEnv: {
      ENRICHMENT_FAILURE_RATE: "1",
      ENRICHMENT_ATTEMPTS: "3",
      ENRICHMENT_LATENCY_MS: "20",
      ENRICHMENT_BACKOFF_MS: "50",
      // Person and company calls share the breaker: with its default threshold it could open
      // before the person's last retry (their order varies), and this test is about retries.
      ENRICHMENT_BREAKER_THRESHOLD: "100",
      // No deferral: once the retries are spent, the enrichment has failed.
      ENRICHMENT_DEFER_MAX_MS: "0",
    },
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

it("a provider failing every retry: the job succeeds with enrichment failed and the reason", async () => {
  const { jobId } = await stack.put({ email: "ivy@failing.dev", first_name: "Ivy" });
  const job = await stack.finished(jobId);
  expect(job.status).toBe("succeeded");
  expect(job.result).toMatchObject({
    action: "created",
    enrichment: "failed",
    enrichment_error: "builtin provider: simulated failure",
  });
  expect(stack.providerCalls("person")).toBe(3); // every attempt was made
  const contact = await stack.call<{ data: { first_name: string; enrichment: { status: string } } }>(
    "GET",
    `/v1/contacts/${job.result?.contact_id}`,
  );
  expect(contact.body.data).toMatchObject({ first_name: "Ivy", enrichment: { status: "failed" } });
  const stored = await stack.db.prisma.contact.findFirstOrThrow({
    where: { emailNormalized: "ivy@failing.dev" },
  });
  expect(stored.enrichmentError).toBe("builtin provider: simulated failure");
});
