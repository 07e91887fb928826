import { describe, expect, it } from "vitest";
import { parsePatchAccountRequest } from "../accounts/parse-upsert-account-request";
import type { ContactRecord } from "./contact-record";
import { parsePatchContactRequest } from "./parse-upsert-contact-request";
import { planContactPatch, type UpsertSnapshot } from "./plan-upsert";

const tagA = "0b0d6a2e-1c3f-4e8a-9b7d-2f4e6a8c0b1a";
const tagB = "0b0d6a2e-1c3f-4e8a-9b7d-2f4e6a8c0b1b";

const stored: ContactRecord = {
  id: "contact-ann",
  email: "Ann@acme.com",
  emailNormalized: "ann@acme.com",
  linkedinUrl: null,
  firstName: "Ann",
  lastName: null,
  title: "CTO",
  phoneNumber: null,
  location: null,
  doNotContact: false,
  accountId: null,
  customFields: {},
  fieldProvenance: { email: { seq: 1, source: "request" }, first_name: { seq: 1, source: "request" } },
  tagIds: [tagA],
  createdSeq: 1,
  enrichmentStatus: "applied",
  enrichmentProvider: "builtin",
};

const emptySnapshot = (overrides: Partial<UpsertSnapshot> = {}): UpsertSnapshot => ({
  contactByEmail: null,
  contactByLinkedin: null,
  accountsById: new Map(),
  accountsByDomain: new Map(),
  tagsById: new Map([
    [tagA, { id: tagA, objectType: "contacts" }],
    [tagB, { id: tagB, objectType: "contacts" }],
  ]),
  customFieldsById: new Map(),
  ...overrides,
});

const parse = (body: unknown) => parsePatchContactRequest(body, { defaultPhoneRegion: "US" });

describe("parsePatchContactRequest", () => {
  it("needs no identifier, keeps null as clear, and keeps tags: [] (a patch replaces tags)", () => {
    expect(parse({ last_name: "Lee", title: null, tags: [] })).toEqual({
      ok: true,
      payload: { last_name: "Lee", title: null, tags: [] },
      idempotencyKey: undefined,
    });
    expect(parse({ tags: null })).toMatchObject({ ok: true, payload: { tags: [] } });
    expect(parse({ phone_number: "(415) 555-0132" })).toMatchObject({
      ok: true,
      payload: { phone_number: "+14155550132" },
    });
  });

  it("refuses domain, notes and unknown fields, naming each", () => {
    const result = parse({ domain: "acme.com", notes: "hi", first_name: 3 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.details.map((detail) => detail.path).sort()).toEqual(["domain", "first_name", "notes"]);
  });
});

describe("planContactPatch", () => {
  it("writes the fields sent with request provenance and replaces the tags", () => {
    const plan = planContactPatch(stored, emptySnapshot(), {
      seq: 7,
      payload: { last_name: "Lee", tags: [tagB] },
    });
    expect(plan).toMatchObject({
      kind: "write",
      contact: { firstName: "Ann", lastName: "Lee", title: "CTO", tagIds: [tagB] },
    });
    if (plan.kind !== "write") return;
    expect(plan.contact.fieldProvenance.last_name).toEqual({ seq: 7, source: "request" });
  });

  it("leaves the tags when the patch sends none", () => {
    const plan = planContactPatch(stored, emptySnapshot(), { seq: 7, payload: { title: "CEO" } });
    expect(plan).toMatchObject({ kind: "write", contact: { title: "CEO", tagIds: [tagA] } });
  });

  it("is a conflict when the new email belongs to another contact, not when it is its own", () => {
    const other = { ...stored, id: "contact-bob", email: "bob@acme.com", emailNormalized: "bob@acme.com" };
    const conflict = planContactPatch(stored, emptySnapshot({ contactByEmail: other }), {
      seq: 7,
      payload: { email: "bob@acme.com" },
    });
    expect(conflict).toMatchObject({
      kind: "failed",
      error: { code: "conflict", details: { contact_id: "contact-bob" } },
    });
    const own = planContactPatch(stored, emptySnapshot({ contactByEmail: stored }), {
      seq: 7,
      payload: { email: "ANN@acme.com" },
    });
    expect(own).toMatchObject({
      kind: "write",
      contact: { email: "ANN@acme.com", emailNormalized: "ann@acme.com" },
    });
  });

  it("refuses to clear both identifiers, and unknown tags", () => {
    expect(planContactPatch(stored, emptySnapshot(), { seq: 7, payload: { email: null } })).toMatchObject({
      kind: "failed",
      error: { code: "unprocessable_entity" },
    });
    const unknownTag = "0b0d6a2e-1c3f-4e8a-9b7d-2f4e6a8c0b1c";
    expect(
      planContactPatch(stored, emptySnapshot(), { seq: 7, payload: { tags: [unknownTag] } }),
    ).toMatchObject({
      kind: "failed",
      error: { code: "not_found", details: [{ reason: "unknown_tag", id: unknownTag }] },
    });
  });
});

describe("parsePatchAccountRequest", () => {
  it("takes name, linkedin_url, status and notes, and refuses domain and owner", () => {
    expect(parsePatchAccountRequest({ name: " Acme ", status: null })).toEqual({
      ok: true,
      payload: { name: "Acme", status: null },
      idempotencyKey: undefined,
    });
    const refused = parsePatchAccountRequest({ domain: "acme.com", owner: "x" });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.details.map((detail) => detail.path).sort()).toEqual(["domain", "owner"]);
  });
});
