import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ApplyUpsertsOptions,
  applyEnrichmentToState,
  applyUpsertsSerially,
  applyUpsertToState,
  createOrgState,
  type EnrichmentAnswer,
  type EnrichmentTarget,
  enrichmentTargetOf,
  type InitialOrgState,
  type OrgState,
  selectSnapshot,
} from "./apply-upserts-serially";
import type { AccountRecord, ContactRecord } from "./contact-record";
import { contactIdKeyOf, identityKeysOf, identityKeysOfContact } from "./identity-keys";
import { planUpsert, type UpsertRequest } from "./plan-upsert";
import type { UpsertContactPayload } from "./upsert-payload";

const tagHot = "10000000-0000-4000-8000-000000000001";
const tagVip = "10000000-0000-4000-8000-000000000002";
const tagCompanies = "10000000-0000-4000-8000-000000000003";
const tagUnknown = "10000000-0000-4000-8000-0000000000ff";
const fieldText = "custom_field_20000000-0000-4000-8000-000000000001";
const fieldTier = "custom_field_20000000-0000-4000-8000-000000000005";

const acme: AccountRecord = {
  id: "account-acme",
  domain: "acme.com",
  name: "Acme (operator)",
  description: null,
  industries: [],
  employeeCount: null,
  foundedYear: null,
  linkedinUrl: null,
  status: null,
  notes: null,
  fieldProvenance: {},
  enrichmentStatus: "none",
  enrichmentProvider: null,
};

/** Already in the org: shares acme.com and owns the LinkedIn URL `/in/cat`. */
const zed: ContactRecord = {
  id: "contact-zed",
  email: "zed@acme.com",
  emailNormalized: "zed@acme.com",
  linkedinUrl: "https://linkedin.com/in/cat",
  firstName: "Zed",
  lastName: null,
  title: null,
  phoneNumber: null,
  location: null,
  doNotContact: false,
  accountId: acme.id,
  customFields: {},
  fieldProvenance: { email: { seq: 0, source: "request" }, first_name: { seq: 0, source: "request" } },
  tagIds: [],
  createdSeq: 0,
  enrichmentStatus: "applied",
  enrichmentProvider: "test",
};

const orgState: InitialOrgState = {
  contacts: [zed],
  accounts: [acme],
  tags: [
    { id: tagHot, objectType: "contacts" },
    { id: tagVip, objectType: "contacts" },
    { id: tagCompanies, objectType: "companies" },
  ],
  customFields: [
    { id: fieldText.slice("custom_field_".length), entity: "contacts", type: "string", options: [] },
    {
      id: fieldTier.slice("custom_field_".length),
      entity: "contacts",
      type: "enum",
      options: ["gold", "silver"],
    },
  ],
};

const ids: ApplyUpsertsOptions["ids"] = (seq, kind) => `${kind}-${seq}`;

/** A deterministic stand-in provider whose answer depends only on what it is asked about. */
function enrich(contact: ContactRecord, account: AccountRecord | null): EnrichmentAnswer | null {
  const handle = contact.emailNormalized ?? contact.linkedinUrl ?? "";
  if (handle.startsWith("dan")) return null;
  if (handle.startsWith("eve")) return { ok: false, provider: "test" };
  return {
    ok: true,
    provider: "test",
    contact: {
      first_name: `First ${handle}`,
      title: `Title ${handle}`,
      location: "Earth",
      linkedin_url: "https://linkedin.com/in/enriched",
    },
    company: account?.domain ? { name: `Company ${account.domain}`, industries: ["Software"] } : null,
  };
}

function run(requests: UpsertRequest[], extra: Partial<ApplyUpsertsOptions> = {}) {
  return applyUpsertsSerially(requests, { orgState, ids, enrich, ...extra });
}

function contactWith(contacts: ContactRecord[], email: string): ContactRecord {
  const found = contacts.find((contact) => contact.emailNormalized === email);
  if (found === undefined) throw new Error(`no contact ${email}`);
  return found;
}

describe("applyUpsertsSerially — examples", () => {
  it("creates, enriches right away, then lets a later request override an enriched value", () => {
    const { contacts, accounts, outcomes } = run([
      { seq: 1, payload: { email: "ann@umbrella.org", first_name: "Ann", tags: [tagHot] } },
      { seq: 2, payload: { email: "ANN@umbrella.org", title: "Boss", tags: [tagVip] } },
    ]);
    expect(outcomes).toEqual([
      {
        seq: 1,
        status: "succeeded",
        result: {
          contact_id: "contact-1",
          action: "created",
          matched_by: null,
          account_id: "account-1",
          account_resolution: "email_domain",
          account_created: true,
        },
      },
      {
        seq: 2,
        status: "succeeded",
        result: {
          contact_id: "contact-1",
          action: "updated",
          matched_by: "email",
          account_id: "account-1",
          account_resolution: "existing",
          account_created: false,
        },
      },
    ]);
    expect(contactWith(contacts, "ann@umbrella.org")).toMatchObject({
      email: "ANN@umbrella.org",
      firstName: "Ann",
      title: "Boss",
      location: "Earth",
      linkedinUrl: null,
      tagIds: [tagHot, tagVip],
      enrichmentStatus: "applied",
      fieldProvenance: {
        first_name: { seq: 1, source: "request" },
        title: { seq: 2, source: "request" },
        location: { seq: 1, source: "enrichment" },
      },
    });
    expect(accounts.find((account) => account.id === "account-1")).toMatchObject({
      domain: "umbrella.org",
      name: "Company umbrella.org",
      industries: ["Software"],
      enrichmentStatus: "applied",
    });
  });

  it("applies requests in seq order whatever order they are given in", () => {
    const requests: UpsertRequest[] = [
      { seq: 2, payload: { email: "ann@umbrella.org", title: "Second" } },
      { seq: 1, payload: { email: "ann@umbrella.org", title: "First" } },
    ];
    const { contacts, outcomes } = run(requests);
    expect(outcomes.map((outcome) => outcome.seq)).toEqual([1, 2]);
    expect(contactWith(contacts, "ann@umbrella.org").title).toBe("Second");
  });

  it("never enriches an existing account; enriches an account an update created, not the contact", () => {
    const { accounts, contacts } = run([
      { seq: 1, payload: { email: "ann@acme.com" } },
      { seq: 2, payload: { linkedin_url: "https://linkedin.com/in/bob", account_id: null } },
      { seq: 3, payload: { linkedin_url: "https://linkedin.com/in/bob", domain: "globex.com" } },
    ]);
    expect(accounts.find((account) => account.id === acme.id)).toEqual(acme);
    expect(accounts.find((account) => account.domain === "globex.com")).toMatchObject({
      id: "account-3",
      name: "Company globex.com",
      enrichmentStatus: "applied",
    });
    // Bob was enriched once, when seq 2 created him; the update that made the account adds nothing.
    expect(contacts.find((contact) => contact.linkedinUrl === "https://linkedin.com/in/bob")).toMatchObject({
      accountId: "account-3",
      firstName: "First https://linkedin.com/in/bob",
      enrichmentStatus: "applied",
    });
  });

  it("records skipped and failed enrichments, and leaves creates pending without a provider", () => {
    const requests: UpsertRequest[] = [
      { seq: 1, payload: { email: "dan@initech.io" } },
      { seq: 2, payload: { email: "eve@globex.com" } },
    ];
    const { contacts, accounts } = run(requests);
    expect(contactWith(contacts, "dan@initech.io")).toMatchObject({
      enrichmentStatus: "skipped",
      firstName: null,
    });
    expect(contactWith(contacts, "eve@globex.com")).toMatchObject({
      enrichmentStatus: "failed",
      enrichmentProvider: "test",
    });
    expect(accounts.find((account) => account.domain === "initech.io")?.enrichmentStatus).toBe("skipped");
    expect(accounts.find((account) => account.domain === "globex.com")?.enrichmentStatus).toBe("failed");

    const withoutProvider = applyUpsertsSerially(requests, { orgState, ids });
    expect(
      withoutProvider.contacts.filter((contact) => contact.createdSeq !== 0).map((c) => c.enrichmentStatus),
    ).toEqual(["pending", "pending"]);
  });

  it("records a conflict and writes nothing", () => {
    const { contacts, outcomes } = run([
      { seq: 1, payload: { email: "ann@acme.com" } },
      {
        seq: 2,
        payload: { email: "ann@acme.com", linkedin_url: "https://linkedin.com/in/cat", title: "Never" },
      },
    ]);
    expect(outcomes[1]).toEqual({
      seq: 2,
      status: "failed",
      error: expect.objectContaining({
        code: "conflict",
        details: { email_contact_id: "contact-1", linkedin_contact_id: zed.id },
      }),
    });
    expect(contactWith(contacts, "ann@acme.com").title).toBe("Title ann@acme.com");
    expect(contactWith(contacts, "zed@acme.com")).toEqual(zed);
  });

  it("folds every form of one mailbox into one contact: the issue's five forms make two", () => {
    const forms = [
      "dup@acme.com",
      "dup@ａｃｍｅ.com",
      "dup@acme\u3002com",
      "dup@bücher.de",
      "dup@xn--bcher-kva.de",
    ];
    const { contacts, outcomes } = run(forms.map((email, index) => ({ seq: index + 1, payload: { email } })));
    expect(outcomes.map((outcome) => outcome.status === "succeeded" && outcome.result.action)).toEqual([
      "created",
      "updated",
      "updated",
      "created",
      "updated",
    ]);
    expect(
      contacts.filter((contact) => contact.id !== zed.id).map((contact) => contact.emailNormalized),
    ).toEqual(["dup@acme.com", "dup@xn--bcher-kva.de"]);
    // The contact shows the form the latest request wrote.
    expect(contactWith(contacts, "dup@xn--bcher-kva.de").email).toBe("dup@xn--bcher-kva.de");
  });

  it("does not let enrichment fill a field the creating request cleared", () => {
    const { contacts } = run([{ seq: 1, payload: { email: "ann@acme.com", title: null } }]);
    expect(contactWith(contacts, "ann@acme.com")).toMatchObject({
      title: null,
      firstName: "First ann@acme.com",
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests over a small identity pool, so that requests collide often.

/** Mostly `common`, sometimes `rare` (an invalid reference or value, to exercise rule 5). */
const weighted = <T, U>(common: fc.Arbitrary<T>, rare: fc.Arbitrary<U>): fc.Arbitrary<T | U> =>
  fc.oneof({ arbitrary: common, weight: 9 }, { arbitrary: rare, weight: 1 });
const nullable = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.option(arbitrary, { nil: null, freq: 5 });

const emailArb = fc.constantFrom(
  "ann@acme.com",
  "Ann@Acme.com",
  // Other forms of the same mailboxes: fullwidth, ideographic full stop, Unicode vs punycode.
  "ann@ａｃｍｅ.com",
  "BOB@acme\u3002com",
  "ivy@bücher.de",
  "ivy@xn--bcher-kva.de",
  "bob@acme.com",
  "zed@acme.com",
  "cat@globex.com",
  "dan@gmail.com",
  "eve@initech.io",
  "fay@umbrella.org",
);
const linkedinArb = fc.constantFrom(
  "https://linkedin.com/in/ann",
  "https://linkedin.com/in/bob",
  "https://linkedin.com/in/cat",
  "https://linkedin.com/in/dan",
);
const textArb = fc.constantFrom("A", "B", "C");

const payloadArb: fc.Arbitrary<UpsertContactPayload> = fc
  .tuple(
    fc.record(
      {
        email: nullable(emailArb),
        linkedin_url: nullable(linkedinArb),
        first_name: nullable(textArb),
        last_name: nullable(textArb),
        title: nullable(textArb),
        phone_number: nullable(fc.constantFrom("+15550000001", "+15550000002")),
        location: nullable(textArb),
        do_not_contact: nullable(fc.boolean()),
        account_id: nullable(weighted(fc.constant(acme.id), fc.constant("account-unknown"))),
        domain: nullable(fc.constantFrom("acme.com", "globex.com", "gmail.com", "umbrella.org")),
        tags: fc
          .tuple(
            fc.subarray([tagHot, tagVip]),
            weighted(fc.constant([]), fc.subarray([tagCompanies, tagUnknown])),
          )
          .map(([valid, invalid]) => [...valid, ...invalid].sort()),
        custom_fields: fc.record(
          {
            [fieldText]: nullable(weighted(textArb, fc.constant(5))),
            [fieldTier]: nullable(weighted(fc.constantFrom("gold", "silver"), fc.constant("bronze"))),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
    emailArb,
  )
  .map(([payload, fallbackEmail]) =>
    // Most requests carry an identifier, as the API guarantees; the rest exercise the guard.
    typeof payload.email === "string" || typeof payload.linkedin_url === "string"
      ? payload
      : { ...payload, email: fallbackEmail },
  );

const requestsArb: fc.Arbitrary<UpsertRequest[]> = fc
  .array(payloadArb, { minLength: 1, maxLength: 12 })
  .map((payloads) => payloads.map((payload, index) => ({ seq: index + 1, payload })));

const runs = { numRuns: 300 };

/** The model's fold step: the request, then at once the enrichment of what it created. */
function stepWithEnrichment(state: OrgState, request: UpsertRequest): OrgState {
  const step = applyUpsertToState(state, request, ids);
  if (step.plan.kind !== "write") return step.state;
  const target = enrichmentTargetOf(step.plan, request.seq);
  if (target === null) return step.state;
  const accountId = step.plan.contact.accountId;
  const account = accountId === null ? null : (step.state.accounts.get(accountId) ?? null);
  return applyEnrichmentToState(step.state, target, enrich(step.plan.contact, account));
}

function sortedValues<T extends { id: string }>(map: ReadonlyMap<string, T>): T[] {
  return [...map.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

describe("applyUpsertsSerially — properties", () => {
  it("(a) applying the same request twice in a row (same seq) changes nothing the second time", () => {
    fc.assert(
      fc.property(requestsArb, fc.nat(), (requests, pick) => {
        const prefix = requests.slice(0, (pick % requests.length) + 1);
        const last = prefix[prefix.length - 1] as UpsertRequest;
        const once = run(prefix);
        const twice = run([...prefix, last]);
        expect(twice.contacts).toEqual(once.contacts);
        expect(twice.accounts).toEqual(once.accounts);

        const first = once.outcomes[once.outcomes.length - 1];
        const again = twice.outcomes[twice.outcomes.length - 1];
        expect(again?.status).toBe(first?.status);
        if (first?.status === "succeeded" && again?.status === "succeeded") {
          expect(again.result).toMatchObject({
            contact_id: first.result.contact_id,
            action: "updated",
            account_id: first.result.account_id,
            account_created: false,
          });
        }
      }),
      runs,
    );
  });

  it("(b) never lets two contacts share an email or LinkedIn URL, nor two accounts a domain", () => {
    fc.assert(
      fc.property(requestsArb, (requests) => {
        const { contacts, accounts } = run(requests);
        const emails = contacts.map((contact) => contact.emailNormalized).filter((email) => email !== null);
        const linkedins = contacts.map((contact) => contact.linkedinUrl).filter((url) => url !== null);
        const domains = accounts.map((account) => account.domain).filter((domain) => domain !== null);
        expect(new Set(emails).size).toBe(emails.length);
        expect(new Set(linkedins).size).toBe(linkedins.length);
        expect(new Set(domains).size).toBe(domains.length);
        // Every contact stays findable by an identifier, and points at an account that exists.
        for (const contact of contacts) {
          expect(identityKeysOfContact(contact).length).toBeGreaterThan(0);
          if (contact.accountId !== null)
            expect(accounts.map((account) => account.id)).toContain(contact.accountId);
          expect(contact.tagIds).toEqual([...new Set(contact.tagIds)].sort());
        }
      }),
      runs,
    );
  });

  it("(c) is deterministic, down to key order", () => {
    fc.assert(
      fc.property(requestsArb, (requests) => {
        const copy = structuredClone(requests);
        const first = run(requests);
        expect(requests).toEqual(copy);
        expect(JSON.stringify(run(copy))).toBe(JSON.stringify(first));
      }),
      runs,
    );
  });

  it("(d) plans the same from the worker's slice as from the whole org, and reports the keys it read", () => {
    fc.assert(
      fc.property(requestsArb, (requests) => {
        let state = createOrgState(orgState);
        for (const request of requests) {
          const slice = selectSnapshot(state, request);
          const whole = {
            ...slice,
            accountsById: state.accounts,
            accountsByDomain: new Map(
              [...state.accounts.values()].flatMap((account) =>
                account.domain === null ? [] : [[account.domain, account] as const],
              ),
            ),
            tagsById: state.tags,
            customFieldsById: state.customFields,
          };
          const requestIds = {
            newContactId: ids(request.seq, "contact"),
            newAccountId: ids(request.seq, "account"),
          };
          const plan = planUpsert(slice, request, requestIds);
          expect(planUpsert(whole, request, requestIds)).toEqual(plan);

          const matchedKeys = [slice.contactByEmail, slice.contactByLinkedin].flatMap((contact) =>
            contact === null ? [] : [...identityKeysOfContact(contact), contactIdKeyOf(contact.id)],
          );
          expect(plan.identityKeys).toEqual(
            [...new Set([...identityKeysOf(request.payload), ...matchedKeys])].sort(),
          );
          state = stepWithEnrichment(state, request);
        }
      }),
      runs,
    );
  });

  it("(e) ends in the same state when each enrichment arrives later, after other requests", () => {
    fc.assert(
      fc.property(
        requestsArb,
        fc.array(fc.nat({ max: 6 }), { minLength: 12, maxLength: 12 }),
        (requests, delays) => {
          let state = createOrgState(orgState);
          let pending: { due: number; target: EnrichmentTarget; answer: EnrichmentAnswer | null }[] = [];
          const flush = (now: number) => {
            for (const item of pending.filter((entry) => entry.due <= now)) {
              state = applyEnrichmentToState(state, item.target, item.answer);
            }
            pending = pending.filter((entry) => entry.due > now);
          };
          for (const [index, request] of requests.entries()) {
            const step = applyUpsertToState(state, request, ids);
            state = step.state;
            const target = step.plan.kind === "write" ? enrichmentTargetOf(step.plan, request.seq) : null;
            if (step.plan.kind === "write" && target !== null) {
              // The worker asks the provider about what the request created, whenever it gets to it.
              const accountId = step.plan.contact.accountId;
              const account = accountId === null ? null : (state.accounts.get(accountId) ?? null);
              pending.push({
                due: index + (delays[index] ?? 0),
                target,
                answer: enrich(step.plan.contact, account),
              });
            }
            flush(index);
          }
          flush(Number.POSITIVE_INFINITY);

          const model = run(requests);
          expect(sortedValues(state.contacts)).toEqual(model.contacts);
          expect(sortedValues(state.accounts)).toEqual(model.accounts);
        },
      ),
      runs,
    );
  });

  it("(f) the wait rule is sound: adjacent requests with disjoint keys commute", () => {
    let swapped = 0;
    fc.assert(
      fc.property(requestsArb, fc.nat(), (requests, pick) => {
        if (requests.length < 2) return;
        const at = pick % (requests.length - 1);
        let state = createOrgState(orgState);
        for (const request of requests.slice(0, at)) state = stepWithEnrichment(state, request);
        const earlier = requests[at] as UpsertRequest;
        const later = requests[at + 1] as UpsertRequest;

        // What the worker compares when `later` runs first: its own keys (request ∪ matched
        // contacts, read without `earlier` applied) against `earlier`'s intake keys.
        const laterPlan = planUpsert(selectSnapshot(state, later), later, {
          newContactId: ids(later.seq, "contact"),
          newAccountId: ids(later.seq, "account"),
        });
        const earlierKeys = new Set(identityKeysOf(earlier.payload));
        if (laterPlan.identityKeys.some((key) => earlierKeys.has(key))) return;
        swapped += 1;

        const inOrder = stepWithEnrichment(stepWithEnrichment(state, earlier), later);
        const outOfOrder = stepWithEnrichment(stepWithEnrichment(state, later), earlier);
        expect(sortedValues(outOfOrder.contacts)).toEqual(sortedValues(inOrder.contacts));
        expect(sortedValues(outOfOrder.accounts)).toEqual(sortedValues(inOrder.accounts));
        const outcomeOf = (from: OrgState, request: UpsertRequest) =>
          applyUpsertToState(from, request, ids).outcome;
        expect(outcomeOf(stepWithEnrichment(state, later), earlier)).toEqual(outcomeOf(state, earlier));
        expect(outcomeOf(stepWithEnrichment(state, earlier), later)).toEqual(outcomeOf(state, later));
      }),
      { numRuns: 1000 },
    );
    // A property that never exercises its interesting branch proves nothing.
    expect(swapped).toBeGreaterThan(50);
  });
});
