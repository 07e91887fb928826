import { waitFor } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";

// Monaco's upsert rules 1-5, each seen the way a caller sees them: PUT, poll the job, then GET
// the contact and its account. Tags and custom fields are created through their endpoints.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ workers: 2, workerEnv: { ENRICHMENT_LATENCY_MS: "1000" } });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

type Contact = Record<string, unknown> & {
  id: string;
  account_id: string | null;
  tags: string[];
  enrichment: { status: string; fields: string[] };
};
type Account = {
  id: string;
  name: string | null;
  company: Record<string, unknown>;
  enrichment: { status: string };
};

/** PUT, wait for the job, and return it with the contact as GET /v1/contacts/:id shows it. */
async function upsert(body: Record<string, unknown>) {
  const accepted = await stack.put(body);
  expect(accepted.status).toBe(202);
  const job = await stack.finished(accepted.jobId);
  const contactId = job.result?.contact_id as string | undefined;
  const contact = contactId
    ? (await stack.call<{ data: Contact }>("GET", `/v1/contacts/${contactId}`)).body.data
    : null;
  return { job, contact };
}

async function getAccount(id: string) {
  return (await stack.call<{ data: Account }>("GET", `/v1/accounts/${id}`)).body.data;
}

describe("rule 1: matching", () => {
  it("matches by email case-insensitively, then by canonical LinkedIn URL", async () => {
    const created = await upsert({ email: "Mia@Wayne.com", linkedin_url: "https://linkedin.com/in/mia" });
    const byEmail = await upsert({ email: " mia@WAYNE.com ", title: "CFO" });
    expect(byEmail.job.result).toMatchObject({ action: "updated", matched_by: "email" });
    expect(byEmail.contact?.id).toBe(created.contact?.id);

    const byLinkedin = await upsert({
      linkedin_url: "https://uk.linkedin.com/in/MIA/?trk=x",
      domain: "wayne.com",
      location: "Gotham",
    });
    expect(byLinkedin.job.result).toMatchObject({ action: "updated", matched_by: "linkedin_url" });
    expect(byLinkedin.contact).toMatchObject({
      id: created.contact?.id,
      title: "CFO",
      location: "Gotham",
      email: "mia@WAYNE.com", // provided fields are written as given (trimmed), the email too
    });
  });

  it("refuses, naming both contacts, when email and LinkedIn URL match different contacts", async () => {
    const a = await upsert({ email: "ned@stark.com" });
    const b = await upsert({ linkedin_url: "https://linkedin.com/in/jon", domain: "stark.com" });
    const { job } = await upsert({
      email: "ned@stark.com",
      linkedin_url: "https://linkedin.com/in/jon",
      title: "King",
    });
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({
      code: "conflict",
      details: { email_contact_id: a.contact?.id, linkedin_contact_id: b.contact?.id },
    });
    const ned = (await stack.call<{ data: Contact }>("GET", `/v1/contacts/${a.contact?.id}`)).body.data;
    expect(ned.title).not.toBe("King"); // the refused request wrote nothing
  });
});

describe("rule 1: one mailbox, one identity", () => {
  /** The contacts of this stack's org whose stored email starts with `local@`. */
  const contactsOf = (local: string) =>
    stack.db.prisma.contact.findMany({
      where: { orgId: stack.orgId, email: { startsWith: `${local}@` } },
      orderBy: { createdAt: "asc" },
    });

  it("folds the issue's five forms, sent at once, into one contact per mailbox (two, not five)", async () => {
    const forms = [
      "dup@wonka.com",
      "dup@ｗｏｎｋａ.com",
      "dup@wonka\u3002com",
      "dup@bücher.de",
      "dup@xn--bcher-kva.de",
    ];
    const accepted = await Promise.all(forms.map((email, index) => stack.put({ email, title: `T${index}` })));
    expect(accepted.map((answer) => answer.status)).toEqual(forms.map(() => 202));
    const jobs = await Promise.all(accepted.map((answer) => stack.finished(answer.jobId)));

    expect(jobs.map((job) => job.status)).toEqual(forms.map(() => "succeeded"));
    const contactIds = jobs.map((job) => job.result?.contact_id);
    expect(new Set(contactIds.slice(0, 3)).size).toBe(1);
    expect(new Set(contactIds.slice(3)).size).toBe(1);
    const stored = await contactsOf("dup");
    expect(stored.map((contact) => contact.emailNormalized).sort()).toEqual([
      "dup@wonka.com",
      "dup@xn--bcher-kva.de",
    ]);
    expect(stored.map((contact) => contact.id).sort()).toEqual([...new Set(contactIds)].sort());
  });

  it("makes one contact of five forms of one mailbox, with the email's account, and one request of one key", async () => {
    const forms = [
      "ivy@bücher.de",
      "ivy@xn--bcher-kva.de",
      "IVY@BÜCHER.DE",
      "ivy@ｂüｃｈｅｒ.de",
      "ivy@bücher\u3002de.",
    ];
    const accepted = await Promise.all(forms.map((email) => stack.put({ email })));
    expect(accepted.map((answer) => answer.status)).toEqual(forms.map(() => 202));
    await Promise.all(accepted.map((answer) => stack.finished(answer.jobId)));

    const [ivy, ...others] = await contactsOf("ivy");
    expect(others).toEqual([]);
    expect(ivy?.emailNormalized).toBe("ivy@xn--bcher-kva.de");
    const shown = (await stack.call<{ data: Contact }>("GET", `/v1/contacts/${ivy?.id}`)).body.data;
    expect(forms).toContain(shown.email); // shown as the latest request wrote it
    expect((await getAccount(shown.account_id ?? "")).company).toMatchObject({ domain: "xn--bcher-kva.de" });

    // A retry with the same idempotency key that writes the mailbox differently is the same request.
    const first = await stack.put({
      email: "kim@wonka.com",
      title: "CEO",
      idempotency_key: "kim-form-retry",
    });
    const retry = await stack.put({
      email: "KIM@ｗｏｎｋａ.com",
      title: "CEO",
      idempotency_key: "kim-form-retry",
    });
    expect(retry).toEqual({ status: 202, jobId: first.jobId });
    // Another mailbox is another request: the key cannot be reused for it.
    const other = await stack.call<{ error: { code: string } }>("PUT", "/v1/contacts", {
      email: "kim@wonka.co",
      title: "CEO",
      idempotency_key: "kim-form-retry",
    });
    expect(other).toMatchObject({ status: 422, body: { error: { code: "idempotency_key_reused" } } });
  });
});

describe("rule 2: update in place", () => {
  it("writes provided fields, clears nulls, keeps absent ones, appends tags, sets custom fields", async () => {
    const vip = (
      await stack.call<{ data: { id: string } }>("POST", "/v1/tags", { object: "contacts", name: "VIP" })
    ).body.data;
    const lead = (
      await stack.call<{ data: { id: string } }>("POST", "/v1/tags", { object: "contacts", name: "Lead" })
    ).body.data;
    const tier = (
      await stack.call<{ data: { key: string } }>("POST", "/v1/custom-fields", {
        entity: "contacts",
        name: "Tier",
        type: "number",
      })
    ).body.data;

    await upsert({
      email: "ola@nordic.no",
      first_name: "Ola",
      title: "CTO",
      location: "Oslo",
      tags: [vip.id],
    });
    const { job, contact } = await upsert({
      email: "ola@nordic.no",
      title: null,
      phone_number: "+47 22 12 34 56",
      tags: [lead.id, vip.id],
      [tier.key]: 2,
    });
    expect(job.result).toMatchObject({ action: "updated", enrichment: "skipped" });
    expect(contact).toMatchObject({
      first_name: "Ola",
      title: null,
      location: "Oslo",
      phone_number: "+4722123456",
      [tier.key]: 2,
    });
    expect([...(contact?.tags ?? [])].sort()).toEqual(["Lead", "VIP"]);
  });

  it("updates the email of a contact matched by LinkedIn, and re-associates on account_id", async () => {
    const first = await upsert({ email: "pia@old.io", linkedin_url: "https://linkedin.com/in/pia" });
    const other = await upsert({ email: "someone@new.io" });
    const moved = await upsert({
      linkedin_url: "https://linkedin.com/in/pia",
      email: "pia@new.io",
      account_id: other.contact?.account_id,
    });
    expect(moved.job.result).toMatchObject({
      action: "updated",
      matched_by: "linkedin_url",
      account_resolution: "account_id",
    });
    expect(moved.contact).toMatchObject({
      id: first.contact?.id,
      email: "pia@new.io",
      account_id: other.contact?.account_id,
    });
  });
});

describe("rule 3: account resolution on create", () => {
  it("uses account_id, then domain, then the email's domain; free-mail makes none", async () => {
    const base = await upsert({ email: "ana@umbrella.com" });
    expect(base.job.result).toMatchObject({ account_resolution: "email_domain", account_created: true });

    const byId = await upsert({ email: "bo@gmail.com", account_id: base.contact?.account_id });
    expect(byId.job.result).toMatchObject({ account_resolution: "account_id", account_created: false });

    const byDomain = await upsert({ email: "cy@umbrella.com", domain: "https://www.Cyberdyne.com/about" });
    expect(byDomain.job.result).toMatchObject({ account_resolution: "domain", account_created: true });
    expect((await getAccount(byDomain.contact?.account_id as string)).company).toMatchObject({
      domain: "cyberdyne.com",
    });

    const reused = await upsert({ email: "di@umbrella.com" });
    expect(reused.job.result).toMatchObject({ account_resolution: "email_domain", account_created: false });
    expect(reused.contact?.account_id).toBe(base.contact?.account_id);

    const freeMail = await upsert({ email: "ed@gmail.com" });
    expect(freeMail.job.result).toMatchObject({ account_resolution: "none", account_id: null });
  });

  it("fails not_found for an account_id the org does not have, writing nothing", async () => {
    const { job, contact } = await upsert({
      email: "fay@nowhere.com",
      account_id: "0193a1b2-0000-7000-8000-000000000000",
    });
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({ code: "not_found" });
    expect(JSON.stringify(job.error)).toContain("0193a1b2-0000-7000-8000-000000000000");
    expect(contact).toBeNull();
    expect(await stack.db.prisma.contact.count({ where: { emailNormalized: "fay@nowhere.com" } })).toBe(0);
  });
});

describe("rule 4: enrichment on create only", () => {
  it("shows the contact before enrichment finishes; enrichment never overwrites a caller's value", async () => {
    const accepted = await stack.put({ email: "gus.fring@pollos.com", first_name: "Gustavo" });
    const contactId = await waitForContact("gus.fring@pollos.com");
    const early = (await stack.call<{ data: Contact }>("GET", `/v1/contacts/${contactId}`)).body.data;
    expect(early.enrichment.status).toBe("pending");
    // A later caller sets the title while the provider is still working.
    await stack.put({ email: "gus.fring@pollos.com", title: "Owner" });

    const job = await stack.finished(accepted.jobId);
    expect(job.result).toMatchObject({ action: "created", enrichment: "applied" });
    await stack.drain();
    const contact = (await stack.call<{ data: Contact }>("GET", `/v1/contacts/${contactId}`)).body.data;
    expect(contact).toMatchObject({ first_name: "Gustavo", last_name: "Fring", title: "Owner" });
    expect(contact.enrichment).toMatchObject({ status: "applied" });
    expect(contact.enrichment.fields).toContain("last_name");
    expect(contact.enrichment.fields).not.toContain("first_name");
    const account = await getAccount(contact.account_id as string);
    expect(account).toMatchObject({ name: "Pollos", enrichment: { status: "applied" } });
    expect(account.company).toMatchObject({
      domain: "pollos.com",
      linkedin_url: "https://linkedin.com/company/pollos",
    });
  });
});

function waitForContact(email: string): Promise<string> {
  return waitFor(
    async () => (await stack.db.prisma.contact.findFirst({ where: { emailNormalized: email } }))?.id,
    { timeoutMs: 5_000, intervalMs: 20, message: `contact ${email} never appeared` },
  );
}

describe("rule 5: referential checks", () => {
  it("names every unknown or unusable tag and custom field, and writes nothing", async () => {
    const accountTag = (
      await stack.call<{ data: { id: string } }>("POST", "/v1/tags", { object: "accounts", name: "Partner" })
    ).body.data;
    const flag = (
      await stack.call<{ data: { key: string } }>("POST", "/v1/custom-fields", {
        entity: "contacts",
        name: "Flag",
        type: "boolean",
      })
    ).body.data;
    const unknownTag = "0193a1b2-0000-7000-8000-00000000beef";
    const unknownField = "custom_field_0193a1b2-0000-7000-8000-00000000cafe";
    const { job, contact } = await upsert({
      email: "hal@nostromo.io",
      tags: [unknownTag, accountTag.id],
      [unknownField]: "x",
      [flag.key]: "yes",
    });
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("not_found");
    const text = JSON.stringify(job.error);
    for (const id of [unknownTag, accountTag.id, unknownField, flag.key]) expect(text).toContain(id);
    expect(contact).toBeNull();
    expect(await stack.db.prisma.contact.count({ where: { emailNormalized: "hal@nostromo.io" } })).toBe(0);
  });
});
