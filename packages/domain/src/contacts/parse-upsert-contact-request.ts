import type { CountryCode } from "libphonenumber-js";
import { z } from "zod";
import type { ValidationDetail } from "../errors/domain-error";
import { createIssueBudget, isPlainObject, parseObjectBody } from "../errors/parse-object-body";
import { normaliseDomain } from "../normalise/domain";
import { isValidEmail } from "../normalise/email";
import { canonicaliseLinkedinUrl } from "../normalise/linkedin-url";
import { normalisePhoneNumber } from "../normalise/phone-number";
import { isStorableText, unstorableTextMessage } from "../text/storable-text";
import type { CustomFieldValue, UpsertContactPayload } from "./upsert-payload";

/** Limits enforced on `PUT /v1/contacts` bodies (string lengths are counted after trimming). */
export const upsertContactRequestLimits = {
  textMaxLength: 255,
  emailMaxLength: 320,
  linkedinUrlMaxLength: 2048,
  phoneNumberMaxLength: 64,
  domainMaxLength: 253,
  maxTags: 100,
  customFieldStringMaxLength: 10_000,
  idempotencyKeyMaxLength: 255,
} as const;

// Any UUID version (and the nil UUID), hyphenated, either case: the ids are opaque to us and
// Postgres's uuid type accepts the same. Braced or unhyphenated forms are not accepted.
const uuidSource = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const uuidPattern = new RegExp(`^${uuidSource}$`);
const customFieldKeyPattern = new RegExp(`^custom_field_(${uuidSource})$`);
const customFieldPrefix = "custom_field_";
function blankToNull(value: string): string | null {
  return value === "" ? null : value;
}

/** A trimmed string of at most `maxLength` characters; a blank string becomes null (clears). */
export function trimmedStringSchema(field: string, maxLength: number) {
  return z
    .string({ error: `${field} must be a string or null.` })
    .trim()
    .max(maxLength, { error: `${field} must be at most ${maxLength} characters long.` })
    .refine(isStorableText, { error: unstorableTextMessage(field) })
    .transform(blankToNull);
}

const textFieldSchema = (field: string) =>
  trimmedStringSchema(field, upsertContactRequestLimits.textMaxLength).nullable().optional();

const emailFieldSchema = trimmedStringSchema("email", upsertContactRequestLimits.emailMaxLength)
  .refine((value) => value === null || isValidEmail(value), {
    error: "email must be a valid email address, like jane@acme.com.",
  })
  .nullable()
  .optional();

const linkedinUrlFieldSchema = trimmedStringSchema(
  "linkedin_url",
  upsertContactRequestLimits.linkedinUrlMaxLength,
)
  .transform((value, ctx) => {
    if (value === null) {
      return null;
    }
    const canonical = canonicaliseLinkedinUrl(value);
    if (canonical === null) {
      ctx.addIssue({
        code: "custom",
        message: "linkedin_url must be a LinkedIn profile URL like https://linkedin.com/in/<slug>.",
      });
      return z.NEVER;
    }
    return canonical;
  })
  .nullable()
  .optional();

/** zod transform: the registrable domain of `value`, or an issue saying what a domain is. */
export function toRegistrableDomain(value: string, ctx: z.RefinementCtx<string | null>): string {
  const domain = normaliseDomain(value);
  if (domain === null) {
    ctx.addIssue({
      code: "custom",
      message: "domain must be a public domain name like acme.com (a URL such as https://acme.com is fine).",
    });
    return z.NEVER;
  }
  return domain;
}

const domainFieldSchema = trimmedStringSchema("domain", upsertContactRequestLimits.domainMaxLength)
  .transform((value, ctx) => (value === null ? null : toRegistrableDomain(value, ctx)))
  .nullable()
  .optional();

// Normalised to E.164 by parseUpsertContactRequest, which knows the organisation's default region.
const phoneNumberFieldSchema = trimmedStringSchema(
  "phone_number",
  upsertContactRequestLimits.phoneNumberMaxLength,
)
  .nullable()
  .optional();

const accountIdFieldSchema = z
  .string({ error: "account_id must be a UUID string or null." })
  .regex(uuidPattern, { error: "account_id must be a UUID, like 0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f." })
  .transform((value) => value.toLowerCase())
  .nullable()
  .optional();

const tagsFieldSchema = z
  .array(
    z
      .string({ error: "Each tag must be a tag id (a UUID string)." })
      .regex(uuidPattern, { error: "Each tag must be a tag id (a UUID)." }),
    { error: "tags must be an array of tag ids (UUIDs) or null." },
  )
  .max(upsertContactRequestLimits.maxTags, {
    error: `tags must contain at most ${upsertContactRequestLimits.maxTags} tag ids.`,
  })
  // Tags only ever append, so order and repetition carry no meaning: one canonical form.
  .transform((tags) => [...new Set(tags.map((tag) => tag.toLowerCase()))].sort())
  .nullable()
  .optional();

const doNotContactFieldSchema = z
  .boolean({ error: "do_not_contact must be true, false or null." })
  .nullable()
  .optional();

/**
 * An idempotency key, from the `idempotency_key` body field or the `Idempotency-Key` header:
 * any string of 1 to 255 characters, compared exactly (not trimmed, case-sensitive).
 */
export const idempotencyKeySchema = z
  .string({ error: "The idempotency key must be a string." })
  .min(1, { error: "The idempotency key must not be empty." })
  .max(upsertContactRequestLimits.idempotencyKeyMaxLength, {
    error: `The idempotency key must be at most ${upsertContactRequestLimits.idempotencyKeyMaxLength} characters long.`,
  })
  .refine(isStorableText, { error: unstorableTextMessage("The idempotency key") });

const knownFieldsShape = {
  email: emailFieldSchema,
  linkedin_url: linkedinUrlFieldSchema,
  first_name: textFieldSchema("first_name"),
  last_name: textFieldSchema("last_name"),
  title: textFieldSchema("title"),
  phone_number: phoneNumberFieldSchema,
  location: textFieldSchema("location"),
  account_id: accountIdFieldSchema,
  domain: domainFieldSchema,
  do_not_contact: doNotContactFieldSchema,
  tags: tagsFieldSchema,
  // null means "no key", the same as leaving it out.
  idempotency_key: idempotencyKeySchema.nullable().optional(),
};
type KnownField = keyof typeof knownFieldsShape;
const knownFields = Object.keys(knownFieldsShape) as KnownField[];

function isKnownField(key: string): key is KnownField {
  return Object.hasOwn(knownFieldsShape, key);
}

/** A value was supplied for an identifier-like field: not absent, not null and not blank. */
function isSupplied(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === "string" && value.trim() === "");
}

function isCustomFieldValue(value: unknown): value is CustomFieldValue {
  return (
    value === null ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value)) ||
    (typeof value === "string" &&
      value.length <= upsertContactRequestLimits.customFieldStringMaxLength &&
      isStorableText(value))
  );
}

function customFieldValueProblem(key: string, value: unknown): string | null {
  if (isCustomFieldValue(value)) {
    return null;
  }
  if (typeof value === "number") {
    return `${key} must be a finite number.`;
  }
  if (typeof value === "string") {
    return value.length > upsertContactRequestLimits.customFieldStringMaxLength
      ? `${key} must be at most ${upsertContactRequestLimits.customFieldStringMaxLength} characters long.`
      : unstorableTextMessage(key);
  }
  return `${key} must be a string, a number, a boolean or null.`;
}

/** Canonical key of a custom field (`custom_field_<lower-case uuid>`), or null if `key` is not one. */
function customFieldKeyOf(key: string): string | null {
  const id = customFieldKeyPattern.exec(key)?.[1];
  return id === undefined ? null : `${customFieldPrefix}${id.toLowerCase()}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Whether `a` is at most two edits from `b`; a longer key is never compared letter by letter. */
function isTypoOf(a: string, b: string): boolean {
  return Math.abs(a.length - b.length) <= 2 && editDistance(a, b) <= 2;
}

function unknownFieldMessage(key: string): string {
  if (key.toLowerCase().startsWith(customFieldPrefix)) {
    return `Unknown field ${JSON.stringify(key)}: custom fields must be named custom_field_<uuid>.`;
  }
  const lowerKey = key.toLowerCase();
  const suggestion = knownFields.find((field) => isTypoOf(lowerKey, field));
  if (suggestion !== undefined && suggestion !== "idempotency_key") {
    return `Unknown field ${JSON.stringify(key)}. Did you mean "${suggestion}"?`;
  }
  return `Unknown field ${JSON.stringify(key)}. Known fields are ${knownFields.join(", ")}, and custom fields named custom_field_<uuid>.`;
}

const requestBodySchema = z
  .object(knownFieldsShape, { error: "The request body must be a JSON object." })
  .catchall(z.unknown());
type RequestBody = z.output<typeof requestBodySchema>;

/** Rules that look at more than one key: unknown keys, custom fields, required identifiers. */
function checkWholeBody(body: RequestBody, ctx: z.RefinementCtx<RequestBody>): void {
  checkFields(body, ctx);
  // A field that is present but invalid counts as supplied: its own error already says what to
  // fix, and repeating "is required" beside it would point the caller the wrong way.
  const hasEmail = isSupplied(body.email);
  if (!hasEmail && !isSupplied(body.linkedin_url)) {
    ctx.addIssue({ code: "custom", path: [], message: "Either email or linkedin_url is required." });
  } else if (!hasEmail && !isSupplied(body.account_id) && !isSupplied(body.domain)) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message:
        "account_id or domain is required when linkedin_url is given without email, so the contact can be associated with an account.",
    });
  }
}

/** Unknown keys and custom fields (every body); a patch needs no identifier. */
function checkFields(body: RequestBody, ctx: z.RefinementCtx<RequestBody>): void {
  const seenCustomFields = new Map<string, string>();
  // Thousands of bad keys: only those a 422 can list get a message (and a typo suggestion).
  const issues = createIssueBudget(ctx);
  for (const key of Object.keys(body)) {
    if (isKnownField(key)) {
      continue;
    }
    const customFieldKey = customFieldKeyOf(key);
    if (customFieldKey === null) {
      issues.add([key], () => unknownFieldMessage(key));
      continue;
    }
    const earlierKey = seenCustomFields.get(customFieldKey);
    if (earlierKey !== undefined) {
      issues.add(
        [key],
        () =>
          `${key} is the same custom field as ${earlierKey} (custom field ids are case-insensitive); send it once.`,
      );
      continue;
    }
    seenCustomFields.set(customFieldKey, key);
    const problem = customFieldValueProblem(key, body[key]);
    if (problem !== null) {
      issues.add([key], () => problem);
    }
  }
  issues.close();
}

/** A patch's rules: the fields' (no identifier is required), and no `domain`. */
function checkPatchBody(body: RequestBody, ctx: z.RefinementCtx<RequestBody>): void {
  checkFields(body, ctx);
  if (body.domain !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["domain"],
      message: "domain cannot be patched: send account_id to move the contact to another account.",
    });
  }
}

function toParsedRequest(body: RequestBody): ParsedUpsertContactRequest {
  const payload: UpsertContactPayload = {};
  // Absent stays absent (leave untouched); null is kept (clear).
  if (body.email !== undefined) payload.email = body.email;
  if (body.linkedin_url !== undefined) payload.linkedin_url = body.linkedin_url;
  if (body.first_name !== undefined) payload.first_name = body.first_name;
  if (body.last_name !== undefined) payload.last_name = body.last_name;
  if (body.title !== undefined) payload.title = body.title;
  if (body.phone_number !== undefined) payload.phone_number = body.phone_number;
  if (body.location !== undefined) payload.location = body.location;
  if (body.account_id !== undefined) payload.account_id = body.account_id;
  if (body.domain !== undefined) payload.domain = body.domain;
  if (body.do_not_contact !== undefined) payload.do_not_contact = body.do_not_contact;
  // null and [] both mean "append nothing" (tags never clear), so both leave tags out.
  if (body.tags !== undefined && body.tags !== null && body.tags.length > 0) {
    payload.tags = body.tags;
  }
  const customFields: Record<string, CustomFieldValue> = {};
  let hasCustomFields = false;
  for (const [key, value] of Object.entries(body)) {
    const customFieldKey = customFieldKeyOf(key);
    if (customFieldKey !== null && isCustomFieldValue(value)) {
      customFields[customFieldKey] = value;
      hasCustomFields = true;
    }
  }
  if (hasCustomFields) {
    payload.custom_fields = customFields;
  }
  return { payload, idempotencyKey: body.idempotency_key ?? undefined };
}

export interface ParsedUpsertContactRequest {
  payload: UpsertContactPayload;
  idempotencyKey: string | undefined;
}

/**
 * The body of `PUT /v1/contacts`. Strict: a key that is neither a known field nor
 * `custom_field_<uuid>` is an error. Every problem is reported in one pass, field errors and
 * whole-body rules alike. The output `payload` is normalised except `phone_number`, which is only
 * trimmed here because E.164 conversion needs the default region: use parseUpsertContactRequest.
 */
export const upsertContactRequestSchema = requestBodySchema
  .superRefine(checkWholeBody, {
    // Run even when single fields failed, so the caller sees everything at once.
    when: (payload) => isPlainObject(payload.value),
  })
  .transform(toParsedRequest);

export interface ParseUpsertContactRequestOptions {
  /** Region assumed for phone numbers written without a country code. */
  defaultPhoneRegion: CountryCode;
}

export type ParseUpsertContactRequestResult =
  | { ok: true; payload: UpsertContactPayload; idempotencyKey: string | undefined }
  /** `unlistedProblems`: more problems counted but not described (pass both to invalidRequestError). */
  | { ok: false; details: ValidationDetail[]; unlistedProblems: number };

/**
 * Validates and normalises a `PUT /v1/contacts` body (already JSON-decoded). On failure, returns
 * every problem found, each with a path (`email`, `tags[3]`, `custom_field_<uuid>`, or "" for the
 * body as a whole) and a message the caller can act on.
 */
export function parseUpsertContactRequest(
  body: unknown,
  options: ParseUpsertContactRequestOptions,
): ParseUpsertContactRequestResult {
  const result = parseObjectBody(upsertContactRequestSchema, body, unknownFieldMessage);
  if (!result.ok) return result;
  const { payload, idempotencyKey } = result.data;
  if (typeof payload.phone_number === "string") {
    return {
      ok: true,
      payload: {
        ...payload,
        phone_number: normalisePhoneNumber(payload.phone_number, options.defaultPhoneRegion),
      },
      idempotencyKey,
    };
  }
  return { ok: true, payload, idempotencyKey };
}

/** `PATCH /v1/contacts/{id}`: see parsePatchContactRequest. */
export const patchContactRequestSchema = requestBodySchema
  .superRefine(checkPatchBody, { when: (payload) => isPlainObject(payload.value) })
  .transform((body) => {
    const parsed = toParsedRequest(body);
    // On a patch `tags` replace the contact's tags: [] and null clear them.
    if (body.tags !== undefined) parsed.payload.tags = body.tags ?? [];
    return parsed;
  });

/**
 * Validates and normalises a `PATCH /v1/contacts/{id}` body: the fields of `PUT /v1/contacts`
 * except `domain`, none required, and `tags` replace the contact's tags (an upsert appends).
 */
export function parsePatchContactRequest(
  body: unknown,
  options: ParseUpsertContactRequestOptions,
): ParseUpsertContactRequestResult {
  const result = parseObjectBody(patchContactRequestSchema, body, unknownFieldMessage);
  if (!result.ok) return result;
  const { payload, idempotencyKey } = result.data;
  if (typeof payload.phone_number === "string") {
    payload.phone_number = normalisePhoneNumber(payload.phone_number, options.defaultPhoneRegion);
  }
  return { ok: true, payload, idempotencyKey };
}
