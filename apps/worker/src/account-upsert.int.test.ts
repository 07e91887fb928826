import { afterAll, beforeAll, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";

// PUT /v1/accounts, end to end: upsert by registrable domain, async, enrichment on create only,
// the caller's values never overwritten by enrichment, one account per domain under concurrency.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ workers: 2, workerEnv: { ENRICHMENT_LATENCY_MS: "300" } });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

type AccountView = {
  id: string;
  name: string | null;
  company: { domain: string; linkedin_url: string | null; description: string | null; industries: string[] };
  enrichment: { status: string };
};

async function putAccount(body: unknown) {
  const res = await stack.call<{ data: { job_id: string } }>("PUT", "/v1/accounts", body);
  expect(res.status).toBe(202);
  return res.body.data.job_id;
}

it("creates the account by its registrable domain, then enriches only what the caller left empty", async () => {
  const job = await stack.finished(await putAccount({ domain: "https://www.hooli.co.uk", name: "Hooli UK" }));
  expect(job.status).toBe("succeeded");
  expect(job.result).toMatchObject({ action: "created", account_created: true, enrichment: "applied" });
  const account = (job.result as { account: AccountView }).account;
  expect(account).toMatchObject({
    name: "Hooli UK", // the caller's, not the provider's
    company: { domain: "hooli.co.uk" },
    enrichment: { status: "applied" },
  });
  expect(account.company.description).not.toBeNull(); // filled by enrichment
  const read = await stack.call<{ data: AccountView }>("GET", `/v1/accounts/${account.id}`);
  expect(read.body.data).toEqual(account);
  expect(stack.providerCalls("company")).toBe(1);
});

it("updates the domain's account in place, without enriching again", async () => {
  const created = await stack.finished(await putAccount({ domain: "initrode.com" }));
  const accountId = (created.result as { account_id: string }).account_id;
  const calls = stack.providerCalls();
  const updated = await stack.finished(
    await putAccount({
      domain: "INITRODE.com",
      name: "Initrode",
      linkedin_url: "linkedin.com/company/initrode",
      status: "NEW",
      notes: "Key prospect",
    }),
  );
  expect(updated.result).toMatchObject({
    action: "updated",
    account_id: accountId,
    account_created: false,
    enrichment: "skipped",
    account: {
      name: "Initrode",
      status: "NEW",
      notes: "Key prospect",
      company: { linkedin_url: "https://linkedin.com/company/initrode" },
    },
  });
  expect(stack.providerCalls()).toBe(calls);
  expect(await stack.db.prisma.account.count({ where: { domain: "initrode.com" } })).toBe(1);
});

it("30 concurrent upserts of one new domain: one account, one company call, the last accepted name", async () => {
  const calls = stack.providerCalls("company");
  const names = Array.from({ length: 30 }, (_, i) => `Globex ${i}`);
  // Sent one after another's 202, so acceptance order is the order of `names`...
  const jobs: string[] = [];
  for (const name of names.slice(0, 10)) jobs.push(await putAccount({ domain: "globex.com", name }));
  // ...then the rest at once (any acceptance order; the intake log records it).
  jobs.push(
    ...(await Promise.all(names.slice(10).map((name) => putAccount({ domain: "globex.com", name })))),
  );
  await stack.drain();
  const results = await Promise.all(jobs.map((id) => stack.job(id)));
  expect(results.map((r) => r.status)).toEqual(jobs.map(() => "succeeded"));
  expect(results.filter((r) => r.result?.account_created)).toHaveLength(1);
  const accounts = await stack.db.prisma.account.findMany({ where: { domain: "globex.com" } });
  expect(accounts).toHaveLength(1);
  const lastAccepted = await stack.db.prisma.intakeRequest.findFirstOrThrow({
    where: { id: { in: jobs } },
    orderBy: { seq: "desc" },
  });
  expect(accounts[0]?.name).toBe((lastAccepted.payload as { name: string }).name);
  expect(accounts[0]?.enrichmentStatus).toBe("applied");
  expect(stack.providerCalls("company") - calls).toBe(1);
}, 60_000);

it("a contact upserted at that domain afterwards joins the existing account", async () => {
  const account = await stack.db.prisma.account.findFirstOrThrow({ where: { domain: "globex.com" } });
  const job = await stack.finished((await stack.put({ email: "hank@globex.com" })).jobId);
  expect(job.result).toMatchObject({
    action: "created",
    account_id: account.id,
    account_resolution: "email_domain",
    account_created: false,
  });
});
