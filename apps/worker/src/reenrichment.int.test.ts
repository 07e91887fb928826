import { type HttpStandIn, sendJson, startHttpStandIn } from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";

// Issue 5: POST /v1/contacts/:id/enrich retries a failed enrichment, asynchronously, and never
// overwrites what a caller sent.
let stack: Stack;
let provider: HttpStandIn;
let keyValid = false;

beforeAll(async () => {
  provider = await startHttpStandIn((req, res) => {
    if (!keyValid) return sendJson(res, 401, { error: "invalid key" });
    const body = JSON.parse(req.body) as { type: string };
    return sendJson(res, 200, {
      match:
        body.type === "person"
          ? { first_name: "Ann", last_name: "Lee", title: "CTO", location: "Oslo, Norway" }
          : { name: "Reenrich", employee_count: 12 },
    });
  });
  stack = await startStack({
    workers: 1,
    workerEnv: {
      ENRICHMENT_PROVIDER: "webhook",
      ENRICHMENT_WEBHOOK_URL: provider.url,
    },
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await provider?.close();
});

it("a failed enrichment is retried on request, filling only what no caller sent", async () => {
  const created = await stack.finished(
    (await stack.put({ email: "ann@reenrich.io", first_name: "Annie" })).jobId,
  );
  expect(created.result).toMatchObject({ action: "created", enrichment: "failed" });
  expect(String(created.result?.enrichment_error)).toContain("API key rejected (401)");
  const contactId = String(created.result?.contact_id);

  keyValid = true; // the operator fixed the key
  const accepted = await stack.call<{ data: { job_id: string; status: string } }>(
    "POST",
    `/v1/contacts/${contactId}/enrich`,
  );
  expect(accepted.status).toBe(202);
  expect(accepted.body.data.status).toBe("queued");
  const job = await stack.finished(accepted.body.data.job_id);
  expect(job.status).toBe("succeeded");
  expect(job.result).toMatchObject({ action: "enrich", contact_id: contactId, enrichment: "applied" });

  const contact = await stack.call<{ data: Record<string, unknown> }>("GET", `/v1/contacts/${contactId}`);
  expect(contact.body.data).toMatchObject({
    first_name: "Annie", // the caller's value stays
    last_name: "Lee",
    title: "CTO",
    enrichment: { status: "applied" },
  });
  // Asked again, it asks the provider again: a re-enrichment does not take the cached answer.
  const personCalls = () => provider.requests.filter((r) => r.body.includes('"type":"person"')).length;
  const callsBefore = personCalls();
  const again = await stack.call<{ data: { job_id: string } }>("POST", `/v1/contacts/${contactId}/enrich`);
  expect((await stack.finished(again.body.data.job_id)).status).toBe("succeeded");
  expect(personCalls()).toBe(callsBefore + 1);

  const asked = provider.requests.filter((r) => r.body.includes('"person"')).at(-1);
  expect(JSON.parse(asked?.body ?? "{}")).toMatchObject({
    type: "person",
    query: { email: "ann@reenrich.io", first_name: "Annie" },
  });
});

it("an unknown or malformed contact id is a 404 and records nothing", async () => {
  const before = await stack.db.prisma.intakeRequest.count();
  for (const id of ["01938f2a-55c1-7d0e-8a3b-2c4d6e8f0a1b", "not-a-uuid"]) {
    const res = await stack.call<{ error: { code: string } }>("POST", `/v1/contacts/${id}/enrich`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  }
  expect(await stack.db.prisma.intakeRequest.count()).toBe(before);
});
