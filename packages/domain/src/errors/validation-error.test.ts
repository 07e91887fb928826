import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseUpsertAccountRequest } from "../accounts/parse-upsert-account-request";
import { parseUpsertContactRequest } from "../contacts/parse-upsert-contact-request";
import { parseCreateCustomFieldRequest } from "../custom-fields/create-custom-field-request";
import { parseCreateTagRequest } from "../tags/create-tag-request";
import { DomainError, type ValidationDetail } from "./domain-error";
import { boundValidationDetails, invalidRequestError, validationReportLimits } from "./validation-error";

const maxAnswerBytes = 16 * 1024;
const { maxListedProblems } = validationReportLimits;

/** The 422 body the API sends for `error` (see apps/api's sendError), and its size in bytes. */
function answerOf(error: DomainError): { body: string; bytes: number } {
  const body = JSON.stringify({
    error: { code: error.code, message: error.message, details: error.details },
  });
  return { body, bytes: Buffer.byteLength(body) };
}

/** Runs a parser the way the API does and returns the 422 it would answer with. */
function rejectionOf(parse: () => unknown): DomainError {
  try {
    const result = parse() as { ok?: boolean; details?: ValidationDetail[]; unlistedProblems?: number };
    if (result.ok === false && result.details) {
      return invalidRequestError(result.details, result.unlistedProblems);
    }
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error("expected the body to be rejected");
}

const parsers = {
  contacts: (body: unknown) => parseUpsertContactRequest(body, { defaultPhoneRegion: "US" }),
  accounts: parseUpsertAccountRequest,
  tags: parseCreateTagRequest,
  "custom fields": parseCreateCustomFieldRequest,
} as const;

const validBodies: Record<keyof typeof parsers, Record<string, unknown>> = {
  contacts: { email: "jane@acme.com" },
  accounts: { domain: "acme.com" },
  tags: { object: "contacts", name: "VIP" },
  "custom fields": { entity: "contacts", name: "Score", type: "number" },
};

function withUnknownKeys(body: Record<string, unknown>, count: number): Record<string, unknown> {
  const out = { ...body };
  for (let i = 0; i < count; i += 1) out[`unknown_field_${i}`] = i;
  return out;
}

describe("a 422 stays small whatever the body", () => {
  it.each(Object.keys(parsers) as (keyof typeof parsers)[])(
    "%s: 12,000 unknown keys give 10 listed problems and a count of the rest, under 16 KB",
    (name) => {
      const body = withUnknownKeys(validBodies[name], 12_000);
      const error = rejectionOf(() => parsers[name](body));
      expect(error.message).toBe("The request has 12000 invalid fields.");
      const details = error.details as ValidationDetail[];
      expect(details).toHaveLength(maxListedProblems + 1);
      expect(details.slice(0, maxListedProblems).map((detail) => detail.path)).toEqual(
        Array.from({ length: maxListedProblems }, (_, i) => `unknown_field_${i}`),
      );
      expect(details.at(-1)).toEqual({
        path: "",
        message:
          "…and 11990 more problems, not listed. Fix the ones above and send the request again to see the rest.",
      });
      expect(answerOf(error).bytes).toBeLessThan(maxAnswerBytes);
    },
  );

  it("contacts: the first unknown keys still get their typo suggestion", () => {
    const body = { ...withUnknownKeys({ email: "jane@acme.com" }, 12_000), frist_name: "Jane" };
    const details = rejectionOf(() => parsers.contacts(body)).details as ValidationDetail[];
    // Keys are examined in insertion order: frist_name came last, so it is counted, not listed.
    expect(details.map((detail) => detail.path)).not.toContain("frist_name");
    const early = rejectionOf(() =>
      parsers.contacts({ email: "jane@acme.com", frist_name: "Jane", ...withUnknownKeys({}, 500) }),
    ).details as ValidationDetail[];
    expect(early[0]).toEqual({
      path: "frist_name",
      message: 'Unknown field "frist_name". Did you mean "first_name"?',
    });
  });

  it("contacts: thousands of bad custom field values are counted, ten described", () => {
    const body: Record<string, unknown> = { email: "jane@acme.com" };
    for (let i = 0; i < 5_000; i += 1) {
      body[`custom_field_00000000-0000-4000-8000-${String(i).padStart(12, "0")}`] = { nested: true };
    }
    const error = rejectionOf(() => parsers.contacts(body));
    expect(error.message).toBe("The request has 5000 invalid fields.");
    expect(error.details).toHaveLength(maxListedProblems + 1);
    expect(answerOf(error).bytes).toBeLessThan(maxAnswerBytes);
  });

  it.each(Object.keys(parsers) as (keyof typeof parsers)[])(
    "%s: one 200,000-character key (control characters escape to 6 bytes each) is cut short",
    (name) => {
      const hugeKey = `${"\u0001".repeat(100_000)}${"x".repeat(100_000)}`;
      const error = rejectionOf(() =>
        parsers[name]({ ...validBodies[name], [hugeKey]: 1, [`${hugeKey}y`]: 2 }),
      );
      const details = error.details as ValidationDetail[];
      expect(details).toHaveLength(2);
      for (const detail of details) {
        expect(detail.path.length).toBeLessThanOrEqual(validationReportLimits.maxPathLength);
        expect(detail.message.length).toBeLessThanOrEqual(validationReportLimits.maxMessageLength);
        expect(detail.path.endsWith("…")).toBe(true);
      }
      expect(answerOf(error).bytes).toBeLessThan(maxAnswerBytes);
    },
  );

  it("never cuts a surrogate pair in half", () => {
    const [detail] = boundValidationDetails([{ path: "😀".repeat(500), message: `x${"😀".repeat(500)}` }]);
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    expect(detail?.path).not.toMatch(loneSurrogate);
    expect(detail?.message).not.toMatch(loneSurrogate);
    expect(detail?.message.endsWith("…")).toBe(true);
  });

  it("lists every problem, unshortened, when there are few", () => {
    const details = [
      { path: "email", message: "email must be a valid email address, like jane@acme.com." },
      { path: "tags[3]", message: "Each tag must be a tag id (a UUID)." },
    ];
    expect(boundValidationDetails(details)).toEqual(details);
    expect(invalidRequestError(details).message).toBe("The request has 2 invalid fields.");
  });

  it("stays under 16 KB for any JSON object, for every parser", () => {
    const anyKey = fc.oneof(
      fc.string({ unit: "binary", maxLength: 1_500 }),
      fc.constantFrom("email", "domain", "name", "tags", "options", "custom_field_x", "__proto__"),
    );
    const anyBody = fc.dictionary(anyKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 200 });
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(parsers) as (keyof typeof parsers)[])),
        anyBody,
        (name, body) => {
          let error: DomainError;
          try {
            error = rejectionOf(() => parsers[name](body));
          } catch {
            return; // accepted: nothing to answer with a 422
          }
          expect(answerOf(error).bytes).toBeLessThan(maxAnswerBytes);
          expect((error.details as ValidationDetail[]).length).toBeLessThanOrEqual(maxListedProblems + 1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
