import type { AcceptBatchInput, AcceptedBatch, RejectedBatchItem } from "@upsert/db";
import {
  accountUpsertKeysOf,
  batchPayloadHash,
  DomainError,
  identityKeysOf,
  invalidRequestError,
  type ParsedBatchRequest,
  parseBatchRequest,
  parseUpsertAccountRequest,
  parseUpsertContactRequest,
  type ValidationDetail,
} from "@upsert/domain";
import { intakeOperations } from "@upsert/queue";
import { type AcceptUpsertDeps, parseIdempotencyHeader, rethrowUnknownOutcome } from "./accept-upsert";

/** What a batch holds: contacts (PUT /v1/contacts bodies) or accounts (PUT /v1/accounts bodies). */
export type BatchKind = "contacts" | "accounts";

export interface AcceptBatchResult {
  batch: AcceptedBatch;
  replayed: boolean;
}

/** The batch envelope, or the 422 that refuses the whole batch (malformed, over BATCH_MAX_ITEMS). */
export function parseBatchBody(
  body: unknown,
  options: { maxItems: number; idempotencyKeyHeader: string | undefined },
): ParsedBatchRequest {
  const headerKey = parseIdempotencyHeader(options.idempotencyKeyHeader);
  const parsed = parseBatchRequest(body, { maxItems: options.maxItems });
  if (!parsed.ok) throw invalidRequestError(parsed.details, parsed.unlistedProblems);
  return { items: parsed.items, idempotencyKey: headerKey ?? parsed.idempotencyKey };
}

type ParsedItem =
  | { ok: true; payload: Record<string, unknown>; identityKeys: string[] }
  | { ok: false; details: ValidationDetail[]; unlistedProblems: number };

const itemKeyDetail: ValidationDetail = {
  path: "idempotency_key",
  message: "An item cannot have its own idempotency_key: set idempotency_key next to items, for the batch.",
};

/** One item, by the same parser as the single PUT. */
function parseItem(deps: AcceptUpsertDeps, kind: BatchKind, item: unknown): ParsedItem {
  if (kind === "contacts") {
    const parsed = parseUpsertContactRequest(item, { defaultPhoneRegion: deps.defaultPhoneRegion });
    if (!parsed.ok) return parsed;
    if (parsed.idempotencyKey !== undefined)
      return { ok: false, details: [itemKeyDetail], unlistedProblems: 0 };
    return {
      ok: true,
      payload: parsed.payload as Record<string, unknown>,
      identityKeys: identityKeysOf(parsed.payload),
    };
  }
  const parsed = parseUpsertAccountRequest(item);
  if (!parsed.ok) return parsed;
  if (parsed.idempotencyKey !== undefined)
    return { ok: false, details: [itemKeyDetail], unlistedProblems: 0 };
  return {
    ok: true,
    payload: { ...parsed.payload },
    identityKeys: accountUpsertKeysOf(parsed.payload.domain),
  };
}

/**
 * Validates every item on its own, then records the batch with its valid items in one statement.
 * The 202 rests on that commit alone: the caller adds the jobs afterwards (enqueueBatchJobs).
 */
export async function acceptBatchItems(
  deps: AcceptUpsertDeps,
  input: { orgId: string; kind: BatchKind; request: ParsedBatchRequest },
): Promise<AcceptBatchResult> {
  const operation =
    input.kind === "contacts" ? intakeOperations.upsertContact : intakeOperations.upsertAccount;
  const items: AcceptBatchInput["items"] = [];
  const rejected: RejectedBatchItem[] = [];
  input.request.items.forEach((item, index) => {
    const parsed = parseItem(deps, input.kind, item);
    if (parsed.ok) {
      items.push({
        index,
        payload: parsed.payload as Record<string, never>,
        identityKeys: parsed.identityKeys,
      });
    } else {
      const error = invalidRequestError(parsed.details, parsed.unlistedProblems);
      rejected.push({ index, error: { code: error.code, message: error.message, details: error.details } });
    }
  });
  const { idempotencyKey } = input.request;
  const outcome = await deps.intake
    .acceptBatch({
      orgId: input.orgId,
      operation,
      idempotencyKey,
      // Compared only with a replay's, which needs the key.
      payloadHash:
        idempotencyKey === undefined ? undefined : batchPayloadHash(operation, input.request.items),
      itemCount: input.request.items.length,
      items,
      rejected,
    })
    .catch((err: unknown) => rethrowUnknownOutcome(err, "batch"));
  if (outcome.kind === "idempotency_key_reused") {
    throw new DomainError(
      "idempotency_key_reused",
      "This Idempotency-Key was already used with a different batch.",
      { batch_id: outcome.batch.id },
    );
  }
  return { batch: outcome.batch, replayed: outcome.kind === "replayed" };
}

/**
 * Adds the jobs of a batch acceptBatchItems recorded, in one `addBulk` (none for a replay: its
 * jobs exist). Never rejects: when Redis fails, that is logged and the dispatcher enqueues the
 * items later, as it does for any request recorded without a job.
 */
export async function enqueueBatchJobs(
  deps: AcceptUpsertDeps,
  orgId: string,
  { batch }: AcceptBatchResult,
): Promise<void> {
  if (batch.requestIds.length === 0) return;
  await deps.producer
    .enqueueMany(batch.requestIds.map((requestId) => ({ v: 1, requestId, orgId })))
    .catch((err: unknown) => {
      deps.logger.warn(
        { err, batchId: batch.id, items: batch.requestIds.length },
        "enqueue failed; the dispatcher will enqueue the batch's items",
      );
    });
}
