import { describe, expect, it } from "vitest";
import { mergeAccountEnrichment } from "../contacts/merge-enrichment";
import { parseUpsertAccountRequest } from "./parse-upsert-account-request";
import { planAccountUpsert } from "./plan-account-upsert";

describe("parseUpsertAccountRequest", () => {
  it("normalises the domain to the registrable domain and the company page to its canonical URL", () => {
    expect(
      parseUpsertAccountRequest({
        domain: "  https://www.eu.Acme.co.uk/about ",
        name: " Acme ",
        linkedin_url: "https://uk.linkedin.com/company/Acme-UK/?trk=x",
        idempotency_key: "k1",
      }),
    ).toEqual({
      ok: true,
      payload: { domain: "acme.co.uk", name: "Acme", linkedin_url: "https://linkedin.com/company/acme-uk" },
      idempotencyKey: "k1",
    });
  });

  it("takes Monaco's status and notes", () => {
    expect(
      parseUpsertAccountRequest({ domain: "acme.com", status: " NEW ", notes: "Key prospect" }),
    ).toMatchObject({
      ok: true,
      payload: { domain: "acme.com", status: "NEW", notes: "Key prospect" },
    });
  });

  it("keeps absent fields absent and turns blank or null into null (clear)", () => {
    expect(parseUpsertAccountRequest({ domain: "acme.com", name: "", linkedin_url: null })).toEqual({
      ok: true,
      payload: { domain: "acme.com", name: null, linkedin_url: null },
      idempotencyKey: undefined,
    });
    expect(parseUpsertAccountRequest({ domain: "acme.com" })).toMatchObject({
      payload: { domain: "acme.com" },
    });
  });

  it("reports every problem at once, each at its path", () => {
    const result = parseUpsertAccountRequest({
      domain: 42,
      linkedin_url: "https://linkedin.com/in/jane",
      owner: "x",
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.details.map((d) => d.path).sort()).toEqual(["domain", "linkedin_url", "owner"]);
  });

  it("refuses an own __proto__ key, which zod would silently drop", () => {
    expect(
      parseUpsertAccountRequest(JSON.parse('{"domain": "acme.com", "__proto__": {"x": 1}}')),
    ).toMatchObject({
      ok: false,
      // A message, not Object.prototype found by looking the key up (the fuzz suite's 500).
      details: [
        {
          path: "__proto__",
          message:
            'Unknown field "__proto__". Known fields are domain, name, linkedin_url, status and notes.',
        },
      ],
    });
  });

  it("keeps a percent-encoded company slug as sent, so nothing unstorable is decoded into it", () => {
    expect(
      parseUpsertAccountRequest({ domain: "acme.com", linkedin_url: "linkedin.com/company/acme%00%E0%A4%A" }),
    ).toMatchObject({ ok: true, payload: { linkedin_url: "https://linkedin.com/company/acme%00%e0%a4%a" } });
  });

  it("refuses NUL characters and lone surrogates in every text field, naming each field", () => {
    const result = parseUpsertAccountRequest({
      domain: "acme.com\uD800",
      name: "Ac\u0000me",
      status: "\uDC00NEW",
      notes: "fine\uD83D",
      linkedin_url: "https://linkedin.com/company/acme\u0000",
    });
    const message = (field: string) => `${field} must not contain NUL characters or invalid Unicode.`;
    expect(result).toEqual({
      ok: false,
      details: ["domain", "name", "linkedin_url", "status", "notes"].map((path) => ({
        path,
        message: message(path),
      })),
      unlistedProblems: 0,
    });
  });

  it("refuses a body that is not an object", () => {
    expect(parseUpsertAccountRequest("acme.com")).toEqual({
      ok: false,
      details: [{ path: "", message: "The request body must be a JSON object, not a string." }],
      unlistedProblems: 0,
    });
  });
});

describe("planAccountUpsert", () => {
  it("creates a pending account with request provenance on what the caller sent", () => {
    const plan = planAccountUpsert(null, { seq: 3, payload: { domain: "acme.com", name: "Acme" } }, "a1");
    expect(plan).toEqual({
      action: "created",
      writtenFields: ["name"],
      record: {
        id: "a1",
        domain: "acme.com",
        name: "Acme",
        description: null,
        industries: [],
        employeeCount: null,
        foundedYear: null,
        linkedinUrl: null,
        status: null,
        notes: null,
        fieldProvenance: { domain: { seq: 3, source: "request" }, name: { seq: 3, source: "request" } },
        enrichmentStatus: "pending",
        enrichmentProvider: null,
      },
    });
  });

  it("updates in place; a field a later request wrote is left alone; enrichment never overwrites", () => {
    const created = planAccountUpsert(null, { seq: 1, payload: { domain: "acme.com" } }, "a1").record;
    const enriched = mergeAccountEnrichment(
      created,
      { name: "Acme Inc", linkedin_url: "https://linkedin.com/company/acme", description: "Rockets" },
      { provider: "builtin", seq: 1 },
    ).account;
    const later = planAccountUpsert(enriched, { seq: 9, payload: { domain: "acme.com", name: "ACME" } }, "x");
    expect(later.action).toBe("updated");
    expect(later.record).toMatchObject({ id: "a1", name: "ACME", description: "Rockets" });
    const earlier = planAccountUpsert(
      later.record,
      { seq: 5, payload: { domain: "acme.com", name: "Old" } },
      "x",
    );
    expect(earlier.record.name).toBe("ACME"); // seq 9 owns the name
    expect(earlier.writtenFields).toEqual([]);
    // The caller's name is never replaced by a later enrichment either.
    const again = mergeAccountEnrichment(later.record, { name: "Acme Inc" }, { provider: "builtin", seq: 9 });
    expect(again.account.name).toBe("ACME");
  });
});
