import { hasEarlierUnwrittenRequest, markRequestRunning } from "@upsert/db";
import { intakeOperations } from "@upsert/queue";
import { type EnrichDeps, enrichCreatedRecords } from "./enrich-created-records";
import { writeReenrichment } from "./write-reenrichment";
import { type WriteOptions, writeUpsert } from "./write-upsert";

export type ProcessOutcome =
  | { kind: "done" }
  /** Written; enrichment must wait for the provider (see enrichCreatedRecords). */
  | { kind: "defer"; delayMs: number; reason: string }
  /** Must wait; `stillWaiting` asks again (the predecessor may be written by now). */
  | { kind: "wait"; stillWaiting: () => Promise<boolean> };

/**
 * Runs one accepted upsert to completion. Safe to run any number of times: a finished request is
 * left alone, a written one resumes at enrichment, and the write itself is all-or-nothing.
 */
export async function processUpsertRequest(
  deps: EnrichDeps & {
    wake: (requestId: string) => Promise<unknown>;
    unsafeBreak?: WriteOptions["unsafeBreak"];
  },
  requestId: string,
): Promise<ProcessOutcome> {
  const request = await markRequestRunning(deps.prisma, requestId);
  if (!request) return { kind: "done" };
  if (request.operation === intakeOperations.enrichContact) {
    if (!request.writtenAt && !(await writeReenrichment(deps.prisma, request))) return { kind: "done" };
    return enrichCreatedRecords(deps, requestId);
  }
  if (!request.writtenAt) {
    const written = await writeUpsert(deps.prisma, request, {
      signal: deps.signal,
      unsafeBreak: deps.unsafeBreak,
    });
    if (written.kind === "wait") {
      const waitingOn = { orgId: request.orgId, seq: request.seq, keys: written.orderingKeys };
      return { kind: "wait", stillWaiting: () => hasEarlierUnwrittenRequest(deps.prisma, waitingOn) };
    }
    for (const next of written.nextRequestIds) {
      // Without this the next request for the same person would sit out its fallback delay.
      deps.wake(next).catch((err: unknown) => deps.logger.warn({ err }, "could not wake next request"));
    }
    if (written.kind === "finished") return { kind: "done" };
  }
  return enrichCreatedRecords(deps, requestId);
}
