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
  enrichmentDueAt: Date | null;
  enrichedAt: Date | null;
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
 * Records an accepted request durably, in one statement (the `accept_intake_request` function):
 * it takes a per-org advisory lock, which makes the idempotency check race-free and makes commit
 * order equal `seq` order within an org, so a request sent after another's 202 always has the
 * larger sequence. One statement holds the lock and a connection for a single round trip.
 */
export async function acceptRequest(
  prisma: PrismaClient,
  input: AcceptRequestInput,
): Promise<AcceptRequestOutcome> {
  const rows = await prisma.$queryRaw<{ outcome: AcceptRequestOutcome["kind"]; request_id: string }[]>`
    SELECT outcome, request_id FROM accept_intake_request(
      ${uuidv7()}::uuid, ${input.orgId}::uuid, ${input.operation}, ${JSON.stringify(input.payload)}::jsonb,
      ${input.payloadHash}, ${input.identityKeys}::text[], ${input.idempotencyKey ?? null},
      ${input.idempotencyWindowMs} * interval '1 millisecond')`;
  const row = rows[0];
  if (!row) throw new Error("accept_intake_request returned no row");
  const request = await prisma.intakeRequest.findUniqueOrThrow({ where: { id: row.request_id } });
  return { kind: row.outcome, request };
}

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
