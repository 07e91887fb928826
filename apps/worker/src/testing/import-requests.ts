import { createIntakeRecorder, type Pool } from "@upsert/db";
import { identityKeysOf, parseUpsertContactRequest, payloadHash } from "@upsert/domain";
import { intakeOperations, type JobProducer } from "@upsert/queue";

/**
 * An import as the batch endpoint makes it: contact upserts recorded by the intake statement
 * (group commit, `chunkSize` per statement) and enqueued with one addBulk per chunk.
 */
export async function importContacts(
  deps: { pool: Pool; producer: JobProducer },
  input: { orgId: string; bodies: Record<string, unknown>[]; chunkSize?: number },
): Promise<string[]> {
  const chunkSize = input.chunkSize ?? 1_000;
  const intake = createIntakeRecorder(deps.pool, {
    idempotencyWindowMs: 3_600_000,
    outcomeDeadlineMs: 2_000,
    maxConcurrentStatements: 2,
    maxBatchSize: chunkSize,
  });
  const ids: string[] = [];
  for (let start = 0; start < input.bodies.length; start += chunkSize) {
    const accepted = await Promise.all(
      input.bodies.slice(start, start + chunkSize).map((body) => {
        const parsed = parseUpsertContactRequest(body, { defaultPhoneRegion: "US" });
        if (!parsed.ok) throw new Error(`invalid import row: ${JSON.stringify(parsed.details)}`);
        return intake.accept({
          orgId: input.orgId,
          operation: intakeOperations.upsertContact,
          payload: parsed.payload as never,
          payloadHash: payloadHash(parsed.payload),
          identityKeys: identityKeysOf(parsed.payload),
        });
      }),
    );
    const chunk = accepted.map(({ request }) => request.id);
    await deps.producer.enqueueMany(chunk.map((requestId) => ({ v: 1, requestId, orgId: input.orgId })));
    ids.push(...chunk);
  }
  return ids;
}
