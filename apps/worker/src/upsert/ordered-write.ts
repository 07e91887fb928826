import type { IntakeRecord, OrderedWrite, OrderedWriteOutcome } from "@upsert/db";
import { orderingKeysOf } from "@upsert/domain";

export interface OrderedWriteOptions {
  /** Aborted when this run has lost its job (another worker has it): stop before writing. */
  signal?: AbortSignal | undefined;
  /** Test-only: see UNSAFE_BREAK_FOR_TESTS in the worker's config. */
  unsafeBreak?: "ordering" | "identity-lock" | undefined;
}

export type WriteOutcome =
  /** Written (or failed for a reason of its own); `owesEnrichment`: its enrichment job is owed. */
  | { kind: "written"; owesEnrichment: boolean; nextRequestIds: string[] }
  /** Written or failed before (another run of the job). */
  | { kind: "finished" }
  /** An earlier request sharing these ordering keys is unwritten: run again once it is. */
  | { kind: "wait"; orderingKeys: string[] };

/** One round of a write: read, plan, and the write statement with `ordered` (locks and checks). */
export type WriteRound = (
  ordered: (keys: readonly string[]) => OrderedWrite,
) => Promise<{ outcome: OrderedWriteOutcome; owesEnrichment: boolean; keys: readonly string[] }>;

/** More rounds mean what the plan reads keeps changing under us (a busy contact); retry the job. */
const maxRounds = 5;

/**
 * Every write of an intake request goes through here, so each write file holds only its own read,
 * plan and write. A write is optimistic: it reads without locks and plans, then its one write
 * statement takes the advisory locks on every key the plan depends on (sorted), the intake row's
 * lock, applies the ordering rule and checks that what the plan read is unchanged, and writes.
 * When something changed (`stale`), the round is run again on a fresh read. Nothing is held
 * between statements, and a crash leaves either no trace or a finished request.
 */
export async function runOrderedWrite(
  request: IntakeRecord,
  options: OrderedWriteOptions,
  round: WriteRound,
): Promise<WriteOutcome> {
  const ordered = (keys: readonly string[]): OrderedWrite => ({
    requestId: request.id,
    orgId: request.orgId,
    seq: request.seq,
    attempt: request.attempts,
    keys: [...new Set([...request.identityKeys, ...keys])],
    lockKeys: options.unsafeBreak !== "identity-lock",
    checkOrder: !options.unsafeBreak,
  });
  for (let attempt = 0; attempt < maxRounds; attempt += 1) {
    // A run that learnt it lost the job writes nothing (the statement's attempt check backs this up).
    options.signal?.throwIfAborted();
    const { outcome, owesEnrichment, keys } = await round(ordered);
    switch (outcome.kind) {
      case "stale":
        continue;
      case "written":
        return { kind: "written", owesEnrichment, nextRequestIds: outcome.nextRequestIds };
      case "finished":
        return { kind: "finished" };
      case "wait":
        return { kind: "wait", orderingKeys: orderingKeysOf(ordered(keys).keys) };
      case "superseded":
        throw new Error(`request ${request.id} was claimed by another run; this run stops`);
    }
  }
  throw new Error(`what request ${request.id} reads kept changing; retrying the job`);
}
