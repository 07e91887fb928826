import { markRequestRunning } from "@upsert/db";
import { type EnrichDeps, enrichCreatedRecords } from "./enrich-created-records";
import { writeUpsert } from "./write-upsert";

export type ProcessOutcome = { kind: "done" } | { kind: "wait" };

/**
 * Runs one accepted upsert to completion. Safe to run any number of times: a finished request is
 * left alone, a written one resumes at enrichment, and the write itself is all-or-nothing.
 */
export async function processUpsertRequest(
  deps: EnrichDeps & { wake: (requestId: string) => Promise<unknown> },
  requestId: string,
): Promise<ProcessOutcome> {
  const request = await markRequestRunning(deps.prisma, requestId);
  if (!request) return { kind: "done" };
  if (!request.writtenAt) {
    const written = await writeUpsert(deps.prisma, request);
    if (written.kind === "wait") return { kind: "wait" };
    if (written.nextRequestId) {
      // Without this the next request for the same person would sit out its wait delay.
      deps
        .wake(written.nextRequestId)
        .catch((err: unknown) => deps.logger.warn({ err }, "could not wake next request"));
    }
    if (written.kind === "finished") return { kind: "done" };
  }
  await enrichCreatedRecords(deps, requestId);
  return { kind: "done" };
}
