import type { UpsertContactPayload } from "@upsert/domain";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadComparableState, loadOutcomes, runModel } from "./testing/compare-with-model";
import { createRandom, randomUpsert } from "./testing/request-generator";
import { type Stack, startStack } from "./testing/start-stack";

// G2: a client sends a chain of dependent requests, each after the previous 202, while four
// worker processes take jobs in whatever order. The outcome must equal the domain core applied
// serially in acceptance order. The seed is printed on failure; ORDER_TEST_SEED replays it.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ workers: 4, workerEnv: { ORDERING_RETRY_DELAY_MS: "50" } });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

it("a chain of dependent requests over 4 workers ends exactly as the serial model says", async () => {
  const seed = Number(process.env.ORDER_TEST_SEED ?? Date.now() % 1_000_000);
  const random = createRandom(seed);
  const chain: UpsertContactPayload[] = [
    { email: "ann@acme.com", linkedin_url: "https://linkedin.com/in/ann", first_name: "Ann" },
    // Ann's email changes (matched by LinkedIn) ...
    { linkedin_url: "https://linkedin.com/in/ann", email: "ann.new@acme.com", title: "CEO" },
    // ... so her old email now names nobody: this creates a new contact.
    { email: "ann@acme.com", title: "Old address" },
    ...Array.from({ length: 60 }, () => randomUpsert(random) as UpsertContactPayload),
  ];
  for (const body of chain) {
    const { status } = await stack.put(body);
    expect(status, `seed ${seed}`).toBe(202);
  }
  await stack.drain(120_000);

  // What a user sees for the scripted start.
  const { prisma } = stack.db;
  const start = await prisma.intakeRequest.findMany({
    where: { orgId: stack.orgId },
    orderBy: { seq: "asc" },
    take: 3,
  });
  const [created, updated, oldAddress] = start.map(
    (r) => r.result as { action: string; contact_id: string } | null,
  );
  expect([created?.action, updated?.action, oldAddress?.action], `seed ${seed}`).toEqual([
    "created",
    "updated",
    "created",
  ]);
  expect(oldAddress?.contact_id).not.toBe(created?.contact_id);

  const model = await runModel(stack.db, stack.orgId);
  expect(await loadOutcomes(stack.db, stack.orgId), `seed ${seed}`).toEqual(model.outcomes);
  expect(await loadComparableState(stack.db, stack.orgId), `seed ${seed}`).toEqual(model.state);
}, 180_000);
