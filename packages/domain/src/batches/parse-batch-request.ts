import { createHash } from "node:crypto";
import { z } from "zod";
import { idempotencyKeySchema } from "../contacts/parse-upsert-contact-request";
import { toCanonicalJson } from "../contacts/payload-hash";
import type { ValidationDetail } from "../errors/domain-error";
import { parseObjectBody } from "../errors/parse-object-body";

export interface ParsedBatchRequest {
  /** The items as sent; each is validated on its own by the single request's parser. */
  items: unknown[];
  idempotencyKey: string | undefined;
}

export type ParseBatchRequestResult =
  | ({ ok: true } & ParsedBatchRequest)
  | { ok: false; details: ValidationDetail[]; unlistedProblems: number };

const batchRequestSchema = (maxItems: number) =>
  z.strictObject({
    items: z
      .array(z.unknown(), { error: "items must be an array of request bodies." })
      .min(1, { error: "items must hold at least one item." })
      .max(maxItems, { error: `items must hold at most ${maxItems} items (BATCH_MAX_ITEMS).` }),
    idempotency_key: idempotencyKeySchema.optional(),
  });

/**
 * The envelope of `POST /v1/contacts/batch` and `POST /v1/accounts/batch`:
 * `{"items": [...], "idempotency_key"?: "..."}` with 1 to `maxItems` items. Only the envelope is
 * checked here: a malformed envelope refuses the whole batch, a bad item only itself.
 */
export function parseBatchRequest(body: unknown, options: { maxItems: number }): ParseBatchRequestResult {
  const result = parseObjectBody(
    batchRequestSchema(options.maxItems),
    body,
    (key) => `${key} is not a known field: a batch is {"items": [...], "idempotency_key"?: "..."}.`,
  );
  if (!result.ok) return result;
  return { ok: true, items: result.data.items, idempotencyKey: result.data.idempotency_key };
}

/**
 * SHA-256 hex of a batch's operation and items as sent (canonical JSON): a replay with the same
 * idempotency key must send the same items, in the same order.
 */
export function batchPayloadHash(operation: string, items: readonly unknown[]): string {
  return createHash("sha256").update(toCanonicalJson({ operation, items }), "utf8").digest("hex");
}
