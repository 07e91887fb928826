import type {
  AccountRecord,
  ContactDetails,
  ContactRecord,
  EnrichmentStatus,
  FieldProvenance,
} from "@upsert/domain";
import type { IntakeRecord, JobStage, JobStatus } from "../repositories/intake.repository";

// Rows as Postgres's to_jsonb() writes them: column names, JSON values, timestamps as text.

export interface ContactRow {
  id: string;
  org_id: string;
  email: string | null;
  email_normalized: string | null;
  linkedin_canonical: string | null;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  phone_number: string | null;
  location: string | null;
  do_not_contact: boolean;
  source: string | null;
  account_id: string | null;
  custom_fields: ContactRecord["customFields"];
  field_provenance: FieldProvenance;
  created_seq: number | null;
  enrichment_status: EnrichmentStatus;
  enrichment_provider: string | null;
  enrichment_error: string | null;
  enriched_fields: string[] | null;
  enriched_at: string | null;
  created_at: string;
  updated_at: string;
  /** Added by the statements that read a contact for a write. */
  tag_ids?: string[];
}

export interface AccountRow {
  id: string;
  org_id: string;
  domain: string | null;
  name: string | null;
  description: string | null;
  industries: string[] | null;
  employee_count: number | null;
  founded_year: number | null;
  linkedin_url: string | null;
  status: string | null;
  notes: string | null;
  field_provenance: FieldProvenance;
  enrichment_status: EnrichmentStatus;
  enrichment_provider: string | null;
  enrichment_error: string | null;
  enriched_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface IntakeRow {
  id: string;
  org_id: string;
  seq: number;
  operation: string;
  payload: unknown;
  identity_keys: string[] | null;
  idempotency_key: string | null;
  payload_hash: string | null;
  status: JobStatus;
  stage: JobStage | null;
  attempts: number;
  result: unknown;
  error: unknown;
  contact_id: string | null;
  written_at: string | null;
  enrichment_due_at: string | null;
  batch_id?: string | null;
  enrichment_contact_id: string | null;
  enrichment_account_id: string | null;
  enriched_at: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const dateOrNull = (value: string | null) => (value === null ? null : new Date(value));

export function contactRecordOfRow(row: ContactRow): ContactRecord {
  return {
    id: row.id,
    email: row.email,
    emailNormalized: row.email_normalized,
    linkedinUrl: row.linkedin_canonical,
    firstName: row.first_name,
    lastName: row.last_name,
    title: row.title,
    phoneNumber: row.phone_number,
    location: row.location,
    doNotContact: row.do_not_contact,
    accountId: row.account_id,
    customFields: row.custom_fields,
    fieldProvenance: row.field_provenance,
    tagIds: [...(row.tag_ids ?? [])].sort(),
    createdSeq: row.created_seq,
    enrichmentStatus: row.enrichment_status,
    enrichmentProvider: row.enrichment_provider,
  };
}

/** What the contact's details (GET /v1/contacts/:id, job results) show besides the record. */
export function contactDetailsOfRow(row: ContactRow, tagNames: string[]): ContactDetails {
  return {
    record: contactRecordOfRow(row),
    source: row.source,
    tagNames,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    enrichedAt: dateOrNull(row.enriched_at),
    enrichedFields: row.enriched_fields ?? [],
    enrichmentError: row.enrichment_error,
  };
}

/** The columns a contact write sets, from the record (the statement binds them by name). */
export function contactColumnsOf(contact: ContactRecord, extra: { source?: string | null } = {}) {
  return {
    id: contact.id,
    email: contact.email,
    email_normalized: contact.emailNormalized,
    linkedin_url: contact.linkedinUrl,
    linkedin_canonical: contact.linkedinUrl,
    first_name: contact.firstName,
    last_name: contact.lastName,
    title: contact.title,
    phone_number: contact.phoneNumber,
    location: contact.location,
    do_not_contact: contact.doNotContact,
    account_id: contact.accountId,
    custom_fields: contact.customFields,
    field_provenance: contact.fieldProvenance,
    created_seq: contact.createdSeq,
    enrichment_status: contact.enrichmentStatus,
    enrichment_provider: contact.enrichmentProvider,
    ...extra,
  };
}

export function accountRecordOfRow(row: AccountRow): AccountRecord {
  return {
    id: row.id,
    domain: row.domain,
    name: row.name,
    description: row.description,
    industries: row.industries ?? [],
    employeeCount: row.employee_count,
    foundedYear: row.founded_year,
    linkedinUrl: row.linkedin_url,
    status: row.status,
    notes: row.notes,
    fieldProvenance: row.field_provenance,
    enrichmentStatus: row.enrichment_status,
    enrichmentProvider: row.enrichment_provider,
  };
}

export function accountColumnsOf(account: AccountRecord, extra: { enrichment_error?: string | null } = {}) {
  return {
    id: account.id,
    domain: account.domain,
    name: account.name,
    description: account.description,
    industries: account.industries,
    employee_count: account.employeeCount,
    founded_year: account.foundedYear,
    linkedin_url: account.linkedinUrl,
    status: account.status,
    notes: account.notes,
    field_provenance: account.fieldProvenance,
    enrichment_status: account.enrichmentStatus,
    enrichment_provider: account.enrichmentProvider,
    ...extra,
  };
}

export function intakeRecordOfRow(row: IntakeRow): IntakeRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    seq: BigInt(row.seq),
    operation: row.operation,
    payload: row.payload,
    identityKeys: row.identity_keys ?? [],
    idempotencyKey: row.idempotency_key,
    payloadHash: row.payload_hash,
    status: row.status,
    stage: row.stage,
    attempts: row.attempts,
    result: row.result,
    error: row.error,
    contactId: row.contact_id,
    writtenAt: dateOrNull(row.written_at),
    enrichmentDueAt: dateOrNull(row.enrichment_due_at),
    enrichedAt: dateOrNull(row.enriched_at),
    createdAt: new Date(row.created_at),
    startedAt: dateOrNull(row.started_at),
    finishedAt: dateOrNull(row.finished_at),
    batchId: row.batch_id ?? null,
  };
}
