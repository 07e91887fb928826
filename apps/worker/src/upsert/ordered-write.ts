import { type IntakeRecord, lockIntakeWrite, type Pool, type Tx, withTransaction } from "@upsert/db";
import { orderingKeysOf } from "@upsert/domain";

export interface OrderedWriteOptions {
  /** Aborted when this run has lost its job (another worker has it): stop before writing. */
  signal?: AbortSignal | undefined;
  /** Test-only: see UNSAFE_BREAK_FOR_TESTS in the worker's config. */
  unsafeBreak?: "ordering" | "identity-lock" | undefined;
}

/** What a write step decided, once it holds the locks on `keys`. */
export type WriteStep =
  /** The plan depends on keys not locked yet (a matched contact's other identifiers): lock them. */
  | { kind: "relock"; keys: string[] }
  /** Written (or failed for a reason of its own); `owesEnrichment`: its enrichment job is owed. */
  | { kind: "written"; owesEnrichment: boolean; nextRequestIds: string[] };

export type WriteOutcome =
  | { kind: "written"; owesEnrichment: boolean; nextRequestIds: string[] }
  /** Written or failed before (another run of the job). */
  | { kind: "finished" }
  /** An earlier request sharing these ordering keys is unwritten: run again once it is. */
  | { kind: "wait"; orderingKeys: string[] };

/** More rounds mean the matched contacts' identifiers keep changing under us; retry the job. */
const maxLockRounds = 5;

/**
 * Every write of an intake request goes through here, so each write file holds only its own
 * write. One short transaction per round: the identity keys' advisory locks (sorted), the intake
 * row's lock and the ordering rule, all in one statement; then `write`, which plans and writes or
 * asks for more keys (then the round is over and the next one locks the union, in sorted order:
 * taking a lock out of order while holding others could deadlock). A crash before COMMIT leaves
 * no trace; after it, a retry finds the request finished.
 */
export async function runOrderedWrite(
  pool: Pool,
  request: IntakeRecord,
  options: OrderedWriteOptions,
  write: (tx: Tx, lockedKeys: readonly string[]) => Promise<WriteStep>,
): Promise<WriteOutcome> {
  let keys = [...new Set(request.identityKeys)].sort();
  for (let round = 0; round < maxLockRounds; round += 1) {
    const step = await withTransaction(pool, async (tx): Promise<WriteOutcome | WriteStep> => {
      const lock = await lockIntakeWrite(
        tx,
        { requestId: request.id, orgId: request.orgId, seq: request.seq, keys },
        { lockKeys: options.unsafeBreak !== "identity-lock", checkOrder: !options.unsafeBreak },
      );
      if (lock === "finished") return { kind: "finished" };
      if (lock === "wait") return { kind: "wait", orderingKeys: orderingKeysOf(keys) };
      // Checked under the intake row's lock: a run that learnt it lost the job writes nothing.
      options.signal?.throwIfAborted();
      return write(tx, keys);
    });
    if (step.kind !== "relock") return step;
    keys = [...new Set([...keys, ...step.keys])].sort();
  }
  throw new Error(`identity keys of request ${request.id} kept changing; retrying the job`);
}
