import { describe, expect, it } from "vitest";
import { createOrgState, type InitialOrgState, selectSnapshot } from "./apply-upserts-serially";
import type { AccountRecord, ContactRecord, CustomFieldDefinition, TagRecord } from "./contact-record";
import { identityKeysOf } from "./identity-keys";
import {
  isIsoDateOrDateTime,
  type PlanIssue,
  planUpsert,
  selectSnapshotLookups,
  type UpsertPlan,
  type UpsertSnapshot,
} from "./plan-upsert";
import type { UpsertContactPayload } from "./upsert-payload";

const ids = { newContactId: "contact-new", newAccountId: "account-new" };

const tagHot = "10000000-0000-4000-8000-000000000001";
const tagVip = "10000000-0000-4000-8000-000000000002";
const tagCompanies = "10000000-0000-4000-8000-000000000003";
const tagUnknown = "10000000-0000-4000-8000-0000000000ff";

const fieldText = "20000000-0000-4000-8000-000000000001";
const fieldScore = "20000000-0000-4000-8000-000000000002";
const fieldActive = "20000000-0000-4000-8000-000000000003";
const fieldBirthday = "20000000-0000-4000-8000-000000000004";
const fieldTier = "20000000-0000-4000-8000-000000000005";
const fieldOfAccounts = "20000000-0000-4000-8000-000000000006";
const fieldUnknown = "20000000-0000-4000-8000-0000000000ff";
const key = (id: string) => `custom_field_${id}`;

const tags: TagRecord[] = [
  { id: tagHot, objectType: "contacts" },
  { id: tagVip, objectType: "contacts" },
  { id: tagCompanies, objectType: "companies" },
];

const customFields: CustomFieldDefinition[] = [
  { id: fieldText, entity: "contacts", type: "string", options: [] },
  { id: fieldScore, entity: "contacts", type: "number", options: [] },
  { id: fieldActive, entity: "contacts", type: "boolean", options: [] },
  { id: fieldBirthday, entity: "contacts", type: "date", options: [] },
  { id: fieldTier, entity: "contacts", type: "enum", options: ["gold", "silver"] },
  { id: fieldOfAccounts, entity: "accounts", type: "string", options: [] },
];

function buildAccount(overrides: Partial<AccountRecord> & Pick<AccountRecord, "id">): AccountRecord {
  return {
    domain: null,
    name: null,
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
    ...overrides,
  };
}

function buildContact(overrides: Partial<ContactRecord> & Pick<ContactRecord, "id">): ContactRecord {
  return {
    email: null,
    emailNormalized: null,
    linkedinUrl: null,
    firstName: null,
    lastName: null,
    title: null,
    phoneNumber: null,
    location: null,
    doNotContact: false,
    accountId: null,
    customFields: {},
    fieldProvenance: {},
    tagIds: [],
    createdSeq: 1,
    enrichmentStatus: "applied",
    enrichmentProvider: "builtin",
    ...overrides,
  };
}

const acme = buildAccount({ id: "account-acme", domain: "acme.com" });
const globex = buildAccount({ id: "account-globex", domain: "globex.com" });

/** Jane: matched by jane@acme.com or her LinkedIn URL, already at Acme. */
const jane = buildContact({
  id: "contact-jane",
  email: "Jane@Acme.com",
  emailNormalized: "jane@acme.com",
  linkedinUrl: "https://linkedin.com/in/jane",
  firstName: "Jane",
  lastName: "Smith",
  title: "CTO",
  phoneNumber: "+15551234567",
  location: "Paris",
  doNotContact: true,
  accountId: acme.id,
  customFields: { [key(fieldText)]: "kept", [key(fieldScore)]: 3 },
  tagIds: [tagVip],
  fieldProvenance: {
    email: { seq: 1, source: "request" },
    linkedin_url: { seq: 1, source: "request" },
    first_name: { seq: 1, source: "request" },
    account_id: { seq: 1, source: "request" },
  },
});

/** Bob: known only by LinkedIn, no account. */
const bob = buildContact({
  id: "contact-bob",
  linkedinUrl: "https://linkedin.com/in/bob",
  firstName: "Bob",
});

/** Carl: a gmail address, no account. */
const carl = buildContact({ id: "contact-carl", email: "carl@gmail.com", emailNormalized: "carl@gmail.com" });

/** Dora: a company email but no account yet, and a LinkedIn URL. */
const dora = buildContact({
  id: "contact-dora",
  email: "dora@initech.io",
  emailNormalized: "dora@initech.io",
  linkedinUrl: "https://linkedin.com/in/dora",
});

const baseState: InitialOrgState = {
  contacts: [jane, bob, carl, dora],
  accounts: [acme, globex],
  tags,
  customFields,
};

/** Plans `payload` at `seq` against the slice of `state` the worker would load. */
function plan(payload: UpsertContactPayload, seq = 10, state: InitialOrgState = baseState): UpsertPlan {
  const request = { seq, payload };
  return planUpsert(selectSnapshot(createOrgState(state), request), request, ids);
}

function expectWrite(result: UpsertPlan): Extract<UpsertPlan, { kind: "write" }> {
  if (result.kind !== "write") throw new Error(`expected a write plan, got ${JSON.stringify(result.error)}`);
  return result;
}

function expectFailure(result: UpsertPlan): Extract<UpsertPlan, { kind: "failed" }> {
  if (result.kind !== "failed") throw new Error(`expected a failed plan, got ${result.action}`);
  return result;
}

const issueIds = (issues: PlanIssue[]) => issues.map((issue) => issue.id);

describe("planUpsert — rule 1: matching", () => {
  it("creates a contact when neither identifier matches", () => {
    const result = expectWrite(plan({ email: "New@Acme.com", first_name: "New" }, 7));
    expect(result.action).toBe("created");
    expect(result.matchedBy).toBeNull();
    expect(result.previous).toBeNull();
    expect(result.contact).toMatchObject({
      id: "contact-new",
      email: "New@Acme.com",
      emailNormalized: "new@acme.com",
      firstName: "New",
      createdSeq: 7,
      enrichmentStatus: "pending",
    });
    expect(result.result.contact_id).toBe("contact-new");
  });

  it("matches by email case-insensitively", () => {
    const result = expectWrite(plan({ email: "  JANE@acme.COM " }));
    expect(result.action).toBe("updated");
    expect(result.matchedBy).toBe("email");
    expect(result.contact.id).toBe(jane.id);
    expect(result.previous).toEqual(jane);
  });

  it("matches by email whatever form the mailbox's domain is written in, and keeps the form written", () => {
    for (const email of ["jane@ａｃｍｅ.com", "Jane@acme\u3002com", "jane@ACME.com."]) {
      const result = expectWrite(plan({ email, title: "CTO" }));
      expect(result.matchedBy).toBe("email");
      expect(result.contact).toMatchObject({ id: jane.id, email, emailNormalized: "jane@acme.com" });
    }
    const idn = expectWrite(plan({ email: "ann@bücher.de" }));
    expect(idn.contact.emailNormalized).toBe("ann@xn--bcher-kva.de");
    expect(idn.identityKeys).toContain("email:ann@xn--bcher-kva.de");
  });

  it("refuses a payload email the request parser would have rejected (a caller bug)", () => {
    expect(() => plan({ email: "not an address" })).toThrow(/payload.email/);
  });

  it("matches by LinkedIn URL when the email matches no one", () => {
    const result = expectWrite(
      plan({ email: "bob@globex.com", linkedin_url: "https://linkedin.com/in/bob" }),
    );
    expect(result.matchedBy).toBe("linkedin_url");
    expect(result.contact.id).toBe(bob.id);
  });

  it("reports matched_by email when both identifiers hit the same contact", () => {
    const result = expectWrite(
      plan({ email: "jane@acme.com", linkedin_url: "https://linkedin.com/in/jane" }),
    );
    expect(result.matchedBy).toBe("email");
    expect(result.result.matched_by).toBe("email");
    expect(result.contact.id).toBe(jane.id);
  });

  it("fails with conflict naming both contacts when the identifiers hit different contacts", () => {
    const failed = expectFailure(
      plan({ email: "jane@acme.com", linkedin_url: "https://linkedin.com/in/bob", first_name: "X" }),
    );
    expect(failed.error).toEqual({
      code: "conflict",
      message: expect.any(String),
      details: { email_contact_id: jane.id, linkedin_contact_id: bob.id },
    });
    // Both contacts' identifiers were read, so the worker must hold (and wait on) all of them.
    expect(failed.identityKeys).toEqual(
      expect.arrayContaining([
        "email:jane@acme.com",
        "linkedin:https://linkedin.com/in/jane",
        "linkedin:https://linkedin.com/in/bob",
      ]),
    );
  });

  it("fails with unprocessable_entity when the request carries no identifier", () => {
    const failed = expectFailure(plan({ email: null, first_name: "Nobody" }));
    expect(failed.error.code).toBe("unprocessable_entity");
    expect(failed.error.details).toEqual([
      expect.objectContaining({ path: "", reason: "missing_identifier" }),
    ]);
  });

  it("refuses a snapshot whose contacts do not carry the request's identifiers (a caller bug)", () => {
    const snapshot: UpsertSnapshot = {
      contactByEmail: bob,
      contactByLinkedin: null,
      accountsById: new Map(),
      accountsByDomain: new Map(),
      tagsById: new Map(),
      customFieldsById: new Map(),
    };
    expect(() => planUpsert(snapshot, { seq: 1, payload: { email: "jane@acme.com" } }, ids)).toThrow(
      /contactByEmail/,
    );
    expect(() =>
      planUpsert(
        { ...snapshot, contactByEmail: null, contactByLinkedin: jane },
        { seq: 1, payload: { linkedin_url: "https://linkedin.com/in/bob" } },
        ids,
      ),
    ).toThrow(/contactByLinkedin/);
  });
});

describe("planUpsert — rule 2: update in place", () => {
  it("writes every provided field, clears explicit nulls and leaves absent fields untouched", () => {
    const result = expectWrite(
      plan({
        email: "jane@acme.com",
        first_name: "Janet",
        last_name: null,
        title: null,
        location: "Berlin",
        do_not_contact: false,
      }),
    );
    expect(result.contact).toEqual({
      ...jane,
      email: "jane@acme.com",
      firstName: "Janet",
      lastName: null,
      title: null,
      location: "Berlin",
      doNotContact: false,
      fieldProvenance: {
        ...jane.fieldProvenance,
        email: { seq: 10, source: "request" },
        first_name: { seq: 10, source: "request" },
        last_name: { seq: 10, source: "request" },
        title: { seq: 10, source: "request" },
        location: { seq: 10, source: "request" },
        do_not_contact: { seq: 10, source: "request" },
      },
    });
  });

  it("resets do_not_contact to its default false on an explicit null", () => {
    const result = expectWrite(plan({ email: "jane@acme.com", do_not_contact: null }));
    expect(result.contact.doNotContact).toBe(false);
  });

  it("appends tags as a sorted union and reports only the new ones", () => {
    const result = expectWrite(plan({ email: "jane@acme.com", tags: [tagHot, tagVip] }));
    expect(result.contact.tagIds).toEqual([tagHot, tagVip].sort());
    expect(result.addedTagIds).toEqual([tagHot]);
  });

  it("treats a missing or empty tags list as no tags, never as a removal", () => {
    expect(expectWrite(plan({ email: "jane@acme.com", tags: [] })).contact.tagIds).toEqual([tagVip]);
    expect(expectWrite(plan({ email: "jane@acme.com" })).contact.tagIds).toEqual([tagVip]);
  });

  it("sets custom field values per key: others are kept, null clears one", () => {
    const result = expectWrite(
      plan({ email: "jane@acme.com", custom_fields: { [key(fieldScore)]: null, [key(fieldTier)]: "gold" } }),
    );
    expect(result.contact.customFields).toEqual({ [key(fieldText)]: "kept", [key(fieldTier)]: "gold" });
    expect(result.contact.fieldProvenance[key(fieldScore)]).toEqual({ seq: 10, source: "request" });
    expect(result.contact.fieldProvenance[key(fieldTier)]).toEqual({ seq: 10, source: "request" });
    expect(result.contact.fieldProvenance[key(fieldText)]).toBeUndefined();
  });

  it("updates the email of a contact matched by LinkedIn URL", () => {
    const result = expectWrite(
      plan({ linkedin_url: "https://linkedin.com/in/bob", email: "Bob@Globex.com" }),
    );
    expect(result.matchedBy).toBe("linkedin_url");
    expect(result.contact).toMatchObject({
      id: bob.id,
      email: "Bob@Globex.com",
      emailNormalized: "bob@globex.com",
    });
    expect(result.identityKeys).toContain("email:bob@globex.com");
  });

  it("updates the LinkedIn URL of a contact matched by email", () => {
    const result = expectWrite(
      plan({ email: "jane@acme.com", linkedin_url: "https://linkedin.com/in/jane-smith" }),
    );
    expect(result.contact.linkedinUrl).toBe("https://linkedin.com/in/jane-smith");
    // The old identifier was read too: a concurrent request for it must be ordered with this one.
    expect(result.identityKeys).toEqual(
      expect.arrayContaining([
        "linkedin:https://linkedin.com/in/jane",
        "linkedin:https://linkedin.com/in/jane-smith",
      ]),
    );
  });

  it("clears an identifier on an explicit null", () => {
    const result = expectWrite(plan({ email: "jane@acme.com", linkedin_url: null }));
    expect(result.contact.linkedinUrl).toBeNull();
  });

  it("re-associates the contact with a provided account_id", () => {
    const result = expectWrite(plan({ email: "jane@acme.com", account_id: globex.id }));
    expect(result.contact.accountId).toBe(globex.id);
    expect(result.account).toEqual({ action: "existing", id: globex.id });
    expect(result.result).toMatchObject({
      account_id: globex.id,
      account_resolution: "account_id",
      account_created: false,
    });
    expect(result.contact.fieldProvenance.account_id).toEqual({ seq: 10, source: "request" });
  });

  it("detaches the contact from its account on account_id null, without resolving another", () => {
    const result = expectWrite(plan({ email: "jane@acme.com", account_id: null, domain: "globex.com" }));
    expect(result.contact.accountId).toBeNull();
    expect(result.account).toEqual({ action: "none" });
    expect(result.accountResolution).toBe("none");
  });

  it("never re-resolves the account of a contact that has one, whatever domain or email it sends", () => {
    const result = expectWrite(
      plan({ email: "jane@globex.com", linkedin_url: "https://linkedin.com/in/jane", domain: "globex.com" }),
    );
    expect(result.matchedBy).toBe("linkedin_url");
    expect(result.contact.accountId).toBe(acme.id);
    expect(result.account).toEqual({ action: "existing", id: acme.id });
    expect(result.result).toMatchObject({
      account_id: acme.id,
      account_resolution: "existing",
      account_created: false,
    });
    expect(result.contact.fieldProvenance.account_id).toEqual(jane.fieldProvenance.account_id);
  });

  it("resolves an existing account by domain for a contact without one", () => {
    const result = expectWrite(plan({ linkedin_url: "https://linkedin.com/in/bob", domain: "globex.com" }));
    expect(result.contact.accountId).toBe(globex.id);
    expect(result.result).toMatchObject({ account_resolution: "domain", account_created: false });
    expect(result.contact.fieldProvenance.account_id).toEqual({ seq: 10, source: "request" });
  });

  it("creates the account of the request email's domain for a contact without one", () => {
    const result = expectWrite(
      plan({ linkedin_url: "https://linkedin.com/in/dora", email: "dora@umbrella.org" }),
    );
    expect(result.account).toEqual({
      action: "create",
      record: buildAccount({
        id: "account-new",
        domain: "umbrella.org",
        fieldProvenance: { domain: { seq: 10, source: "request" } },
        // Every created account is enriched, even one an update made (the contact is not).
        enrichmentStatus: "pending",
      }),
    });
    expect(result.result).toMatchObject({
      account_id: "account-new",
      account_resolution: "email_domain",
      account_created: true,
    });
  });

  it("never resolves through the stored email (its domain is not among the request's keys)", () => {
    const payload = { linkedin_url: "https://linkedin.com/in/dora", title: "COO" };
    const result = expectWrite(plan(payload));
    expect(result.result).toMatchObject({
      account_id: null,
      account_resolution: "none",
      account_created: false,
    });
    expect(result.identityKeys).toEqual(
      [...new Set([...identityKeysOf(payload), "email:dora@initech.io", "contact:contact-dora"])].sort(),
    );
  });

  it("resolves through the request's new email rather than the stored one", () => {
    const result = expectWrite(
      plan({ linkedin_url: "https://linkedin.com/in/dora", email: "dora@globex.com" }),
    );
    expect(result.contact.accountId).toBe(globex.id);
    expect(result.accountResolution).toBe("email_domain");
  });

  it("leaves a free-mail contact without an account", () => {
    const result = expectWrite(plan({ email: "carl@gmail.com", first_name: "Carl" }));
    expect(result.contact.accountId).toBeNull();
    expect(result.result).toMatchObject({
      account_id: null,
      account_resolution: "none",
      account_created: false,
    });
    expect(result.contact.fieldProvenance.account_id).toBeUndefined();
  });

  it("never enriches on update and keeps the enrichment status", () => {
    const result = expectWrite(plan({ email: "jane@acme.com", first_name: "J" }));
    expect(result.enrich).toBe(false);
    expect(result.contact.enrichmentStatus).toBe("applied");
    expect(result.contact.createdSeq).toBe(1);
  });
});

describe("planUpsert — rule 3: account resolution on create", () => {
  it("uses an existing account_id first, over domain and email", () => {
    const result = expectWrite(plan({ email: "new@acme.com", domain: "acme.com", account_id: globex.id }));
    expect(result.result).toMatchObject({
      account_id: globex.id,
      account_resolution: "account_id",
      account_created: false,
    });
    expect(result.account).toEqual({ action: "existing", id: globex.id });
  });

  it("fails with not_found when account_id is not an account of the org", () => {
    const failed = expectFailure(plan({ email: "new@acme.com", account_id: "account-elsewhere" }));
    expect(failed.error.code).toBe("not_found");
    expect(failed.error.details).toEqual([
      expect.objectContaining({ path: "account_id", id: "account-elsewhere", reason: "unknown_account" }),
    ]);
  });

  it("reuses the existing account of an explicit domain", () => {
    const result = expectWrite(plan({ email: "new@globex.com", domain: "acme.com" }));
    expect(result.account).toEqual({ action: "existing", id: acme.id });
    expect(result.result).toMatchObject({
      account_id: acme.id,
      account_resolution: "domain",
      account_created: false,
    });
  });

  it("creates an account for an explicit domain nobody has, pending enrichment", () => {
    const result = expectWrite(
      plan({ linkedin_url: "https://linkedin.com/in/new", domain: "umbrella.org" }, 12),
    );
    expect(result.account).toEqual({
      action: "create",
      record: buildAccount({
        id: "account-new",
        domain: "umbrella.org",
        fieldProvenance: { domain: { seq: 12, source: "request" } },
        enrichmentStatus: "pending",
      }),
    });
    expect(result.result).toMatchObject({
      account_id: "account-new",
      account_resolution: "domain",
      account_created: true,
    });
    expect(result.contact.accountId).toBe("account-new");
    expect(result.contact.fieldProvenance.account_id).toEqual({ seq: 12, source: "request" });
  });

  it("prefers the explicit domain over the email's domain", () => {
    const result = expectWrite(plan({ email: "new@acme.com", domain: "globex.com" }));
    expect(result.contact.accountId).toBe(globex.id);
    expect(result.accountResolution).toBe("domain");
  });

  it("reuses the existing account of the email's domain", () => {
    const result = expectWrite(plan({ email: "New@ACME.com" }));
    expect(result.result).toMatchObject({
      account_id: acme.id,
      account_resolution: "email_domain",
      account_created: false,
    });
  });

  it("creates an account for the email's domain when none exists", () => {
    const result = expectWrite(plan({ email: "new@umbrella.org" }));
    expect(result.account).toMatchObject({ action: "create", record: { domain: "umbrella.org" } });
    expect(result.result).toMatchObject({ account_resolution: "email_domain", account_created: true });
  });

  it("gives a free-mail email no account", () => {
    const result = expectWrite(plan({ email: "new@gmail.com" }));
    expect(result.account).toEqual({ action: "none" });
    expect(result.result).toMatchObject({
      account_id: null,
      account_resolution: "none",
      account_created: false,
    });
  });

  it("never matches an existing account through a free-mail email", () => {
    const gmailAccount = buildAccount({ id: "account-gmail", domain: "gmail.com" });
    const state = { ...baseState, accounts: [acme, gmailAccount] };
    const result = expectWrite(plan({ email: "new@gmail.com" }, 10, state));
    expect(result.result).toMatchObject({ account_id: null, account_resolution: "none" });
  });

  it("uses a domain given alongside a free-mail email", () => {
    const result = expectWrite(plan({ email: "new@gmail.com", domain: "acme.com" }));
    expect(result.result).toMatchObject({ account_id: acme.id, account_resolution: "domain" });
  });

  it("treats an explicit free-mail domain like any other explicit domain (decision)", () => {
    const result = expectWrite(plan({ email: "new@gmail.com", domain: "gmail.com" }));
    expect(result.account).toMatchObject({ action: "create", record: { domain: "gmail.com" } });
    expect(result.result).toMatchObject({ account_resolution: "domain", account_created: true });
  });

  it("creates no account on account_id null, even with a domain (decision: null means no account)", () => {
    const result = expectWrite(plan({ email: "new@acme.com", domain: "acme.com", account_id: null }));
    expect(result.result).toMatchObject({
      account_id: null,
      account_resolution: "none",
      account_created: false,
    });
  });

  it("enriches every create and records provenance for each provided field", () => {
    const result = expectWrite(
      plan({
        email: "new@acme.com",
        first_name: "N",
        phone_number: null,
        do_not_contact: true,
        custom_fields: { [key(fieldText)]: "x" },
        tags: [tagHot],
      }),
    );
    expect(result.enrich).toBe(true);
    expect(result.addedTagIds).toEqual([tagHot]);
    expect(Object.keys(result.contact.fieldProvenance)).toEqual(
      ["account_id", key(fieldText), "do_not_contact", "email", "first_name", "phone_number"].sort(),
    );
  });
});

describe("planUpsert — rule 5: referential checks", () => {
  it("names every unknown id (tags, custom fields, account) in one not_found and writes nothing", () => {
    const failed = expectFailure(
      plan({
        email: "jane@acme.com",
        first_name: "Never written",
        account_id: "account-missing",
        tags: [tagHot, tagCompanies, tagUnknown],
        custom_fields: {
          [key(fieldText)]: "fine",
          [key(fieldUnknown)]: "x",
          [key(fieldOfAccounts)]: "x",
        },
      }),
    );
    expect(failed.error.code).toBe("not_found");
    if (failed.error.code === "conflict") throw new Error("unreachable");
    expect(failed.error.details).toEqual([
      expect.objectContaining({ path: "account_id", id: "account-missing", reason: "unknown_account" }),
      expect.objectContaining({ path: "tags[1]", id: tagCompanies, reason: "tag_not_for_contacts" }),
      expect.objectContaining({ path: "tags[2]", id: tagUnknown, reason: "unknown_tag" }),
      expect.objectContaining({
        path: key(fieldOfAccounts),
        id: key(fieldOfAccounts),
        reason: "unknown_custom_field",
      }),
      expect.objectContaining({
        path: key(fieldUnknown),
        id: key(fieldUnknown),
        reason: "unknown_custom_field",
      }),
    ]);
  });

  it("fails with unprocessable_entity naming every custom field whose value has the wrong type", () => {
    const failed = expectFailure(
      plan({
        email: "new@acme.com",
        custom_fields: {
          [key(fieldText)]: 5,
          [key(fieldScore)]: "5",
          [key(fieldActive)]: "true",
          [key(fieldBirthday)]: "2023-02-29",
          [key(fieldTier)]: "bronze",
        },
      }),
    );
    expect(failed.error.code).toBe("unprocessable_entity");
    if (failed.error.code === "conflict") throw new Error("unreachable");
    expect(issueIds(failed.error.details).sort()).toEqual(
      [fieldText, fieldScore, fieldActive, fieldBirthday, fieldTier].map(key).sort(),
    );
    expect(failed.error.details.every((issue) => issue.reason === "invalid_custom_field_value")).toBe(true);
  });

  it("reports unknown ids and wrong types together, as not_found", () => {
    const failed = expectFailure(
      plan({ email: "new@acme.com", tags: [tagUnknown], custom_fields: { [key(fieldScore)]: "high" } }),
    );
    expect(failed.error.code).toBe("not_found");
    if (failed.error.code === "conflict") throw new Error("unreachable");
    expect(issueIds(failed.error.details)).toEqual([tagUnknown, key(fieldScore)]);
  });

  it("checks references before matching, so an invalid request never reports a conflict", () => {
    const failed = expectFailure(
      plan({ email: "jane@acme.com", linkedin_url: "https://linkedin.com/in/bob", tags: [tagUnknown] }),
    );
    expect(failed.error.code).toBe("not_found");
  });

  it("accepts a value of the right type for every definition type", () => {
    const result = expectWrite(
      plan({
        email: "new@acme.com",
        custom_fields: {
          [key(fieldText)]: "text",
          [key(fieldScore)]: 4.5,
          [key(fieldActive)]: false,
          [key(fieldBirthday)]: "2024-02-29",
          [key(fieldTier)]: "silver",
        },
      }),
    );
    expect(Object.keys(result.contact.customFields)).toHaveLength(5);
  });

  it("accepts null for every definition type", () => {
    const result = expectWrite(
      plan({
        email: "jane@acme.com",
        custom_fields: Object.fromEntries(
          [fieldText, fieldScore, fieldActive, fieldBirthday, fieldTier].map((id) => [key(id), null]),
        ),
      }),
    );
    expect(result.contact.customFields).toEqual({});
  });

  it("accepts only null for a definition type it does not know", () => {
    const state = {
      ...baseState,
      customFields: [{ id: fieldText, entity: "contacts", type: "json", options: [] }],
    };
    expect(
      expectWrite(plan({ email: "new@acme.com", custom_fields: { [key(fieldText)]: null } }, 10, state)).kind,
    ).toBe("write");
    expect(
      expectFailure(plan({ email: "new@acme.com", custom_fields: { [key(fieldText)]: "{}" } }, 10, state))
        .error.code,
    ).toBe("unprocessable_entity");
  });

  it("validates ISO-8601 dates and date-times strictly", () => {
    for (const valid of [
      "2024-02-29",
      "2024-02-29T10:00Z",
      "2024-02-29T10:00:00",
      "2024-02-29T23:59:59.123+02:00",
      "2000-12-31T00:00:00-0500",
    ]) {
      expect(isIsoDateOrDateTime(valid), valid).toBe(true);
    }
    for (const invalid of [
      "2023-02-29",
      "2024-13-01",
      "2024-04-31",
      "2024-1-1",
      "yesterday",
      "2024-02-29T24:00:00Z",
      "2024-02-29 10:00",
      "",
    ]) {
      expect(isIsoDateOrDateTime(invalid), invalid).toBe(false);
    }
  });
});

describe("planUpsert — rule 7: per-field provenance", () => {
  const touched = buildContact({
    ...jane,
    fieldProvenance: {
      ...jane.fieldProvenance,
      title: { seq: 20, source: "request" },
      email: { seq: 20, source: "request" },
      account_id: { seq: 20, source: "request" },
      [key(fieldText)]: { seq: 20, source: "request" },
      location: { seq: 30, source: "enrichment" },
    },
  });
  const state = { ...baseState, contacts: [touched] };

  it("never lets an older request overwrite a field a newer request wrote", () => {
    const result = expectWrite(
      plan(
        {
          linkedin_url: "https://linkedin.com/in/jane",
          email: "older@acme.com",
          title: "Older title",
          first_name: "Older",
          account_id: globex.id,
          custom_fields: { [key(fieldText)]: "older", [key(fieldScore)]: 9 },
        },
        15,
        state,
      ),
    );
    expect(result.contact).toMatchObject({
      email: touched.email,
      emailNormalized: touched.emailNormalized,
      title: touched.title,
      accountId: acme.id,
      firstName: "Older",
      customFields: { [key(fieldText)]: "kept", [key(fieldScore)]: 9 },
    });
    expect(result.contact.fieldProvenance).toMatchObject({
      email: { seq: 20, source: "request" },
      title: { seq: 20, source: "request" },
      account_id: { seq: 20, source: "request" },
      first_name: { seq: 15, source: "request" },
      [key(fieldText)]: { seq: 20, source: "request" },
      [key(fieldScore)]: { seq: 15, source: "request" },
    });
    expect(result.result).toMatchObject({ account_id: acme.id, account_resolution: "existing" });
  });

  it("lets a request with the same seq write again (a redelivery is a no-op, not a refusal)", () => {
    const result = expectWrite(plan({ email: "jane@acme.com", title: "Same seq" }, 20, state));
    expect(result.contact.title).toBe("Same seq");
  });

  it("lets any request overwrite an enriched value", () => {
    const result = expectWrite(plan({ email: "jane@acme.com", location: "Rome" }, 2, state));
    expect(result.contact.location).toBe("Rome");
    expect(result.contact.fieldProvenance.location).toEqual({ seq: 2, source: "request" });
  });
});

describe("snapshot lookups", () => {
  it("names every contact, account, domain, tag and custom field the plan may read", () => {
    expect(
      selectSnapshotLookups({
        email: " X@Globex.com",
        linkedin_url: "https://linkedin.com/in/x",
        domain: "umbrella.org",
        account_id: globex.id,
        tags: [tagVip, tagHot],
        custom_fields: { [key(fieldTier)]: "gold", [key(fieldText)]: null },
      }),
    ).toEqual({
      emailNormalized: "x@globex.com",
      linkedinUrl: "https://linkedin.com/in/x",
      accountIds: [globex.id],
      domains: ["globex.com", "umbrella.org"],
      tagIds: [tagHot, tagVip],
      customFieldIds: [fieldText, fieldTier],
    });
    expect(selectSnapshotLookups({ email: "x@gmail.com", domain: null })).toMatchObject({
      emailNormalized: "x@gmail.com",
      linkedinUrl: null,
      accountIds: [],
      domains: [],
    });
  });

  it("plans the same from the slice as from the whole org", () => {
    const request = { seq: 10, payload: { linkedin_url: "https://linkedin.com/in/dora", tags: [tagHot] } };
    const org = createOrgState(baseState);
    const whole: UpsertSnapshot = {
      contactByEmail: null,
      contactByLinkedin: dora,
      accountsById: org.accounts,
      accountsByDomain: new Map([...org.accounts.values()].map((account) => [account.domain ?? "", account])),
      tagsById: org.tags,
      customFieldsById: org.customFields,
    };
    expect(planUpsert(selectSnapshot(org, request), request, ids)).toEqual(planUpsert(whole, request, ids));
  });
});
