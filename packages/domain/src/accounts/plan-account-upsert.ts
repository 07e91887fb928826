import {
  type AccountRecord,
  canRequestWrite,
  newAccountRecord,
  sortRecordKeys,
} from "../contacts/contact-record";
import type { UpsertAccountPayload } from "./parse-upsert-account-request";

export interface AccountUpsertPlan {
  action: "created" | "updated";
  record: AccountRecord;
  /** The fields this request wrote (absent ones, and ones a later request owns, are left alone). */
  writtenFields: string[];
}

const writableFields = [
  ["name", "name"],
  ["linkedin_url", "linkedinUrl"],
  ["status", "status"],
  ["notes", "notes"],
] as const;

/**
 * `PUT /v1/accounts`: the account with this domain is updated in place, or created (and then
 * enriched). Fields the request sends get request provenance, so enrichment never overwrites
 * them; a field a later request already wrote is left alone (per-field provenance, as contacts).
 */
export function planAccountUpsert(
  existing: AccountRecord | null,
  request: { seq: number; payload: UpsertAccountPayload },
  newAccountId: string,
): AccountUpsertPlan {
  const { seq, payload } = request;
  const record: AccountRecord = existing
    ? { ...existing, industries: [...existing.industries], fieldProvenance: { ...existing.fieldProvenance } }
    : newAccountRecord(newAccountId, payload.domain, seq);
  const writtenFields: string[] = [];
  for (const [field, property] of writableFields) {
    const value = payload[field];
    if (value === undefined || !canRequestWrite(record.fieldProvenance, field, seq)) continue;
    record[property] = value;
    record.fieldProvenance[field] = { seq, source: "request" };
    writtenFields.push(field);
  }
  record.fieldProvenance = sortRecordKeys(record.fieldProvenance);
  return { action: existing ? "updated" : "created", record, writtenFields };
}
