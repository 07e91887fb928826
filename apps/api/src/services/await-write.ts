import { findContactDetails, findRequestForOrg, type IntakeRecord, type Prisma } from "@upsert/db";
import { toContactResponse } from "@upsert/domain";
import { intakeOperations, type RequestWrittenListener } from "@upsert/queue";

export interface AwaitWriteDeps {
  prisma: Prisma;
  /** The process's one subscription to write announcements (see request-written.ts). */
  written: RequestWrittenListener;
  /** `Prefer: wait=N` waits at most this long (PREFER_WAIT_MAX_S). */
  preferWaitMaxS: number;
}

/** The intake row is final: the write succeeded or failed (enrichment may still be owed). */
export const isWritten = (request: { status: string }) =>
  request.status === "succeeded" || request.status === "failed";

/**
 * The request's intake row once its write has finished, or as it is after `seconds` (or when the
 * client went away: `signal`). Holds no Postgres connection while it waits and never polls: a
 * worker's announcement on Redis (or the timeout) ends the wait, then the row is read once, as
 * the truth. The waiter is registered before the first read, so a write that finished before
 * that read is seen by it, and one that finishes after it is announced to the waiter.
 * Null when the org has no such request.
 */
export async function awaitWrite(
  deps: AwaitWriteDeps,
  input: { orgId: string; requestId: string; seconds: number; signal: AbortSignal },
): Promise<IntakeRecord | null> {
  const waiter = deps.written.wait(input.requestId, {
    timeoutMs: input.seconds * 1_000,
    signal: input.signal,
  });
  try {
    const before = await findRequestForOrg(deps.prisma, input.orgId, input.requestId);
    if (!before || isWritten(before)) return before;
    // Nobody is left to answer when the client has gone: no second read.
    if ((await waiter.settled) === "aborted") return before;
    return await findRequestForOrg(deps.prisma, input.orgId, input.requestId);
  } finally {
    waiter.cancel();
  }
}

/** Deletes answer 204 with no body once written (Monaco's synchronous DELETE). */
export function isDelete(request: IntakeRecord): boolean {
  return (
    request.operation === intakeOperations.deleteContact ||
    request.operation === intakeOperations.deleteAccount
  );
}

/**
 * What Monaco's synchronous endpoint answers for a request whose write succeeded: the contact or
 * account as the write left it (the job result holds it, built by the same toContactResponse /
 * toAccountResponse as GET /v1/contacts/:id and /v1/accounts/:id); for a re-enrichment, the
 * contact as it is now, read as GET /v1/contacts/:id reads it. Null when the contact of a
 * re-enrichment has been deleted since.
 */
export async function writtenData(deps: { prisma: Prisma }, request: IntakeRecord): Promise<unknown> {
  const result = (request.result ?? {}) as { contact?: unknown; account?: unknown; contact_id?: string };
  switch (request.operation) {
    case intakeOperations.upsertContact:
    case intakeOperations.createContact:
    case intakeOperations.patchContact:
      return result.contact ?? null;
    case intakeOperations.upsertAccount:
    case intakeOperations.patchAccount:
      return result.account ?? null;
    default: {
      const details = result.contact_id
        ? await findContactDetails(deps.prisma, request.orgId, result.contact_id)
        : null;
      return details ? toContactResponse(details) : null;
    }
  }
}
