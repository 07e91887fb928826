import { describe, expect, it } from "vitest";
import type { ContactRecord } from "./contact-record";
import { type ContactDetails, toContactResponse } from "./contact-response";

const fieldA = "custom_field_0191f0c2-0000-7000-8000-00000000000a";
const fieldB = "custom_field_0191f0c2-0000-7000-8000-00000000000b";

function buildRecord(overrides: Partial<ContactRecord> = {}): ContactRecord {
  return {
    id: "0191f0c2-1111-7000-8000-000000000001",
    email: "Jane@Acme.com",
    emailNormalized: "jane@acme.com",
    linkedinUrl: "https://linkedin.com/in/jane",
    firstName: "Jane",
    lastName: "Doe",
    title: "CTO",
    phoneNumber: "+14155550132",
    location: "Paris",
    doNotContact: false,
    accountId: "0191f0c2-2222-7000-8000-000000000002",
    customFields: {},
    fieldProvenance: {},
    tagIds: [],
    createdSeq: 1,
    enrichmentStatus: "none",
    enrichmentProvider: null,
    ...overrides,
  };
}

function buildDetails(overrides: Partial<ContactDetails> = {}): ContactDetails {
  return {
    record: buildRecord(),
    source: "api",
    tagNames: [],
    createdAt: new Date("2026-01-02T03:04:05.006Z"),
    updatedAt: new Date("2026-01-03T03:04:05.006Z"),
    enrichedAt: null,
    enrichedFields: [],
    enrichmentError: null,
    ...overrides,
  };
}

describe("toContactResponse", () => {
  it("shapes every built-in field like Monaco's ContactDetailResponse", () => {
    expect(toContactResponse(buildDetails({ tagNames: ["Decision Maker", "Interested"] }))).toEqual({
      id: "0191f0c2-1111-7000-8000-000000000001",
      account_id: "0191f0c2-2222-7000-8000-000000000002",
      first_name: "Jane",
      last_name: "Doe",
      email: "Jane@Acme.com",
      title: "CTO",
      phone_number: "+14155550132",
      linkedin_url: "https://linkedin.com/in/jane",
      location: "Paris",
      source: "api",
      do_not_contact: false,
      notes: null,
      tags: ["Decision Maker", "Interested"],
      created_at: "2026-01-02T03:04:05.006Z",
      updated_at: "2026-01-03T03:04:05.006Z",
      enrichment: { status: "none", provider: null, enriched_at: null, fields: [] },
    });
  });

  it("keeps nulls as nulls for a contact with only an email", () => {
    const record = buildRecord({
      linkedinUrl: null,
      firstName: null,
      lastName: null,
      title: null,
      phoneNumber: null,
      location: null,
      accountId: null,
      doNotContact: true,
    });
    const response = toContactResponse(buildDetails({ record, source: null }));
    expect(response).toMatchObject({
      linkedin_url: null,
      first_name: null,
      last_name: null,
      title: null,
      phone_number: null,
      location: null,
      account_id: null,
      source: null,
      do_not_contact: true,
      tags: [],
    });
  });

  it("puts each custom field value at the top level under its custom_field_<uuid> key", () => {
    const record = buildRecord({ customFields: { [fieldB]: 42, [fieldA]: "gold" } });
    const response = toContactResponse(buildDetails({ record }));
    expect(response[fieldA]).toBe("gold");
    expect(response[fieldB]).toBe(42);
    const customKeys = Object.keys(response).filter((key) => key.startsWith("custom_field_"));
    expect(customKeys).toEqual([fieldA, fieldB]);
  });

  it("never lets a malformed stored key shadow a built-in field", () => {
    const record = buildRecord({ customFields: { email: "evil@x.com", [fieldA]: true } });
    const response = toContactResponse(buildDetails({ record }));
    expect(response.email).toBe("Jane@Acme.com");
    expect(response[fieldA]).toBe(true);
  });

  it("reports enrichment: status, provider, time and the fields it filled, not the error text", () => {
    const record = buildRecord({ enrichmentStatus: "applied", enrichmentProvider: "builtin" });
    const response = toContactResponse(
      buildDetails({
        record,
        enrichedAt: new Date("2026-01-02T03:04:06.000Z"),
        enrichedFields: ["last_name", "title"],
        enrichmentError: "upstream said 500 at http://internal:8080",
      }),
    );
    expect(response.enrichment).toEqual({
      status: "applied",
      provider: "builtin",
      enriched_at: "2026-01-02T03:04:06.000Z",
      fields: ["last_name", "title"],
    });
    expect(JSON.stringify(response)).not.toContain("internal:8080");
  });

  it("does not share arrays with its input", () => {
    const details = buildDetails({ tagNames: ["A"], enrichedFields: ["title"] });
    const response = toContactResponse(details);
    response.tags.push("B");
    response.enrichment.fields.push("location");
    expect(details.tagNames).toEqual(["A"]);
    expect(details.enrichedFields).toEqual(["title"]);
  });

  it("is deterministic: the same details give the same JSON", () => {
    const record = buildRecord({ customFields: { [fieldB]: null, [fieldA]: "x" } });
    const details = buildDetails({ record, tagNames: ["T"] });
    expect(JSON.stringify(toContactResponse(details))).toBe(JSON.stringify(toContactResponse(details)));
  });
});
