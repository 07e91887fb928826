import type { Logger } from "@upsert/config";
import { acceptRequest, type IntakeRecord, type Prisma } from "@upsert/db";
import {
  type CountryCode,
  DomainError,
  idempotencyKeySchema,
  identityKeysOf,
  invalidRequestError,
  parseUpsertContactRequest,
  payloadHash,
} from "@upsert/domain";
import type { UpsertProducer } from "@upsert/queue";

export const upsertContactOperation = "contact.upsert";

export interface AcceptUpsertDeps {
  prisma: Prisma;
  producer: UpsertProducer;
  logger: Logger;
  defaultPhoneRegion: CountryCode;
  idempotencyWindowMs: number;
}

export interface AcceptUpsertResult {
  request: IntakeRecord;
  replayed: boolean;
}

/**
 * Validates, records durably, then enqueues. The 202 rests on the Postgres commit alone: when
 * Redis is down the enqueue fails, is logged, and the dispatcher enqueues the row later.
 */
export async function acceptUpsert(
  deps: AcceptUpsertDeps,
  input: { orgId: string; body: unknown; idempotencyKeyHeader: string | undefined },
): Promise<AcceptUpsertResult> {
  const header =
    input.idempotencyKeyHeader === undefined
      ? undefined
      : idempotencyKeySchema.safeParse(input.idempotencyKeyHeader);
  if (header && !header.success) {
    throw new DomainError("bad_request", "The Idempotency-Key header must be 1 to 255 characters.");
  }
  const parsed = parseUpsertContactRequest(input.body, { defaultPhoneRegion: deps.defaultPhoneRegion });
  if (!parsed.ok) throw invalidRequestError(parsed.details);
  const idempotencyKey = header?.data ?? parsed.idempotencyKey;
  const outcome = await acceptRequest(deps.prisma, {
    orgId: input.orgId,
    operation: upsertContactOperation,
    payload: parsed.payload as Record<string, never>,
    payloadHash: payloadHash(parsed.payload),
    identityKeys: identityKeysOf(parsed.payload),
    idempotencyKey,
    idempotencyWindowMs: deps.idempotencyWindowMs,
  });
  if (outcome.kind === "idempotency_key_reused") {
    throw new DomainError(
      "idempotency_key_reused",
      "This Idempotency-Key was already used with a different request body.",
      { job_id: outcome.request.id },
    );
  }
  if (outcome.kind === "accepted") {
    const { request } = outcome;
    await deps.producer
      .enqueue({ v: 1, requestId: request.id, orgId: request.orgId })
      .catch((err: unknown) => {
        deps.logger.warn(
          { err, jobId: request.id },
          "enqueue failed; the dispatcher will enqueue the request",
        );
      });
  }
  return { request: outcome.request, replayed: outcome.kind === "replayed" };
}
