import { filterConditions, listRequestLimits, maxListPage } from "@upsert/domain";
import { z } from "zod";
import type { ZodOpenApiOperationObject } from "zod-openapi";
import {
  authenticatedErrors,
  dataResponse,
  errorResponses,
  jsonBodyErrors,
  responseMetaSchema,
} from "./components";

// The list parser (packages/domain/src/lists) checks each rule against the entity's fields, so
// its request schema is not one zod object; these describe the same shape and limits.

/** Monaco's FilterRule: a field, a condition and (except for is_empty / is_not_empty) a value. */
const filterRuleSchema = z
  .strictObject({
    field: z
      .string()
      .meta({ description: "A field key from `GET /v1/schemas/{entity}`", examples: ["email"] }),
    condition: z.enum(filterConditions),
    value: z.unknown().optional().meta({ description: "One value, or a list of them for `is` / `is_not`" }),
  })
  .meta({ id: "FilterRule" });

type FilterExpression = {
  operator?: "and" | "or";
  filters: (FilterExpression | z.infer<typeof filterRuleSchema>)[];
};

/** Monaco's FilterExpression: rules and nested expressions joined by `and` (the default) or `or`. */
const filterExpressionSchema: z.ZodType<FilterExpression> = z
  .strictObject({
    operator: z.enum(["and", "or"]).optional(),
    get filters() {
      return z.array(z.union([filterRuleSchema, filterExpressionSchema]));
    },
  })
  .meta({ id: "FilterExpression" });

function listRequestSchema(id: string) {
  return z
    .strictObject({
      filters: z
        .union([z.array(filterRuleSchema), filterExpressionSchema])
        .optional()
        .meta({
          description: `A flat list of rules (ANDed) or a nested expression; at most ${listRequestLimits.maxRules} rules, ${listRequestLimits.maxDepth} levels deep.`,
        }),
      sort: z
        .string()
        .optional()
        .meta({
          description: "A sortable field key, `-` first for descending; default `-created_at`",
          examples: ["-updated_at"],
        }),
      page: z.int().min(1).max(maxListPage).optional().meta({ description: "1-indexed; default 1" }),
      page_size: z
        .int()
        .min(1)
        .max(listRequestLimits.maxPageSize)
        .optional()
        .meta({ description: "Default 50" }),
      include_custom_fields: z.boolean().optional().meta({ description: "Default true" }),
    })
    .meta({ id });
}

export const paginationSchema = z
  .strictObject({
    page: z.int(),
    page_size: z.int(),
    total_count: z.int().meta({
      description:
        "Exact up to LIST_COUNT_LIMIT rows past the page; beyond it a lower bound (see total_count_exact)",
    }),
    total_pages: z.int(),
    total_count_exact: z.boolean(),
  })
  .meta({ id: "PaginationInfo" });

/** `POST /v1/<entity>/list`: Monaco's list operation around `item`. */
export function listOperation(options: {
  operationId: string;
  tag: string;
  summary: string;
  requestId: string;
  responseId: string;
  item: z.ZodType;
}): ZodOpenApiOperationObject {
  const envelope = z
    .strictObject({ data: z.array(options.item), pagination: paginationSchema, meta: responseMetaSchema })
    .meta({ id: options.responseId });
  return {
    operationId: options.operationId,
    tags: [options.tag],
    summary: options.summary,
    description:
      "Filters, sorts and pages the organisation's records; each item is what the single GET answers. An unknown field, an unsupported condition or an unsortable field is a 422 naming it.",
    requestBody: {
      required: true,
      content: { "application/json": { schema: listRequestSchema(options.requestId) } },
    },
    responses: {
      "200": dataResponse("One page of records", envelope),
      ...errorResponses(...jsonBodyErrors, ...authenticatedErrors),
    },
  };
}
