import { z } from "zod";
import {
  idempotencyKeySchema,
  toRegistrableDomain,
  trimmedStringSchema,
  upsertContactRequestLimits,
} from "../contacts/parse-upsert-contact-request";
import type { ValidationDetail } from "../errors/domain-error";
import { createIssueBudget, isPlainObject, parseObjectBody } from "../errors/parse-object-body";
import { isStorableText, unstorableTextMessage } from "../text/storable-text";

/** What `PUT /v1/accounts` asks for, normalised: absent leaves a field alone, null clears it. */
export interface UpsertAccountPayload {
  /** Registrable domain: the account's identity. */
  domain: string;
  name?: string | null;
  /** https://linkedin.com/company/<slug> */
  linkedin_url?: string | null;
  status?: string | null;
  notes?: string | null;
}

const companyPagePattern =
  /^(?:https?:\/\/)?(?:[a-z]{2,3}\.)?linkedin\.com\/company\/([^/?#\s]+)\/?(?:[?#].*)?$/i;

const domainSchema = z
  .string({ error: "domain is required: the company's domain, like acme.com." })
  .trim()
  .refine(isStorableText, { error: unstorableTextMessage("domain"), abort: true })
  .max(upsertContactRequestLimits.domainMaxLength, {
    error: `domain must be at most ${upsertContactRequestLimits.domainMaxLength} characters long.`,
  })
  .transform(toRegistrableDomain);

const companyPageSchema = trimmedStringSchema("linkedin_url", upsertContactRequestLimits.linkedinUrlMaxLength)
  .transform((value, ctx) => {
    if (value === null) return null;
    const slug = companyPagePattern.exec(value)?.[1];
    if (slug === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "linkedin_url must be a LinkedIn company page URL like https://linkedin.com/company/<slug>.",
      });
      return z.NEVER;
    }
    // Kept as sent (not percent-decoded), so what is stored is always plain, storable text.
    return `https://linkedin.com/company/${slug.toLowerCase()}`;
  })
  .nullable()
  .optional();

/** Monaco fields this service does not keep for accounts: refused, so nothing is silently lost. */
const unsupportedFields: Record<string, string> = {
  owner: "owner is not supported: this service has no users to assign.",
  tags: "tags on accounts are not supported by this service yet; tag the account's contacts instead.",
};

const knownFieldsShape = {
  domain: domainSchema,
  name: trimmedStringSchema("name", upsertContactRequestLimits.textMaxLength).nullable().optional(),
  linkedin_url: companyPageSchema,
  status: trimmedStringSchema("status", upsertContactRequestLimits.textMaxLength).nullable().optional(),
  notes: trimmedStringSchema("notes", upsertContactRequestLimits.customFieldStringMaxLength)
    .nullable()
    .optional(),
  // null means "no key", the same as leaving it out.
  idempotency_key: idempotencyKeySchema.nullable().optional(),
};

function unknownFieldMessage(key: string): string {
  if (key.toLowerCase().startsWith("custom_field_"))
    return `${key}: custom fields on accounts are not supported by this service yet.`;
  // Own keys only: `__proto__` (an own key of a parsed body) must not find Object.prototype.
  const unsupported = Object.hasOwn(unsupportedFields, key) ? unsupportedFields[key] : undefined;
  return (
    unsupported ??
    `Unknown field ${JSON.stringify(key)}. Known fields are domain, name, linkedin_url, status and notes.`
  );
}

/** The body `PUT /v1/accounts` validates with (unknown keys are refused one by one). */
export const upsertAccountRequestSchema = z
  .object(knownFieldsShape, { error: "The request body must be a JSON object." })
  .catchall(z.unknown())
  .superRefine(
    (body, ctx) => {
      const issues = createIssueBudget(ctx);
      for (const key of Object.keys(body)) {
        if (!Object.hasOwn(knownFieldsShape, key)) issues.add([key], () => unknownFieldMessage(key));
      }
      issues.close();
    },
    // Run even when single fields failed, so the caller sees everything at once.
    { when: (payload) => isPlainObject(payload.value) },
  );

export type ParseUpsertAccountRequestResult =
  | { ok: true; payload: UpsertAccountPayload; idempotencyKey: string | undefined }
  /** `unlistedProblems`: more problems counted but not described (pass both to invalidRequestError). */
  | { ok: false; details: ValidationDetail[]; unlistedProblems: number };

/**
 * Validates and normalises a `PUT /v1/accounts` body (already JSON-decoded): `domain` is required
 * and becomes the registrable domain (`www.eu.acme.co.uk` → `acme.co.uk`). Every problem is
 * reported at once, each with its path.
 */
export function parseUpsertAccountRequest(body: unknown): ParseUpsertAccountRequestResult {
  const result = parseObjectBody(upsertAccountRequestSchema, body, unknownFieldMessage);
  if (!result.ok) return result;
  const { domain, name, linkedin_url, status, notes, idempotency_key } = result.data;
  const payload: UpsertAccountPayload = { domain };
  // Absent stays absent (leave untouched); null is kept (clear).
  if (name !== undefined) payload.name = name;
  if (linkedin_url !== undefined) payload.linkedin_url = linkedin_url;
  if (status !== undefined) payload.status = status;
  if (notes !== undefined) payload.notes = notes;
  return { ok: true, payload, idempotencyKey: idempotency_key ?? undefined };
}

/** The fields `PATCH /v1/accounts/{id}` sets: those of `PUT /v1/accounts` but the domain (its identity). */
export type PatchAccountPayload = Omit<UpsertAccountPayload, "domain">;

const { domain: _domain, ...patchFieldsShape } = knownFieldsShape;

/** `PATCH /v1/accounts/{id}`: see parsePatchAccountRequest. */
export const patchAccountRequestSchema = z
  .object(patchFieldsShape, { error: "The request body must be a JSON object." })
  .catchall(z.unknown())
  .superRefine(
    (body, ctx) => {
      const issues = createIssueBudget(ctx);
      for (const key of Object.keys(body)) {
        if (Object.hasOwn(patchFieldsShape, key)) continue;
        issues.add([key], () =>
          key === "domain"
            ? "domain cannot be patched: it is the account's identity (PUT /v1/accounts with the new domain)."
            : unknownFieldMessage(key),
        );
      }
      issues.close();
    },
    { when: (payload) => isPlainObject(payload.value) },
  );

export type ParsePatchAccountRequestResult =
  | { ok: true; payload: PatchAccountPayload; idempotencyKey: string | undefined }
  | { ok: false; details: ValidationDetail[]; unlistedProblems: number };

/** Validates and normalises a `PATCH /v1/accounts/{id}` body: name, linkedin_url, status, notes. */
export function parsePatchAccountRequest(body: unknown): ParsePatchAccountRequestResult {
  const result = parseObjectBody(patchAccountRequestSchema, body, unknownFieldMessage);
  if (!result.ok) return result;
  const { name, linkedin_url, status, notes, idempotency_key } = result.data;
  const payload: PatchAccountPayload = {};
  if (name !== undefined) payload.name = name;
  if (linkedin_url !== undefined) payload.linkedin_url = linkedin_url;
  if (status !== undefined) payload.status = status;
  if (notes !== undefined) payload.notes = notes;
  return { ok: true, payload, idempotencyKey: idempotency_key ?? undefined };
}
