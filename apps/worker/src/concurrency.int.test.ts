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

it("200 concurrent upserts of one new email over 4 workers: one contact, one account, one enrichment call", async () => {
  // All 200 at once, mixed case and spacing: all the same person.
  const responses = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      stack.put({ email: i % 2 ? " Dana@Vandelay.com " : "dana@vandelay.COM", location: `City ${i}` }),
    ),
  );
  const statuses = responses.map((r) => r.status);
  expect(statuses.filter((s) => s !== 202)).toEqual([]);

  await stack.drain(240_000); // correctness, not speed: on a loaded 2-core machine this can take minutes
  const { prisma } = stack.db;
  expect(await prisma.intakeRequest.groupBy({ by: ["status"], _count: true })).toEqual([
    { status: "succeeded", _count: 200 },
  ]);
  // Nearly all of them waited for an earlier one; waiting is not an attempt (nothing crashed).
  expect(await prisma.intakeRequest.count({ where: { attempts: { not: 1 } } })).toBe(0);
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
  expect(stack.providerCalls("person")).toBe(1);
  expect(stack.providerCalls("company")).toBe(1);
  expect(contacts[0]?.enrichmentStatus).toBe("applied");
}, 300_000);
