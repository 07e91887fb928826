import { describe, expect, it } from "vitest";
import type { ContactRecord } from "./contact-record";
import { accountDomainOfEmail, identityKeysOf, identityKeysOfContact } from "./identity-keys";

describe("identityKeysOf", () => {
  it("keys a request by its normalised email, its email's domain, its LinkedIn URL and its domain", () => {
    expect(
      identityKeysOf({
        email: "Jane@Acme.com",
        linkedin_url: "https://linkedin.com/in/jane",
        domain: "acme.io",
      }),
    ).toEqual([
      "domain:acme.com",
      "domain:acme.io",
      "email:jane@acme.com",
      "linkedin:https://linkedin.com/in/jane",
    ]);
  });

  it("does not key a request by a free-mail email domain", () => {
    expect(identityKeysOf({ email: "jane@gmail.com" })).toEqual(["email:jane@gmail.com"]);
  });

  it("keys an explicit free-mail domain like any other explicit domain", () => {
    expect(identityKeysOf({ linkedin_url: "https://linkedin.com/in/jane", domain: "gmail.com" })).toEqual([
      "domain:gmail.com",
      "linkedin:https://linkedin.com/in/jane",
    ]);
  });

  it("lists a domain named twice once", () => {
    expect(identityKeysOf({ email: "jane@acme.com", domain: "acme.com" })).toEqual([
      "domain:acme.com",
      "email:jane@acme.com",
    ]);
  });

  it("ignores cleared and absent identifiers", () => {
    expect(identityKeysOf({ email: "jane@acme.com", linkedin_url: null, domain: null })).toEqual([
      "domain:acme.com",
      "email:jane@acme.com",
    ]);
    expect(identityKeysOf({ first_name: "Jane" })).toEqual([]);
  });

  it("returns the same keys however the email is cased", () => {
    expect(identityKeysOf({ email: " JANE@ACME.COM " })).toEqual(identityKeysOf({ email: "jane@acme.com" }));
  });

  it("returns the same keys for every form of one mailbox's domain", () => {
    for (const email of ["dup@acme.com", "dup@ａｃｍｅ.com", "dup@acme\u3002com", "dup@acme.com."]) {
      expect(identityKeysOf({ email })).toEqual(["domain:acme.com", "email:dup@acme.com"]);
    }
    for (const email of ["dup@bücher.de", "dup@xn--bcher-kva.de", "dup@BÜCHER.de"]) {
      expect(identityKeysOf({ email })).toEqual(["domain:xn--bcher-kva.de", "email:dup@xn--bcher-kva.de"]);
    }
  });

  it("keys a subdomain mailbox by its own address but by the registrable domain for its account", () => {
    expect(identityKeysOf({ email: "a@mail.acme.com" })).toEqual([
      "domain:acme.com",
      "email:a@mail.acme.com",
    ]);
  });
});

describe("identityKeysOfContact", () => {
  const contact: ContactRecord = {
    id: "c1",
    email: "Jane@Acme.com",
    emailNormalized: "jane@acme.com",
    linkedinUrl: "https://linkedin.com/in/jane",
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
    enrichmentStatus: "none",
    enrichmentProvider: null,
  };

  it("keys a stored contact by the identifiers it can be matched by", () => {
    expect(identityKeysOfContact(contact)).toEqual([
      "email:jane@acme.com",
      "linkedin:https://linkedin.com/in/jane",
    ]);
  });

  it("leaves out identifiers the contact does not have", () => {
    expect(identityKeysOfContact({ ...contact, emailNormalized: null, email: null })).toEqual([
      "linkedin:https://linkedin.com/in/jane",
    ]);
  });
});

describe("accountDomainOfEmail", () => {
  it("gives the normalised domain of a company email and null for free-mail or no email", () => {
    expect(accountDomainOfEmail("jane@Sales.Acme.com")).toBe("acme.com");
    expect(accountDomainOfEmail("jane@gmail.com")).toBeNull();
    expect(accountDomainOfEmail(null)).toBeNull();
    expect(accountDomainOfEmail(undefined)).toBeNull();
  });
});
