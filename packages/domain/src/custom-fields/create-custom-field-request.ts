import { z } from "zod";
import type { CustomFieldType } from "../contacts/contact-record";
import { invalidRequestError, validationDetailsOf } from "../errors/validation-error";
import { isStorableText, unstorableTextMessage } from "../text/storable-text";

/** Entities custom fields can be defined on: upserts only write contact fields. */
export const customFieldEntities = ["contacts"] as const;
export type CustomFieldEntity = (typeof customFieldEntities)[number];

export const customFieldTypes = [
  "string",
  "number",
  "boolean",
  "date",
  "enum",
] as const satisfies readonly CustomFieldType[];

export const customFieldLimits = {
  nameMaxLength: 100,
  maxOptions: 100,
  optionMaxLength: 100,
} as const;

const { nameMaxLength, maxOptions, optionMaxLength } = customFieldLimits;

const requestBodySchema = z.strictObject(
  {
    entity: z.enum(customFieldEntities, {
      error: `entity must be one of ${customFieldEntities.join(", ")}.`,
    }),
    name: z
      .string({ error: "name is required and must be a string." })
      .trim()
      .refine(isStorableText, { error: unstorableTextMessage("name"), abort: true })
      .min(1, { error: "name must not be empty.", abort: true })
      .max(nameMaxLength, { error: `name must be at most ${nameMaxLength} characters long.` }),
    type: z.enum(customFieldTypes, { error: `type must be one of ${customFieldTypes.join(", ")}.` }),
    options: z
      .array(
        z
          .string({ error: "each option must be a string." })
          .trim()
          .refine(isStorableText, { error: unstorableTextMessage("an option"), abort: true })
          .min(1, { error: "an option must not be empty.", abort: true })
          .max(optionMaxLength, { error: `an option must be at most ${optionMaxLength} characters long.` }),
        { error: "options must be an array of strings." },
      )
      .max(maxOptions, { error: `options may list at most ${maxOptions} values.` })
      .nullable()
      .optional(),
  },
  // Unknown keys are reported one by one by toInvalidRequestError, so only the body's type needs a message.
  { error: "The request body must be a JSON object." },
);

/**
 * `POST /v1/custom-fields`. Enum fields need a non-empty list of unique options (compared after
 * trimming, exactly as upsert values are compared); other types take none.
 */
export const createCustomFieldRequestSchema = requestBodySchema
  .superRefine(checkOptions, {
    // Run even when other fields failed, so the caller sees every problem at once.
    when: (payload) =>
      typeof payload.value === "object" && payload.value !== null && !Array.isArray(payload.value),
  })
  .transform(({ options, ...rest }) => ({ ...rest, options: options ?? [] }));
export type CreateCustomFieldRequest = z.infer<typeof createCustomFieldRequestSchema>;

/** Validates a `POST /v1/custom-fields` body; throws `unprocessable_entity` listing every problem. */
export function parseCreateCustomFieldRequest(body: unknown): CreateCustomFieldRequest {
  const result = createCustomFieldRequestSchema.safeParse(body);
  if (!result.success) throw invalidRequestError(validationDetailsOf(result.error));
  return result.data;
}

function checkOptions(body: { type?: unknown; options?: unknown }, ctx: z.RefinementCtx): void {
  const { type, options } = body;
  if (type === "enum") {
    if (options === undefined || options === null) {
      ctx.addIssue({ code: "custom", path: ["options"], message: "options is required when type is enum." });
    } else if (Array.isArray(options)) {
      if (options.length === 0) {
        ctx.addIssue({ code: "custom", path: ["options"], message: "options must list at least one value." });
      }
      const seen = new Set<string>();
      options.forEach((option: unknown, index) => {
        if (typeof option !== "string") return;
        const value = option.trim();
        if (seen.has(value)) {
          ctx.addIssue({ code: "custom", path: ["options", index], message: `"${value}" is listed twice.` });
        }
        seen.add(value);
      });
    }
  } else if (isCustomFieldType(type) && options !== undefined && options !== null) {
    ctx.addIssue({
      code: "custom",
      path: ["options"],
      message: "options is only allowed when type is enum.",
    });
  }
}

function isCustomFieldType(value: unknown): value is CustomFieldType {
  return (customFieldTypes as readonly unknown[]).includes(value);
}

/** The query of `GET /v1/custom-fields`: an optional `entity` filter. Other parameters are ignored. */
export const listCustomFieldsQuerySchema = z.object({
  entity: z
    .enum(customFieldEntities, { error: `entity must be one of ${customFieldEntities.join(", ")}.` })
    .optional(),
});
export type ListCustomFieldsQuery = z.infer<typeof listCustomFieldsQuerySchema>;

/** Validates the query of `GET /v1/custom-fields`; throws `unprocessable_entity` listing every problem. */
export function parseListCustomFieldsQuery(query: unknown): ListCustomFieldsQuery {
  const result = listCustomFieldsQuerySchema.safeParse(query);
  if (!result.success) throw invalidRequestError(validationDetailsOf(result.error));
  return result.data;
}
