import { z } from "zod";
import type { ValidationDetail } from "../errors/domain-error";
import { validationDetailsOf } from "../errors/validation-error";
import { listRequestLimits } from "../lists/parse-list-request";

export const batchItemStatuses = ["queued", "running", "succeeded", "failed", "rejected"] as const;
export type BatchItemStatusFilter = (typeof batchItemStatuses)[number];

const pageSizeMessage = `page_size must be an integer from 1 to ${listRequestLimits.maxPageSize}.`;
const integerText = (message: string) =>
  z
    .string()
    .regex(/^\d{1,9}$/, { error: message })
    .transform(Number);

const batchItemsQuerySchema = z.object({
  page: integerText("page must be an integer of at least 1.")
    .pipe(z.number().min(1, { error: "page must be an integer of at least 1." }))
    .optional(),
  page_size: integerText(pageSizeMessage)
    .pipe(
      z
        .number()
        .min(1, { error: pageSizeMessage })
        .max(listRequestLimits.maxPageSize, { error: pageSizeMessage }),
    )
    .optional(),
  status: z
    .enum(batchItemStatuses, { error: `status must be one of ${batchItemStatuses.join(", ")}.` })
    .optional(),
});

export interface BatchItemsQuery {
  page: number;
  pageSize: number;
  status: BatchItemStatusFilter | null;
}

/** `GET /v1/batches/{id}/items?page=&page_size=&status=`: pages as Monaco's lists (50 by default). */
export function parseBatchItemsQuery(
  query: Record<string, unknown>,
): { ok: true; query: BatchItemsQuery } | { ok: false; details: ValidationDetail[] } {
  const picked = { page: query.page, page_size: query.page_size, status: query.status };
  const parsed = batchItemsQuerySchema.safeParse(picked);
  if (!parsed.success) return { ok: false, details: validationDetailsOf(parsed.error) };
  return {
    ok: true,
    query: {
      page: parsed.data.page ?? 1,
      pageSize: parsed.data.page_size ?? listRequestLimits.defaultPageSize,
      status: parsed.data.status ?? null,
    },
  };
}
