import { describe, expect, it } from "vitest";
import type { AccountRecord } from "../contacts/contact-record";
import { toAccountResponse } from "./account-response";

const record: AccountRecord = {
  id: "0191f0c2-2222-7000-8000-000000000002",
  domain: "acme.com",
  name: "Acme",
  description: "Anvils",
  industries: ["Manufacturing"],
  employeeCount: 250,
  foundedYear: 1949,
  linkedinUrl: "https://linkedin.com/company/acme",
  status: null,
  notes: null,
  fieldProvenance: {},
  enrichmentStatus: "applied",
  enrichmentProvider: "builtin",
};

describe("toAccountResponse", () => {
  it("shapes Monaco's AccountResponse with CompanyInfo and an enrichment block", () => {
    expect(
      toAccountResponse({
        record,
        createdAt: new Date("2026-01-02T03:04:05.006Z"),
        updatedAt: new Date("2026-01-03T03:04:05.006Z"),
        enrichedAt: new Date("2026-01-02T03:04:06.000Z"),
      }),
    ).toEqual({
      id: record.id,
      name: "Acme",
      status: null,
      owner: null,
      notes: null,
      company: {
        domain: "acme.com",
        linkedin_url: "https://linkedin.com/company/acme",
        description: "Anvils",
        employee_count: 250,
        founded_year: 1949,
        industries: ["Manufacturing"],
        total_funding_usd: null,
        last_funding_date: null,
      },
      tags: [],
      created_at: "2026-01-02T03:04:05.006Z",
      updated_at: "2026-01-03T03:04:05.006Z",
      enrichment: { status: "applied", provider: "builtin", enriched_at: "2026-01-02T03:04:06.000Z" },
    });
  });

  it("gives a null enriched_at for an account never enriched", () => {
    const response = toAccountResponse({
      record: { ...record, enrichmentStatus: "none", enrichmentProvider: null },
      createdAt: new Date(0),
      updatedAt: new Date(0),
      enrichedAt: null,
    });
    expect(response.enrichment).toEqual({ status: "none", provider: null, enriched_at: null });
  });
});
