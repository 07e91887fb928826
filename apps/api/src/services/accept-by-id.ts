import { accountExists, contactExists } from "@upsert/db";
import {
  accountIdKeyOf,
  contactIdKeyOf,
  DomainError,
  identityKeysOf,
  invalidRequestError,
  parsePatchAccountRequest,
  parsePatchContactRequest,
} from "@upsert/domain";
import { intakeOperations } from "@upsert/queue";
import {
  type AcceptUpsertDeps,
  type AcceptUpsertResult,
  acceptContactBody,
  parseIdempotencyHeader,
  recordAndEnqueue,
} from "./accept-upsert";

interface ByIdInput {
  orgId: string;
  id: string;
  idempotencyKeyHeader: string | undefined;
}

/** `POST /v1/contacts`: the upsert's body; the job fails with `conflict` if the person exists. */
export function acceptCreate(
  deps: AcceptUpsertDeps,
  input: { orgId: string; body: unknown; idempotencyKeyHeader: string | undefined },
): Promise<AcceptUpsertResult> {
  return acceptContactBody(deps, input, intakeOperations.createContact);
}

/**
 * An id the org does not have is answered 404 here: ids are minted by the writes that create
 * records and published only once those have committed, so an id unknown now can never come to
 * exist, whatever was accepted before or after. One that is deleted after this check (by a request
 * accepted earlier) fails the job with `not_found` instead.
 */
async function requireContact(deps: AcceptUpsertDeps, input: ByIdInput): Promise<string> {
  if (!(await contactExists(deps.prisma, input.orgId, input.id)))
    throw new DomainError("not_found", "No contact with this id.");
  return input.id.toLowerCase();
}

async function requireAccount(deps: AcceptUpsertDeps, input: ByIdInput): Promise<string> {
  if (!(await accountExists(deps.prisma, input.orgId, input.id)))
    throw new DomainError("not_found", "No account with this id.");
  return input.id.toLowerCase();
}

/**
 * `PATCH /v1/contacts/:id`: ordered by `contact:<id>` and the identifiers it sets (the worker adds
 * the contact's identifiers as they are when it writes).
 */
export async function acceptContactPatch(
  deps: AcceptUpsertDeps,
  input: ByIdInput & { body: unknown },
): Promise<AcceptUpsertResult> {
  const headerKey = parseIdempotencyHeader(input.idempotencyKeyHeader);
  const parsed = parsePatchContactRequest(input.body, { defaultPhoneRegion: deps.defaultPhoneRegion });
  if (!parsed.ok) throw invalidRequestError(parsed.details, parsed.unlistedProblems);
  const contactId = await requireContact(deps, input);
  return recordAndEnqueue(deps, {
    orgId: input.orgId,
    operation: intakeOperations.patchContact,
    payload: { contact_id: contactId, ...parsed.payload },
    identityKeys: [...new Set([contactIdKeyOf(contactId), ...identityKeysOf(parsed.payload)])].sort(),
    idempotencyKey: headerKey ?? parsed.idempotencyKey,
  });
}

/** `DELETE /v1/contacts/:id`: the contact and its personal data (see write_contact_by_id). */
export async function acceptContactDelete(
  deps: AcceptUpsertDeps,
  input: ByIdInput,
): Promise<AcceptUpsertResult> {
  const idempotencyKey = parseIdempotencyHeader(input.idempotencyKeyHeader);
  const contactId = await requireContact(deps, input);
  return recordAndEnqueue(deps, {
    orgId: input.orgId,
    operation: intakeOperations.deleteContact,
    payload: { contact_id: contactId },
    identityKeys: [contactIdKeyOf(contactId)],
    idempotencyKey,
  });
}

/** `PATCH /v1/accounts/:id`: name, linkedin_url, status, notes. */
export async function acceptAccountPatch(
  deps: AcceptUpsertDeps,
  input: ByIdInput & { body: unknown },
): Promise<AcceptUpsertResult> {
  const headerKey = parseIdempotencyHeader(input.idempotencyKeyHeader);
  const parsed = parsePatchAccountRequest(input.body);
  if (!parsed.ok) throw invalidRequestError(parsed.details, parsed.unlistedProblems);
  const accountId = await requireAccount(deps, input);
  return recordAndEnqueue(deps, {
    orgId: input.orgId,
    operation: intakeOperations.patchAccount,
    payload: { account_id: accountId, ...parsed.payload },
    identityKeys: [accountIdKeyOf(accountId)],
    idempotencyKey: headerKey ?? parsed.idempotencyKey,
  });
}

/** `DELETE /v1/accounts/:id`: the account goes; its contacts stay, without an account. */
export async function acceptAccountDelete(
  deps: AcceptUpsertDeps,
  input: ByIdInput,
): Promise<AcceptUpsertResult> {
  const idempotencyKey = parseIdempotencyHeader(input.idempotencyKeyHeader);
  const accountId = await requireAccount(deps, input);
  return recordAndEnqueue(deps, {
    orgId: input.orgId,
    operation: intakeOperations.deleteAccount,
    payload: { account_id: accountId },
    identityKeys: [accountIdKeyOf(accountId)],
    idempotencyKey,
  });
}
