import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIssuePath } from "../errors/validation-error";
import {
  idempotencyKeySchema,
  parseUpsertContactRequest,
  upsertContactRequestSchema,
} from "./parse-upsert-contact-request";
import type { UpsertContactPayload } from "./upsert-payload";

const uuidA = "0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f";
const uuidB = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const uuidC = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
const email = "jane@acme.com";

function parse(body: unknown) {
  return parseUpsertContactRequest(body, { defaultPhoneRegion: "US" });
}

function expectPayload(body: unknown): UpsertContactPayload {
  const result = parse(body);
  if (!result.ok) {
    throw new Error(`expected success, got ${JSON.stringify(result.details)}`);
  }
  return result.payload;
}

function expectDetails(body: unknown): { path: string; message: string }[] {
  const result = parse(body);
  if (result.ok) {
    throw new Error(`expected failure, got ${JSON.stringify(result.payload)}`);
  }
  return result.details;
}

/** Exactly one problem, at `path`; returns its message. */
function expectSingleProblem(body: unknown, path: string): string {
  const details = expectDetails(body);
  expect(details.map((detail) => detail.path)).toEqual([path]);
  return details[0]?.message ?? "";
}

describe("parseUpsertContactRequest: body shape", () => {
  it.each([
    [[], "an array"],
    [[{ email }], "an array"],
    ["jane@acme.com", "a string"],
    [42, "a number"],
    [null, "null"],
    [true, "a boolean"],
    [undefined, "an empty body"],
    [new Date(0), "an object with a custom prototype"],
  ])("rejects %j with one detail at the root", (body, described) => {
    expect(expectDetails(body)).toEqual([
      { path: "", message: `The request body must be a JSON object, not ${described}.` },
    ]);
  });

  it("accepts an object without a prototype", () => {
    const body = Object.assign(Object.create(null) as Record<string, unknown>, { email });
    expect(expectPayload(body)).toEqual({ email });
  });

  it("does not modify the body", () => {
    const body = Object.freeze({
      email: "  Jane@Acme.com ",
      tags: Object.freeze([uuidB.toUpperCase(), uuidA]),
      [`custom_field_${uuidA.toUpperCase()}`]: "x",
    });
    const copy = structuredClone(body);
    parse(body);
    expect(body).toEqual(copy);
  });

  it("gives the same answer for the same input", () => {
    const body = {
      email,
      phone_number: "(415) 555-0132",
      tags: [uuidB, uuidA],
      domain: "https://www.acme.com",
    };
    expect(parse(body)).toEqual(parse(structuredClone(body)));
  });
});

describe("parseUpsertContactRequest: identifiers", () => {
  it.each([
    [{}],
    [{ first_name: "Jane" }],
    [{ email: null }],
    [{ email: "" }],
    [{ email: "   " }],
    [{ email: null, linkedin_url: null }],
    [{ email: " ", linkedin_url: "  ", domain: "acme.com" }],
  ])("requires email or linkedin_url: %j", (body) => {
    expect(expectSingleProblem(body, "")).toBe("Either email or linkedin_url is required.");
  });

  it("accepts email alone", () => {
    expect(expectPayload({ email })).toEqual({ email });
  });

  it.each([
    [{ linkedin_url: "https://linkedin.com/in/jane" }],
    [{ linkedin_url: "https://linkedin.com/in/jane", email: null }],
    [{ linkedin_url: "https://linkedin.com/in/jane", email: "  " }],
    [{ linkedin_url: "https://linkedin.com/in/jane", domain: "" }],
    [{ linkedin_url: "https://linkedin.com/in/jane", domain: null, account_id: null }],
  ])("requires account_id or domain with linkedin_url only: %j", (body) => {
    expect(expectSingleProblem(body, "")).toMatch(
      /^account_id or domain is required when linkedin_url is given/,
    );
  });

  it("accepts linkedin_url with a domain or an account_id", () => {
    expect(expectPayload({ linkedin_url: "https://linkedin.com/in/jane", domain: "acme.com" })).toEqual({
      linkedin_url: "https://linkedin.com/in/jane",
      domain: "acme.com",
    });
    expect(expectPayload({ linkedin_url: "https://linkedin.com/in/jane", account_id: uuidA })).toEqual({
      linkedin_url: "https://linkedin.com/in/jane",
      account_id: uuidA,
    });
  });

  it("accepts email and linkedin_url together without an account", () => {
    expect(expectPayload({ email, linkedin_url: "linkedin.com/in/Jane" })).toEqual({
      email,
      linkedin_url: "https://linkedin.com/in/jane",
    });
  });

  it("clears email with a blank string when linkedin_url identifies the contact", () => {
    expect(
      expectPayload({ email: "", linkedin_url: "https://linkedin.com/in/jane", domain: "acme.com" }),
    ).toEqual({
      email: null,
      linkedin_url: "https://linkedin.com/in/jane",
      domain: "acme.com",
    });
  });

  it("reports only the field's own error when a supplied identifier is invalid", () => {
    expect(expectSingleProblem({ email: "not-an-email" }, "email")).toBe(
      "email must be a valid email address, like jane@acme.com.",
    );
    expect(expectSingleProblem({ email: 42 }, "email")).toBe("email must be a string or null.");
    expect(
      expectSingleProblem({ linkedin_url: "https://acme.com/jane", domain: "acme.com" }, "linkedin_url"),
    ).toBe("linkedin_url must be a LinkedIn profile URL like https://linkedin.com/in/<slug>.");
    expect(
      expectSingleProblem({ linkedin_url: "https://linkedin.com/in/jane", domain: "localhost" }, "domain"),
    ).toMatch(/^domain must be a public domain name/);
    expect(
      expectSingleProblem({ linkedin_url: "https://linkedin.com/in/jane", account_id: "acme" }, "account_id"),
    ).toMatch(/^account_id must be a UUID/);
  });

  it("reports both an invalid email and an invalid linkedin_url", () => {
    expect(expectDetails({ email: "nope", linkedin_url: "nope" }).map((detail) => detail.path)).toEqual([
      "email",
      "linkedin_url",
    ]);
  });
});

describe("parseUpsertContactRequest: email", () => {
  it("stores the trimmed address with its case as given", () => {
    expect(expectPayload({ email: "  Jane.Smith@Acme.COM \n" })).toEqual({ email: "Jane.Smith@Acme.COM" });
  });

  it.each([["jane"], ["jane@acme"], ["jane@@acme.com"], ["jane smith@acme.com"], ["jane@localhost"]])(
    "rejects %j",
    (value) => {
      expect(expectSingleProblem({ email: value }, "email")).toBe(
        "email must be a valid email address, like jane@acme.com.",
      );
    },
  );

  it("rejects an address over 320 characters", () => {
    expect(expectSingleProblem({ email: `${"a".repeat(312)}@acme.com` }, "email")).toBe(
      "email must be at most 320 characters long.",
    );
  });

  it.each([[42], [true], [{}], [["jane@acme.com"]]])("rejects the non-string %j", (value) => {
    expect(
      expectDetails({ email: value, linkedin_url: "https://linkedin.com/in/jane", domain: "acme.com" }),
    ).toEqual([{ path: "email", message: "email must be a string or null." }]);
  });
});

describe("parseUpsertContactRequest: linkedin_url", () => {
  const withAccount = { domain: "acme.com" };

  it.each([
    ["https://www.linkedin.com/in/JaneSmith/?trk=x", "https://linkedin.com/in/janesmith"],
    ["  uk.linkedin.com/in/jane-smith  ", "https://linkedin.com/in/jane-smith"],
    ["http://linkedin.com/in/j%C3%B6rg#top", "https://linkedin.com/in/jörg"],
  ])("stores %j as %j", (value, expected) => {
    expect(expectPayload({ ...withAccount, linkedin_url: value }).linkedin_url).toBe(expected);
  });

  it.each([
    ["https://linkedin.com/company/acme"],
    ["https://linkedin.com/in/"],
    ["https://linkedin.com.evil.com/in/jane"],
    ["https://linkedin.com/in/jane/details"],
    ["jane"],
  ])("rejects %j", (value) => {
    expect(expectSingleProblem({ email, linkedin_url: value }, "linkedin_url")).toBe(
      "linkedin_url must be a LinkedIn profile URL like https://linkedin.com/in/<slug>.",
    );
  });

  it("rejects more than 2048 characters", () => {
    expect(
      expectSingleProblem(
        { email, linkedin_url: `https://linkedin.com/in/${"a".repeat(2030)}` },
        "linkedin_url",
      ),
    ).toBe("linkedin_url must be at most 2048 characters long.");
  });

  it("keeps null and turns blank into null", () => {
    expect(expectPayload({ email, linkedin_url: null })).toEqual({ email, linkedin_url: null });
    expect(expectPayload({ email, linkedin_url: " " })).toEqual({ email, linkedin_url: null });
  });
});

describe.each(["first_name", "last_name", "title", "location"])("parseUpsertContactRequest: %s", (field) => {
  it("is trimmed", () => {
    expect(expectPayload({ email, [field]: "  Jane  Q \t" })).toEqual({ email, [field]: "Jane  Q" });
  });

  it("is left out when absent, kept when null, and null when blank", () => {
    expect(expectPayload({ email })).not.toHaveProperty(field);
    expect(expectPayload({ email, [field]: null })).toEqual({ email, [field]: null });
    expect(expectPayload({ email, [field]: "" })).toEqual({ email, [field]: null });
    expect(expectPayload({ email, [field]: " \n " })).toEqual({ email, [field]: null });
  });

  it("allows 255 characters after trimming, and no more", () => {
    expect(expectPayload({ email, [field]: `  ${"x".repeat(255)}  ` })).toEqual({
      email,
      [field]: "x".repeat(255),
    });
    expect(expectSingleProblem({ email, [field]: "x".repeat(256) }, field)).toBe(
      `${field} must be at most 255 characters long.`,
    );
  });

  it("counts characters as UTF-16 units and keeps emoji and accents intact", () => {
    expect(expectPayload({ email, [field]: "Zoë 👩‍💻" })).toEqual({ email, [field]: "Zoë 👩‍💻" });
  });

  it.each([[42], [false], [{}], [["Jane"]]])("rejects the non-string %j", (value) => {
    expect(expectSingleProblem({ email, [field]: value }, field)).toBe(`${field} must be a string or null.`);
  });

  it.each([["Ja\u0000ne"], ["Jane\uD800"], ["\uDC00Jane"]])(
    "rejects text Postgres cannot store: %j",
    (value) => {
      expect(expectSingleProblem({ email, [field]: value }, field)).toBe(
        `${field} must not contain NUL characters or invalid Unicode.`,
      );
    },
  );
});

describe("parseUpsertContactRequest: phone_number", () => {
  it.each([
    ["(415) 555-0132", "US", "+14155550132"],
    ["+44 20 7946 0018", "US", "+442079460018"],
    ["020 7946 0018", "GB", "+442079460018"],
    ["  06 12 34 56 78 ", "FR", "+33612345678"],
  ] as const)("normalises %j with default region %s to %j", (value, region, expected) => {
    const result = parseUpsertContactRequest({ email, phone_number: value }, { defaultPhoneRegion: region });
    expect(result).toEqual({
      ok: true,
      payload: { email, phone_number: expected },
      idempotencyKey: undefined,
    });
  });

  it("keeps what does not parse, trimmed", () => {
    expect(expectPayload({ email, phone_number: "  ask reception  " })).toEqual({
      email,
      phone_number: "ask reception",
    });
    expect(expectPayload({ email, phone_number: "+1 415 555 0132 ext. 7" })).toEqual({
      email,
      phone_number: "+1 415 555 0132 ext. 7",
    });
  });

  it("keeps null, turns blank into null, and rejects over 64 characters or non-strings", () => {
    expect(expectPayload({ email, phone_number: null })).toEqual({ email, phone_number: null });
    expect(expectPayload({ email, phone_number: "  " })).toEqual({ email, phone_number: null });
    expect(expectSingleProblem({ email, phone_number: "1".repeat(65) }, "phone_number")).toBe(
      "phone_number must be at most 64 characters long.",
    );
    expect(expectSingleProblem({ email, phone_number: 4155550132 }, "phone_number")).toBe(
      "phone_number must be a string or null.",
    );
  });

  it("is only trimmed by the schema itself, which has no region", () => {
    const result = upsertContactRequestSchema.safeParse({ email, phone_number: " (415) 555-0132 " });
    expect(result.success && result.data.payload.phone_number).toBe("(415) 555-0132");
  });
});

describe("parseUpsertContactRequest: account_id", () => {
  it.each([
    [uuidA, uuidA],
    [uuidA.toUpperCase(), uuidA],
    ["6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"],
    ["018f3c3a-7b2c-7d4e-8f00-0123456789ab", "018f3c3a-7b2c-7d4e-8f00-0123456789ab"],
    ["00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"],
  ])("accepts %j as %j", (value, expected) => {
    expect(expectPayload({ email, account_id: value })).toEqual({ email, account_id: expected });
  });

  it("keeps null", () => {
    expect(expectPayload({ email, account_id: null })).toEqual({ email, account_id: null });
  });

  it.each([
    [""],
    ["acme"],
    [`{${uuidA}}`],
    [uuidA.replaceAll("-", "")],
    [` ${uuidA}`],
    [`${uuidA}0`],
    ["0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6g"],
  ])("rejects %j", (value) => {
    expect(expectSingleProblem({ email, account_id: value }, "account_id")).toBe(
      "account_id must be a UUID, like 0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f.",
    );
  });

  it("rejects a non-string", () => {
    expect(expectSingleProblem({ email, account_id: 7 }, "account_id")).toBe(
      "account_id must be a UUID string or null.",
    );
  });
});

describe("parseUpsertContactRequest: domain", () => {
  it.each([
    ["acme.com", "acme.com"],
    [" https://www.Acme.com/about?x=1 ", "acme.com"],
    ["eu.acme.co.uk", "acme.co.uk"],
    ["bücher.de", "xn--bcher-kva.de"],
  ])("stores %j as %j", (value, expected) => {
    expect(expectPayload({ email, domain: value })).toEqual({ email, domain: expected });
  });

  it.each([["localhost"], ["foo"], ["1.2.3.4"], ["acme..com"], ["jane@acme.com"]])("rejects %j", (value) => {
    expect(expectSingleProblem({ email, domain: value }, "domain")).toBe(
      "domain must be a public domain name like acme.com (a URL such as https://acme.com is fine).",
    );
  });

  it("keeps null, turns blank into null, and rejects over 253 characters or non-strings", () => {
    expect(expectPayload({ email, domain: null })).toEqual({ email, domain: null });
    expect(expectPayload({ email, domain: "" })).toEqual({ email, domain: null });
    expect(expectSingleProblem({ email, domain: `${"a".repeat(250)}.com` }, "domain")).toBe(
      "domain must be at most 253 characters long.",
    );
    expect(expectSingleProblem({ email, domain: ["acme.com"] }, "domain")).toBe(
      "domain must be a string or null.",
    );
  });
});

describe("parseUpsertContactRequest: do_not_contact", () => {
  it.each([[true], [false], [null]])("accepts %j", (value) => {
    expect(expectPayload({ email, do_not_contact: value })).toEqual({ email, do_not_contact: value });
  });

  it.each([["true"], [1], [0], ["yes"], [{}]])("rejects %j", (value) => {
    expect(expectSingleProblem({ email, do_not_contact: value }, "do_not_contact")).toBe(
      "do_not_contact must be true, false or null.",
    );
  });
});

describe("parseUpsertContactRequest: tags", () => {
  it("lower-cases, removes duplicates (ignoring case) and sorts", () => {
    expect(expectPayload({ email, tags: [uuidC, uuidA.toUpperCase(), uuidB, uuidA, uuidC] })).toEqual({
      email,
      tags: [uuidA, uuidB, uuidC],
    });
  });

  it("leaves tags out when null or empty, since tags only append", () => {
    expect(expectPayload({ email, tags: null })).toEqual({ email });
    expect(expectPayload({ email, tags: [] })).toEqual({ email });
  });

  it("accepts 100 tags and rejects 101, counting the list as sent", () => {
    const hundred = Array.from(
      { length: 100 },
      (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
    );
    expect(expectPayload({ email, tags: hundred }).tags).toHaveLength(100);
    expect(expectSingleProblem({ email, tags: [...hundred, uuidA] }, "tags")).toBe(
      "tags must contain at most 100 tag ids.",
    );
    expect(expectSingleProblem({ email, tags: Array.from({ length: 101 }, () => uuidA) }, "tags")).toBe(
      "tags must contain at most 100 tag ids.",
    );
  });

  it("reports every bad item by index", () => {
    expect(expectDetails({ email, tags: [uuidA, "marketing", uuidB, 42, null] })).toEqual([
      { path: "tags[1]", message: "Each tag must be a tag id (a UUID)." },
      { path: "tags[3]", message: "Each tag must be a tag id (a UUID string)." },
      { path: "tags[4]", message: "Each tag must be a tag id (a UUID string)." },
    ]);
  });

  it.each([[uuidA], [{}], [true]])("rejects the non-array %j", (value) => {
    expect(expectSingleProblem({ email, tags: value }, "tags")).toBe(
      "tags must be an array of tag ids (UUIDs) or null.",
    );
  });
});

describe("parseUpsertContactRequest: custom fields", () => {
  it("collects custom_field_<uuid> keys under custom_fields, keyed by the lower-case uuid", () => {
    expect(
      expectPayload({
        email,
        [`custom_field_${uuidA.toUpperCase()}`]: "Enterprise",
        [`custom_field_${uuidB}`]: 42.5,
        [`custom_field_${uuidC}`]: false,
        "custom_field_00000000-0000-0000-0000-000000000000": null,
      }),
    ).toEqual({
      email,
      custom_fields: {
        [`custom_field_${uuidA}`]: "Enterprise",
        [`custom_field_${uuidB}`]: 42.5,
        [`custom_field_${uuidC}`]: false,
        "custom_field_00000000-0000-0000-0000-000000000000": null,
      },
    });
  });

  it("keeps string values exactly as sent", () => {
    expect(expectPayload({ email, [`custom_field_${uuidA}`]: "  padded  " }).custom_fields).toEqual({
      [`custom_field_${uuidA}`]: "  padded  ",
    });
  });

  it("leaves custom_fields out when there are none", () => {
    expect(expectPayload({ email })).not.toHaveProperty("custom_fields");
  });

  it("allows strings of 10000 characters, and no more", () => {
    const key = `custom_field_${uuidA}`;
    expect(expectPayload({ email, [key]: "x".repeat(10_000) }).custom_fields?.[key]).toHaveLength(10_000);
    expect(expectSingleProblem({ email, [key]: "x".repeat(10_001) }, key)).toBe(
      `${key} must be at most 10000 characters long.`,
    );
  });

  it.each([[{}], [[]], [["a"]], [{ value: 1 }]])("rejects the value %j", (value) => {
    const key = `custom_field_${uuidA}`;
    expect(expectSingleProblem({ email, [key]: value }, key)).toBe(
      `${key} must be a string, a number, a boolean or null.`,
    );
  });

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY]])("rejects the non-finite number %s", (value) => {
    const key = `custom_field_${uuidA}`;
    expect(expectSingleProblem({ email, [key]: value }, key)).toBe(`${key} must be a finite number.`);
  });

  it("rejects a NUL character in a string value", () => {
    const key = `custom_field_${uuidA}`;
    expect(expectSingleProblem({ email, [key]: "a\u0000b" }, key)).toBe(
      `${key} must not contain NUL characters or invalid Unicode.`,
    );
  });

  it("rejects the same custom field sent twice in different case", () => {
    const lower = `custom_field_${uuidA}`;
    const upper = `custom_field_${uuidA.toUpperCase()}`;
    expect(expectSingleProblem({ email, [lower]: "a", [upper]: "b" }, upper)).toBe(
      `${upper} is the same custom field as ${lower} (custom field ids are case-insensitive); send it once.`,
    );
  });

  it.each([
    ["custom_field_industry"],
    ["custom_field_"],
    [`custom_field_${uuidA}x`],
    [`custom_field_{${uuidA}}`],
    [`CUSTOM_FIELD_${uuidA}`],
  ])("rejects the malformed key %j", (key) => {
    expect(expectSingleProblem({ email, [key]: "x" }, formatIssuePath([key]))).toBe(
      `Unknown field ${JSON.stringify(key)}: custom fields must be named custom_field_<uuid>.`,
    );
  });
});

describe("parseUpsertContactRequest: unknown fields", () => {
  it("names the field and suggests the closest known one", () => {
    expect(expectDetails({ email, frist_name: "Jane" })).toEqual([
      { path: "frist_name", message: 'Unknown field "frist_name". Did you mean "first_name"?' },
    ]);
    expect(expectSingleProblem({ email, Email: "x" }, "Email")).toBe(
      'Unknown field "Email". Did you mean "email"?',
    );
    expect(expectSingleProblem({ email, tag: [] }, "tag")).toBe('Unknown field "tag". Did you mean "tags"?');
  });

  it("lists the known fields when nothing is close", () => {
    expect(expectSingleProblem({ email, company: "Acme" }, "company")).toBe(
      'Unknown field "company". Known fields are email, linkedin_url, first_name, last_name, title, phone_number, location, account_id, domain, do_not_contact, tags, idempotency_key, and custom fields named custom_field_<uuid>.',
    );
  });

  it("rejects the nested custom_fields form and fields of other endpoints", () => {
    const details = expectDetails({ email, custom_fields: {}, id: uuidA, created_at: "2026-01-01" });
    expect(details.map((detail) => detail.path)).toEqual(["custom_fields", "id", "created_at"]);
    for (const detail of details) {
      expect(detail.message).toMatch(/^Unknown field "/);
    }
  });

  it("quotes keys that are not plain names in the path", () => {
    expect(
      expectDetails({ email, "first name": "Jane", "a.b": 1, "": 2 }).map((detail) => detail.path),
    ).toEqual(['["first name"]', '["a.b"]', '[""]']);
  });

  it("rejects __proto__, constructor and toString as unknown", () => {
    const body = JSON.parse(
      `{"email":"${email}","__proto__":{"first_name":"x"},"constructor":1,"toString":2}`,
    );
    const details = expectDetails(body);
    expect(details.map((detail) => detail.path).sort()).toEqual(["__proto__", "constructor", "toString"]);
    expect(expectDetails(JSON.parse(`{"__proto__":{}}`)).map((detail) => detail.path)).toEqual([
      "",
      "__proto__",
    ]);
  });

  it("is not fooled by inherited properties", () => {
    const body = Object.create({ first_name: "Inherited", unknown: 1 }) as Record<string, unknown>;
    body.email = email;
    expect(expectDetails(body)).toEqual([
      { path: "", message: "The request body must be a JSON object, not an object with a custom prototype." },
    ]);
  });
});

describe("parseUpsertContactRequest: idempotency_key", () => {
  it("is returned separately, not in the payload", () => {
    expect(parse({ email, idempotency_key: "order-42" })).toEqual({
      ok: true,
      payload: { email },
      idempotencyKey: "order-42",
    });
  });

  it("is undefined when absent or null", () => {
    expect(parse({ email })).toEqual({ ok: true, payload: { email }, idempotencyKey: undefined });
    expect(parse({ email, idempotency_key: null })).toEqual({
      ok: true,
      payload: { email },
      idempotencyKey: undefined,
    });
  });

  it("is taken exactly as sent", () => {
    const result = parse({ email, idempotency_key: " Key-1 " });
    expect(result.ok && result.idempotencyKey).toBe(" Key-1 ");
  });

  it("allows 1 to 255 characters", () => {
    const result = parse({ email, idempotency_key: "k".repeat(255) });
    expect(result.ok && result.idempotencyKey).toBe("k".repeat(255));
    expect(expectSingleProblem({ email, idempotency_key: "" }, "idempotency_key")).toBe(
      "The idempotency key must not be empty.",
    );
    expect(expectSingleProblem({ email, idempotency_key: "k".repeat(256) }, "idempotency_key")).toBe(
      "The idempotency key must be at most 255 characters long.",
    );
    expect(expectSingleProblem({ email, idempotency_key: 42 }, "idempotency_key")).toBe(
      "The idempotency key must be a string.",
    );
  });
});

describe("idempotencyKeySchema", () => {
  it("applies the same rule to a header value", () => {
    expect(idempotencyKeySchema.safeParse("a").success).toBe(true);
    expect(idempotencyKeySchema.safeParse("a".repeat(255)).success).toBe(true);
    expect(idempotencyKeySchema.safeParse("a".repeat(256)).success).toBe(false);
    expect(idempotencyKeySchema.safeParse("").success).toBe(false);
    expect(idempotencyKeySchema.safeParse(undefined).success).toBe(false);
    expect(idempotencyKeySchema.safeParse("a\u0000").success).toBe(false);
  });
});

describe("parseUpsertContactRequest: a complete request", () => {
  it("normalises every field at once", () => {
    const result = parse({
      email: " Jane@Acme.com ",
      linkedin_url: "https://www.linkedin.com/in/JaneSmith/",
      first_name: " Jane ",
      last_name: "Smith",
      title: "VP of Engineering",
      phone_number: "+1-415-555-0132",
      location: "",
      account_id: uuidA.toUpperCase(),
      domain: "https://www.acme.com",
      do_not_contact: false,
      tags: [uuidB, uuidA],
      [`custom_field_${uuidC.toUpperCase()}`]: 7,
      idempotency_key: "req-1",
    });
    expect(result).toEqual({
      ok: true,
      payload: {
        email: "Jane@Acme.com",
        linkedin_url: "https://linkedin.com/in/janesmith",
        first_name: "Jane",
        last_name: "Smith",
        title: "VP of Engineering",
        phone_number: "+14155550132",
        location: null,
        account_id: uuidA,
        domain: "acme.com",
        do_not_contact: false,
        tags: [uuidA, uuidB],
        custom_fields: { [`custom_field_${uuidC}`]: 7 },
      },
      idempotencyKey: "req-1",
    });
  });

  it("passes every field through as null", () => {
    const payload = expectPayload({
      email,
      linkedin_url: null,
      first_name: null,
      last_name: null,
      title: null,
      phone_number: null,
      location: null,
      account_id: null,
      domain: null,
      do_not_contact: null,
    });
    expect(payload).toEqual({
      email,
      linkedin_url: null,
      first_name: null,
      last_name: null,
      title: null,
      phone_number: null,
      location: null,
      account_id: null,
      domain: null,
      do_not_contact: null,
    });
  });
});

describe("parseUpsertContactRequest: every problem at once", () => {
  it("reports all bad fields, unknown keys and the identifier rule together", () => {
    const details = expectDetails({
      email: "   ",
      first_name: 1,
      title: "x".repeat(300),
      account_id: "nope",
      tags: [uuidA, "bad"],
      do_not_contact: "no",
      frist_name: "Jane",
      [`custom_field_${uuidA}`]: { nested: true },
    });
    expect(details.map((detail) => detail.path)).toEqual([
      "first_name",
      "title",
      "account_id",
      "do_not_contact",
      "tags[1]",
      "frist_name",
      `custom_field_${uuidA}`,
      "",
    ]);
    // Sentences a caller can read: non-empty and ending in a full stop or a question mark.
    for (const detail of details) {
      expect(detail.message).toMatch(/^\S.*[.?]$/);
    }
  });

  const badFields: Record<string, unknown> = {
    linkedin_url: "https://linkedin.com/company/acme",
    first_name: 42,
    last_name: "x".repeat(256),
    title: ["CTO"],
    phone_number: "1".repeat(65),
    location: false,
    account_id: "not-a-uuid",
    domain: "localhost",
    do_not_contact: "yes",
    tags: "not-an-array",
    idempotency_key: "",
    frist_name: "Jane",
    [`custom_field_${uuidA}`]: { nested: true },
    custom_field_industry: "SaaS",
    "first name": "Jane",
  };

  it("reports N problems for N independent bad fields", () => {
    fc.assert(
      fc.property(fc.subarray(Object.keys(badFields)), fc.boolean(), (keys, reverse) => {
        const ordered = reverse ? [...keys].reverse() : keys;
        const body: Record<string, unknown> = { email };
        for (const key of ordered) {
          body[key] = badFields[key];
        }
        const result = parse(body);
        if (keys.length === 0) {
          expect(result.ok).toBe(true);
          return;
        }
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(result.details).toHaveLength(keys.length);
          expect(result.details.map((detail) => detail.path).sort()).toEqual(
            keys.map((key) => formatIssuePath([key])).sort(),
          );
        }
      }),
    );
  });

  it("never throws, whatever JSON it is given", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.dictionary(
            fc.constantFrom(
              "email",
              "linkedin_url",
              "first_name",
              "domain",
              "tags",
              "account_id",
              "phone_number",
              "x",
            ),
            fc.jsonValue(),
          ),
        ),
        (body) => {
          const result = parse(body);
          if (result.ok) {
            expect(typeof result.payload).toBe("object");
          } else {
            expect(result.details.length).toBeGreaterThan(0);
          }
        },
      ),
    );
  });
});

describe("formatIssuePath", () => {
  it.each([
    [[], ""],
    [["email"], "email"],
    [["tags", 3], "tags[3]"],
    [["a", "b"], "a.b"],
    [[0], "[0]"],
    [[`custom_field_${uuidA}`], `custom_field_${uuidA}`],
    [["first name"], '["first name"]'],
    [["a", "b.c", 1], 'a["b.c"][1]'],
  ] as const)("formats %j as %j", (path, expected) => {
    expect(formatIssuePath(path)).toBe(expected);
  });
});
