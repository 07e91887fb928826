import { describe, expect, it } from "vitest";
import type { AccountRecord, ContactRecord } from "./contact-record";
import { markEnrichmentNotApplied, mergeAccountEnrichment, mergeContactEnrichment } from "./merge-enrichment";
import { planUpsert, type UpsertSnapshot } from "./plan-upsert";

const context = { provider: "builtin", seq: 5 };

/** Created at seq 5 with a first name and an explicitly cleared title. */
const created: ContactRecord = {
  id: "c1",
  email: "jane@acme.com",
  emailNormalized: "jane@acme.com",
  linkedinUrl: null,
  firstName: "Jane",
  lastName: null,
  title: null,
  phoneNumber: null,
  location: null,
  doNotContact: false,
  accountId: null,
  customFields: {},
  fieldProvenance: {
    email: { seq: 5, source: "request" },
    first_name: { seq: 5, source: "request" },
    title: { seq: 5, source: "request" },
  },
  tagIds: [],
  createdSeq: 5,
  enrichmentStatus: "pending",
  enrichmentProvider: null,
};

const everything = {
  first_name: "Enriched first",
  last_name: "Enriched last",
  title: "Enriched title",
  phone_number: "+15550000000",
  location: "Enriched location",
  linkedin_url: "https://linkedin.com/in/enriched",
  email: "enriched@acme.com",
};

describe("mergeContactEnrichment", () => {
  it("fills only empty fields no request wrote, marking them as enriched", () => {
    const { contact, filledFields } = mergeContactEnrichment(created, everything, context);
    expect(filledFields).toEqual(["last_name", "location", "phone_number"]);
    expect(contact).toEqual({
      ...created,
      lastName: "Enriched last",
      phoneNumber: "+15550000000",
      location: "Enriched location",
      fieldProvenance: {
        ...created.fieldProvenance,
        last_name: { seq: 5, source: "enrichment" },
        phone_number: { seq: 5, source: "enrichment" },
        location: { seq: 5, source: "enrichment" },
      },
      enrichmentStatus: "applied",
      enrichmentProvider: "builtin",
    });
  });

  it("never overwrites a caller's value", () => {
    expect(mergeContactEnrichment(created, everything, context).contact.firstName).toBe("Jane");
  });

  it("never fills a field a caller cleared with null", () => {
    expect(mergeContactEnrichment(created, everything, context).contact.title).toBeNull();
  });

  it("never fills a field a later caller wrote before the enrichment arrived", () => {
    const snapshot: UpsertSnapshot = {
      contactByEmail: created,
      contactByLinkedin: null,
      accountsById: new Map(),
      accountsByDomain: new Map(),
      tagsById: new Map(),
      customFieldsById: new Map(),
    };
    const later = planUpsert(
      snapshot,
      { seq: 9, payload: { email: "jane@acme.com", location: null, last_name: "Later" } },
      { newContactId: "unused", newAccountId: "unused" },
    );
    if (later.kind !== "write") throw new Error("expected a write");
    const { contact, filledFields } = mergeContactEnrichment(later.contact, everything, context);
    expect(filledFields).toEqual(["phone_number"]);
    expect(contact).toMatchObject({ lastName: "Later", location: null, phoneNumber: "+15550000000" });
  });

  it("never fills identifiers, even when they are empty", () => {
    const noIdentifiers = { ...created, email: null, emailNormalized: null, fieldProvenance: {} };
    const { contact, filledFields } = mergeContactEnrichment(noIdentifiers, everything, context);
    expect(contact.email).toBeNull();
    expect(contact.linkedinUrl).toBeNull();
    expect(filledFields).not.toContain("email");
    expect(filledFields).not.toContain("linkedin_url");
  });

  it("never replaces an earlier enrichment's value", () => {
    const first = mergeContactEnrichment(created, { location: "First" }, context).contact;
    const second = mergeContactEnrichment(first, { location: "Second" }, { provider: "other", seq: 5 });
    expect(second.contact.location).toBe("First");
    expect(second.filledFields).toEqual([]);
  });

  it("ignores blank and missing values", () => {
    const { contact, filledFields } = mergeContactEnrichment(
      created,
      { last_name: "   ", location: null, phone_number: " +1555 " },
      context,
    );
    expect(filledFields).toEqual(["phone_number"]);
    expect(contact.phoneNumber).toBe("+1555");
    expect(contact.lastName).toBeNull();
  });

  it("is idempotent", () => {
    const once = mergeContactEnrichment(created, everything, context);
    const twice = mergeContactEnrichment(once.contact, everything, context);
    expect(twice.contact).toEqual(once.contact);
    expect(twice.filledFields).toEqual([]);
  });

  it("does not modify its input", () => {
    const before = structuredClone(created);
    mergeContactEnrichment(created, everything, context);
    expect(created).toEqual(before);
  });
});

const createdAccount: AccountRecord = {
  id: "a1",
  domain: "acme.com",
  name: null,
  description: "Set by an operator",
  industries: [],
  employeeCount: null,
  foundedYear: null,
  linkedinUrl: null,
  status: null,
  notes: null,
  fieldProvenance: { domain: { seq: 5, source: "request" }, description: { seq: 4, source: "request" } },
  enrichmentStatus: "pending",
  enrichmentProvider: null,
};

describe("mergeAccountEnrichment", () => {
  const company = {
    name: "Acme",
    description: "Enriched description",
    industries: ["Software", " Software ", "", "Retail"],
    employee_count: 120,
    founded_year: 1999,
    linkedin_url: "https://linkedin.com/company/acme",
  };

  it("fills empty fields, de-duplicating industries", () => {
    const { account, filledFields } = mergeAccountEnrichment(createdAccount, company, context);
    expect(filledFields).toEqual(["employee_count", "founded_year", "industries", "linkedin_url", "name"]);
    expect(account).toEqual({
      ...createdAccount,
      name: "Acme",
      industries: ["Software", "Retail"],
      employeeCount: 120,
      foundedYear: 1999,
      linkedinUrl: "https://linkedin.com/company/acme",
      fieldProvenance: {
        ...createdAccount.fieldProvenance,
        employee_count: { seq: 5, source: "enrichment" },
        founded_year: { seq: 5, source: "enrichment" },
        industries: { seq: 5, source: "enrichment" },
        linkedin_url: { seq: 5, source: "enrichment" },
        name: { seq: 5, source: "enrichment" },
      },
      enrichmentStatus: "applied",
      enrichmentProvider: "builtin",
    });
  });

  it("keeps existing values and ignores numbers the integer columns cannot hold", () => {
    const filled = { ...createdAccount, industries: ["Media"], employeeCount: 7 };
    const { account, filledFields } = mergeAccountEnrichment(
      filled,
      { ...company, employee_count: 99, founded_year: 1999.5 },
      context,
    );
    expect(account).toMatchObject({ industries: ["Media"], employeeCount: 7, foundedYear: null });
    expect(filledFields).toEqual(["linkedin_url", "name"]);
  });

  it("is idempotent", () => {
    const once = mergeAccountEnrichment(createdAccount, company, context);
    expect(mergeAccountEnrichment(once.account, company, context)).toEqual({
      account: once.account,
      filledFields: [],
    });
  });
});

describe("markEnrichmentNotApplied", () => {
  it("records a failed or skipped enrichment without touching values", () => {
    expect(markEnrichmentNotApplied(created, "failed", "builtin")).toEqual({
      ...created,
      enrichmentStatus: "failed",
      enrichmentProvider: "builtin",
    });
    expect(markEnrichmentNotApplied(createdAccount, "skipped", null)).toEqual({
      ...createdAccount,
      enrichmentStatus: "skipped",
    });
  });
});
