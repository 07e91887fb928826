import type { Logger } from "@upsert/config";
import {
  type AcceptedRequest,
  findContactDetails,
  IntakeOutcomeUnknownError,
  type IntakeRecorder,
  type Prisma,
} from "@upsert/db";
import {
  accountUpsertKeysOf,
  type CountryCode,
  DomainError,
  idempotencyKeySchema,
  identityKeysOf,
  invalidRequestError,
  parseUpsertAccountRequest,
  parseUpsertContactRequest,
  payloadHash,
} from "@upsert/domain";
import { intakeOperations, type JobProducer } from "@upsert/queue";

export interface AcceptUpsertDeps {
  prisma: Prisma;
  /** Records requests with named statements on the pool (group commit); Prisma serves reads. */
  intake: IntakeRecorder;
  producer: JobProducer;
  logger: Logger;
  defaultPhoneRegion: CountryCode;
}

export interface AcceptUpsertResult {
  request: AcceptedRequest;
  replayed: boolean;
}

/** Validates, then records and enqueues (see recordAndEnqueue). */
export function acceptUpsert(
  deps: AcceptUpsertDeps,
  input: { orgId: string; body: unknown; idempotencyKeyHeader: string | undefined },
): Promise<AcceptUpsertResult> {
  return acceptContactBody(deps, input, intakeOperations.upsertContact);
}

/** A body of `PUT /v1/contacts` (an upsert, or `POST /v1/contacts`'s create): validated, recorded, enqueued. */
export async function acceptContactBody(
  deps: AcceptUpsertDeps,
  input: { orgId: string; body: unknown; idempotencyKeyHeader: string | undefined },
  operation: typeof intakeOperations.upsertContact | typeof intakeOperations.createContact,
): Promise<AcceptUpsertResult> {
  const headerKey = parseIdempotencyHeader(input.idempotencyKeyHeader);
  const parsed = parseUpsertContactRequest(input.body, { defaultPhoneRegion: deps.defaultPhoneRegion });
  if (!parsed.ok) throw invalidRequestError(parsed.details, parsed.unlistedProblems);
  return recordAndEnqueue(deps, {
    orgId: input.orgId,
    operation,
    payload: parsed.payload as Record<string, unknown>,
    identityKeys: identityKeysOf(parsed.payload),
    idempotencyKey: headerKey ?? parsed.idempotencyKey,
  });
}

/** `PUT /v1/accounts`: validates, then records an `account.upsert` request keyed by its domain. */
export async function acceptAccountUpsert(
  deps: AcceptUpsertDeps,
  input: { orgId: string; body: unknown; idempotencyKeyHeader: string | undefined },
): Promise<AcceptUpsertResult> {
  const headerKey = parseIdempotencyHeader(input.idempotencyKeyHeader);
  const parsed = parseUpsertAccountRequest(input.body);
  if (!parsed.ok) throw invalidRequestError(parsed.details, parsed.unlistedProblems);
  return recordAndEnqueue(deps, {
    orgId: input.orgId,
    operation: intakeOperations.upsertAccount,
    payload: { ...parsed.payload },
    identityKeys: accountUpsertKeysOf(parsed.payload.domain),
    idempotencyKey: headerKey ?? parsed.idempotencyKey,
  });
}

/** Re-enrichment of an existing contact: records a `contact.enrich` request for the worker. */
export async function acceptReenrichment(
  deps: AcceptUpsertDeps,
  input: { orgId: string; contactId: string; idempotencyKeyHeader: string | undefined },
): Promise<AcceptUpsertResult> {
  const idempotencyKey = parseIdempotencyHeader(input.idempotencyKeyHeader);
  const details = await findContactDetails(deps.prisma, input.orgId, input.contactId);
  if (!details) throw new DomainError("not_found", "No contact with this id.");
  const { record } = details;
  // The provider is asked about the contact as it is now (the same question on every retry).
  return recordAndEnqueue(deps, {
    orgId: input.orgId,
    operation: intakeOperations.enrichContact,
    payload: {
      contact_id: record.id,
      email: record.email,
      linkedin_url: record.linkedinUrl,
      first_name: record.firstName,
      last_name: record.lastName,
    },
    identityKeys: [],
    idempotencyKey,
  });
}

export function parseIdempotencyHeader(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const header = idempotencyKeySchema.safeParse(value);
  if (!header.success) {
    throw new DomainError("bad_request", "The Idempotency-Key header must be 1 to 255 characters.");
  }
  return header.data;
}

/**
 * Records the request durably, then enqueues it. The 202 rests on the Postgres commit alone: when
 * Redis is down the enqueue fails, is logged, and the dispatcher enqueues the row later.
 */
export async function recordAndEnqueue(
  deps: AcceptUpsertDeps,
  input: {
    orgId: string;
    operation: string;
    payload: Record<string, unknown>;
    identityKeys: string[];
    idempotencyKey: string | undefined;
  },
): Promise<AcceptUpsertResult> {
  const outcome = await deps.intake
    .accept({
      orgId: input.orgId,
      operation: input.operation,
      payload: input.payload as Record<string, never>,
      payloadHash: payloadHash(input.payload),
      identityKeys: input.identityKeys,
      idempotencyKey: input.idempotencyKey,
    })
    .catch(rethrowUnknownOutcome);
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

/**
 * A 503 promises that nothing was recorded, so a request whose commit could not be confirmed
 * either way gets its own answer: the job id it has if it did commit (a client can poll it), and
 * the advice to retry with the same Idempotency-Key, which replays it if it did.
 */
export function rethrowUnknownOutcome(err: unknown, what: "job" | "batch" = "job"): never {
  if (!(err instanceof IntakeOutcomeUnknownError)) throw err;
  throw new DomainError(
    "outcome_unknown",
    `The database stopped answering while this ${what === "job" ? "request" : "batch"} was being recorded, so it may or may not have been. ` +
      `Retry with the same Idempotency-Key (a recorded ${what === "job" ? "request" : "batch"} is then replayed), or poll the ${what}.`,
    { [`${what}_id`]: err.requestId },
    { cause: err },
  );
}
