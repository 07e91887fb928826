import { z } from "zod";
import { invalidRequestError, validationDetailsOf } from "../errors/validation-error";
import { isStorableText, unstorableTextMessage } from "../text/storable-text";

/** Monaco's TagObject: the object types a tag can apply to. */
export const tagObjects = ["contacts", "accounts", "opportunities"] as const;
export type TagObject = (typeof tagObjects)[number];

/** Monaco's DisplayColorEnum. */
export const displayColors = ["green", "blue", "red", "yellow", "purple", "berry", "peach", "gray"] as const;
export type DisplayColor = (typeof displayColors)[number];

export const tagNameMaxLength = 100;

// Monaco's pattern for tag names: letters, digits and whitespace.
const tagNamePattern = /^[a-zA-Z0-9\s]+$/;

const tagObjectSchema = z.enum(tagObjects, {
  error: (issue) =>
    issue.input === undefined
      ? `object is required: one of ${tagObjects.join(", ")}.`
      : `object must be one of ${tagObjects.join(", ")}.`,
});

// A tag's name, trimmed before it is checked (creates and updates).
const tagNameSchema = (typeError: string) =>
  z
    .string({ error: typeError })
    .trim()
    // `abort`: one message per problem, not "too short" and "bad characters" for an empty name.
    .refine(isStorableText, { error: unstorableTextMessage("name"), abort: true })
    .min(1, { error: "name must not be empty.", abort: true })
    .max(tagNameMaxLength, {
      error: `name must be at most ${tagNameMaxLength} characters long.`,
      abort: true,
    })
    .regex(tagNamePattern, { error: "name may contain only letters, digits and spaces." });

const tagColorSchema = z.enum(displayColors, {
  error: `color must be one of ${displayColors.join(", ")}, or null.`,
});

/** `POST /v1/tags` (Monaco's TagCreateRequest). */
export const createTagRequestSchema = z.strictObject(
  {
    object: tagObjectSchema,
    name: tagNameSchema("name is required and must be a string."),
    color: tagColorSchema
      .nullable()
      .optional()
      .transform((color) => color ?? null),
  },
  // Unknown keys are reported one by one by toInvalidRequestError, so only the body's type needs a message.
  { error: "The request body must be a JSON object." },
);
export type CreateTagRequest = z.infer<typeof createTagRequestSchema>;

/**
 * `PATCH /v1/tags/{id}` (Monaco's TagUpdateRequest): the name and/or the color. A name cannot
 * be removed, so `name: null` leaves it as it is; `color: null` removes the color. The object
 * type cannot be changed (an `object` key is refused as unknown).
 */
export const updateTagRequestSchema = z.strictObject(
  {
    name: tagNameSchema("name must be a string, or null to keep it.").nullable().optional(),
    color: tagColorSchema.nullable().optional(),
  },
  { error: "The request body must be a JSON object." },
);
export type UpdateTagRequest = z.infer<typeof updateTagRequestSchema>;

/** Validates a `PATCH /v1/tags/{id}` body; throws `unprocessable_entity` listing every problem. */
export function parseUpdateTagRequest(body: unknown): UpdateTagRequest {
  const result = updateTagRequestSchema.safeParse(body);
  if (!result.success) throw invalidRequestError(validationDetailsOf(result.error));
  return result.data;
}

/** The query of `GET /v1/tags`: an optional `object` filter. Other parameters are ignored. */
export const listTagsQuerySchema = z.object({ object: tagObjectSchema.optional() });
export type ListTagsQuery = z.infer<typeof listTagsQuerySchema>;

/** Validates a `POST /v1/tags` body; throws `unprocessable_entity` listing every problem. */
export function parseCreateTagRequest(body: unknown): CreateTagRequest {
  const result = createTagRequestSchema.safeParse(body);
  if (!result.success) throw invalidRequestError(validationDetailsOf(result.error));
  return result.data;
}

/** Validates the query of `GET /v1/tags`; throws `unprocessable_entity` listing every problem. */
export function parseListTagsQuery(query: unknown): ListTagsQuery {
  const result = listTagsQuerySchema.safeParse(query);
  if (!result.success) throw invalidRequestError(validationDetailsOf(result.error));
  return result.data;
}

/** What makes two tag names the same: names are unique per object type regardless of case. */
export function normaliseTagName(name: string): string {
  return name.toLowerCase();
}
