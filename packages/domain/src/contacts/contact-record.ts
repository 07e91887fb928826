import type { CustomFieldValue } from "./upsert-payload";

/** Mirrors the `enrichment_status` enum of the database. */
export type EnrichmentStatus = "none" | "pending" | "applied" | "failed" | "skipped";

export type ProvenanceSource = "request" | "enrichment";

/**
 * Who last wrote a field. `seq` is the intake sequence of the request that wrote it; for
 * enrichment it is the sequence of the create request that triggered the enrichment (only
 * `request` entries are ever compared, so it is informational there).
 */
export interface FieldProvenanceEntry {
  seq: number;
  source: ProvenanceSource;
}

/**
 * Keyed by payload field name (`email`, `linkedin_url`, `first_name`, `last_name`, `title`,
 * `phone_number`, `location`, `do_not_contact`, `account_id`, `custom_field_<uuid>`) on contacts
 * and by snake_case column name (`domain`, `name`, ...) on accounts.
 */
export type FieldProvenance = Record<string, FieldProvenanceEntry>;

/**
 * A contact as the domain sees it: one row of `contacts` plus its tag ids. Plain data, treated as
 * immutable (every function returns a new record). Timestamps are left out on purpose: they are
 * not decisions, and leaving them out lets tests compare the database with the model exactly.
 */
export interface ContactRecord {
  id: string;
  /** Trimmed, case as given. */
  email: string | null;
  /** `normaliseEmail(email)`: what matching uses; unique per org. */
  emailNormalized: string | null;
  /** Canonical `https://linkedin.com/in/<slug>`: what matching uses; unique per org. */
  linkedinUrl: string | null;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  phoneNumber: string | null;
  location: string | null;
  doNotContact: boolean;
  accountId: string | null;
  /** `custom_field_<uuid>` → value, keys sorted; a cleared field is removed. */
  customFields: Record<string, CustomFieldValue>;
  fieldProvenance: FieldProvenance;
  /** Sorted, unique. */
  tagIds: string[];
  /** Sequence of the request that created the contact (null for contacts made otherwise). */
  createdSeq: number | null;
  enrichmentStatus: EnrichmentStatus;
  enrichmentProvider: string | null;
}

export interface AccountRecord {
  id: string;
  /** Normalised domain; unique per org. */
  domain: string | null;
  name: string | null;
  description: string | null;
  industries: string[];
  employeeCount: number | null;
  foundedYear: number | null;
  linkedinUrl: string | null;
  status: string | null;
  notes: string | null;
  fieldProvenance: FieldProvenance;
  enrichmentStatus: EnrichmentStatus;
  enrichmentProvider: string | null;
}

/**
 * An account this service creates for `domain` at request `seq`: only the domain is known, and
 * enrichment is owed. (Every account the service creates is enriched, whichever request made it.)
 */
export function newAccountRecord(id: string, domain: string, seq: number): AccountRecord {
  return {
    id,
    domain,
    name: null,
    description: null,
    industries: [],
    employeeCount: null,
    foundedYear: null,
    linkedinUrl: null,
    status: null,
    notes: null,
    fieldProvenance: { domain: { seq, source: "request" } },
    enrichmentStatus: "pending",
    enrichmentProvider: null,
  };
}

export interface TagRecord {
  id: string;
  /** Monaco object type, e.g. "contacts". Only "contacts" tags can be put on a contact. */
  objectType: string;
}

export type CustomFieldType = "string" | "number" | "boolean" | "date" | "enum";

export interface CustomFieldDefinition {
  /** The uuid in the key `custom_field_<uuid>`. */
  id: string;
  /** Entity the field belongs to; only "contacts" fields can be set on a contact. */
  entity: string;
  /** A `CustomFieldType`; typed as string because it is read from the database. A type this code
   * does not know accepts only null. */
  type: string;
  /** Allowed values when `type` is "enum". */
  options: string[];
}

/**
 * Rule 7: a request with sequence `seq` may write `field` unless a request with a higher sequence
 * already wrote it. Equal sequences may write so that re-applying one request is a no-op rather
 * than a refusal.
 */
export function canRequestWrite(provenance: FieldProvenance, field: string, seq: number): boolean {
  const entry = provenance[field];
  return !(entry !== undefined && entry.source === "request" && entry.seq > seq);
}

/**
 * Rule 4/7: enrichment fills a field only when no request ever wrote it (not even to clear it)
 * and it holds no value.
 */
export function canEnrichmentFill(
  provenance: FieldProvenance,
  field: string,
  currentIsEmpty: boolean,
): boolean {
  return currentIsEmpty && provenance[field]?.source !== "request";
}

/**
 * Returns a copy whose keys are in sorted order, so that records built along different paths
 * serialise identically (canonical JSON, determinism checks).
 */
export function sortRecordKeys<T>(record: Record<string, T>): Record<string, T> {
  const sorted: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) {
    sorted[key] = record[key] as T;
  }
  return sorted;
}
