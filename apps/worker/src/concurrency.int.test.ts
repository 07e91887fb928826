import { afterAll, beforeAll, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";

// G1 under real concurrency: one API, four worker processes, many requests for one new person.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ workers: 4 });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

it("40 concurrent upserts of one new email over 4 workers: one contact, one account, one enrichment call", async () => {
  // 20 in flight at a time: all 40 jobs are queued within a second or so, so the workers still
  // race on the same person. (One org's intake is serialised by design; see README limitations.)
  const statuses: number[] = [];
  for (let i = 0; i < 40; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: 20 }, (_, j) =>
        // Mixed case and spacing: all the same person.
        stack.put({
          email: (i + j) % 2 ? " Dana@Vandelay.com " : "dana@vandelay.COM",
          location: `City ${i + j}`,
        }),
      ),
    );
    statuses.push(...batch.map((r) => r.status));
  }
  expect(statuses.filter((s) => s !== 202)).toEqual([]);

  await stack.drain(90_000);
  const { prisma } = stack.db;
  expect(await prisma.intakeRequest.groupBy({ by: ["status"], _count: true })).toEqual([
    { status: "succeeded", _count: 40 },
  ]);
  const contacts = await prisma.contact.findMany();
  expect(contacts).toHaveLength(1);
  expect(await prisma.account.count()).toBe(1);
  const created = await prisma.intakeRequest.findMany({
    where: { result: { path: ["action"], equals: "created" } },
  });
  expect(created).toHaveLength(1);

  // The last accepted request's value wins (acceptance order), whichever worker ran it.
  const last = await prisma.intakeRequest.findFirstOrThrow({ orderBy: { seq: "desc" } });
  expect(contacts[0]?.location).toBe((last.payload as { location: string }).location);
  expect(stack.providerCalls()).toBe(1);
  expect(contacts[0]?.enrichmentStatus).toBe("applied");
}, 120_000);
