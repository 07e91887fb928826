import { type IntakeRecord, type Pool, writeReenrichment as writeReenrichmentStatement } from "@upsert/db";
import { type OrderedWriteOptions, runOrderedWrite, type WriteOutcome } from "./ordered-write";

/**
 * The write of a `contact.enrich` request (POST /v1/contacts/:id/enrich): the contact's
 * enrichment becomes `pending` again and the request is written, owing an enrichment job (the one
 * creates get) that asks the provider and merges fill-only. A contact deleted since the API
 * checked it fails the request with `not_found`.
 */
export function writeReenrichment(
  pool: Pool,
  request: IntakeRecord,
  options: OrderedWriteOptions,
): Promise<WriteOutcome> {
  const contactId = (request.payload as { contact_id: string }).contact_id;
  return runOrderedWrite(request, options, async (ordered) => {
    const outcome = await writeReenrichmentStatement(pool, {
      ordered: ordered([]),
      contactId,
      now: new Date(),
    });
    if (outcome.kind === "failed") {
      return { outcome: { kind: "written", nextRequestIds: [] }, owesEnrichment: false, keys: [] };
    }
    return { outcome, owesEnrichment: true, keys: [] };
  });
}
