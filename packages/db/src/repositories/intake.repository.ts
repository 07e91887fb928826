import { v7 as uuidv7 } from "uuid";
import type { JobStage, JobStatus, Prisma, PrismaClient } from "../generated/prisma/client";

export type { JobStage, JobStatus };

export interface IntakeRecord {
  id: string;
  orgId: string;
  seq: bigint;
  operation: string;
  payload: unknown;
  identityKeys: string[];
  idempotencyKey: string | null;
  payloadHash: string;
  status: JobStatus;
  stage: JobStage | null;
  attempts: number;
  result: unknown;
  error: unknown;
  contactId: string | null;
  writtenAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface AcceptRequestInput {
  orgId: string;
  operation: string;
  payload: Prisma.InputJsonValue;
  payloadHash: string;
  identityKeys: string[];
  idempotencyKey?: string | undefined;
  /** How long an idempotency key returns the original request. */
  idempotencyWindowMs: number;
}

export type AcceptRequestOutcome =
  | { kind: "accepted"; request: IntakeRecord }
  | { kind: "replayed"; request: IntakeRecord }
  | { kind: "idempotency_key_reused"; request: IntakeRecord };

/**
 * Records an accepted request durably. One transaction holding a per-org advisory lock: it makes
 * the idempotency check race-free and makes commit order equal `seq` order within an org, so a
 * request sent after another's 202 always has the larger sequence.
 */
export async function acceptRequest(
  prisma: PrismaClient,
  input: AcceptRequestInput,
): Promise<AcceptRequestOutcome> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`intake:${input.orgId}`}, 0))`;
    if (input.idempotencyKey !== undefined) {
      const previous = await tx.intakeRequest.findUnique({
        where: { orgId_idempotencyKey: { orgId: input.orgId, idempotencyKey: input.idempotencyKey } },
      });
      if (previous && previous.createdAt.getTime() > Date.now() - input.idempotencyWindowMs) {
        const kind = previous.payloadHash === input.payloadHash ? "replayed" : "idempotency_key_reused";
        return { kind, request: previous };
      }
      if (previous) {
        // Outside the window the key is free again; the old row keeps its history without it.
        await tx.intakeRequest.update({ where: { id: previous.id }, data: { idempotencyKey: null } });
      }
    }
    const request = await tx.intakeRequest.create({
      data: {
        id: uuidv7(),
        orgId: input.orgId,
        operation: input.operation,
        payload: input.payload,
        payloadHash: input.payloadHash,
        identityKeys: input.identityKeys,
        idempotencyKey: input.idempotencyKey ?? null,
      },
    });
    return { kind: "accepted", request };
  }, intakeTransactionOptions);
}

/**
 * A burst of requests queues for pool connections (the per-org lock keeps each transaction to a
 * few milliseconds). Past `maxWait` the caller gets a 503 and may retry; nothing was recorded.
 */
const intakeTransactionOptions = { maxWait: 5_000, timeout: 10_000 };

export function findRequestForOrg(
  prisma: PrismaClient,
  orgId: string,
  id: string,
): Promise<IntakeRecord | null> {
  return prisma.intakeRequest.findFirst({ where: { id, orgId } });
}

export function findRequest(prisma: PrismaClient, id: string): Promise<IntakeRecord | null> {
  return prisma.intakeRequest.findUnique({ where: { id } });
}

/** Unfinished requests accepted before `acceptedBefore`, oldest first: the dispatcher's work list. */
export function findUnfinishedRequests(
  prisma: PrismaClient,
  options: { acceptedBefore: Date; limit: number },
): Promise<{ id: string; orgId: string }[]> {
  return prisma.intakeRequest.findMany({
    where: { status: { in: ["queued", "running"] }, createdAt: { lt: options.acceptedBefore } },
    orderBy: { seq: "asc" },
    take: options.limit,
    select: { id: true, orgId: true },
  });
}

/** Deletes finished requests older than the retention; returns how many. */
export async function purgeFinishedRequests(prisma: PrismaClient, finishedBefore: Date): Promise<number> {
  const { count } = await prisma.intakeRequest.deleteMany({
    where: { status: { in: ["succeeded", "failed"] }, finishedAt: { lt: finishedBefore } },
  });
  return count;
}
