import {
  type AccountRecord,
  type ContactRecord,
  canEnrichmentFill,
  type FieldProvenance,
  sortRecordKeys,
} from "./contact-record";

/**
 * What a provider may return for a person. `email` and `linkedin_url` are accepted but never
 * applied: they are identifiers, and filling one asynchronously would change which contact later
 * requests match (and could collide with another contact's identifier), so the database would
 * no longer equal the serial model.
 */
export interface ContactEnrichmentValues {
  first_name?: string | null;
  last_name?: string | null;
  title?: string | null;
  phone_number?: string | null;
  location?: string | null;
  linkedin_url?: string | null;
  email?: string | null;
}

/** What a provider may return for the contact's company. */
export interface CompanyEnrichmentValues {
  name?: string | null;
  description?: string | null;
  industries?: string[] | null;
  employee_count?: number | null;
  founded_year?: number | null;
  linkedin_url?: string | null;
}

export interface EnrichmentContext {
  /** Provider name, stored as `enrichment_provider`. */
  provider: string;
  /** Sequence of the create request that triggered this enrichment (recorded in provenance). */
  seq: number;
}

const contactFillable = [
  ["first_name", "firstName"],
  ["last_name", "lastName"],
  ["title", "title"],
  ["phone_number", "phoneNumber"],
  ["location", "location"],
] as const;

const accountTextFillable = [
  ["name", "name"],
  ["description", "description"],
  ["linkedin_url", "linkedinUrl"],
] as const;

const accountIntegerFillable = [
  ["employee_count", "employeeCount"],
  ["founded_year", "foundedYear"],
] as const;

/**
 * Rules 4 and 7: fills only fields no request ever wrote (a caller's value, or a caller's explicit
 * null, always wins) and that are still empty. Fill-only makes it idempotent and lets it run at
 * any time after the create without changing the final state. `filledFields` lists what this call
 * wrote (payload names), for `enriched_fields` and logs.
 */
export function mergeContactEnrichment(
  contact: ContactRecord,
  values: ContactEnrichmentValues,
  context: EnrichmentContext,
): { contact: ContactRecord; filledFields: string[] } {
  const next: ContactRecord = { ...contact, fieldProvenance: { ...contact.fieldProvenance } };
  const filledFields: string[] = [];
  for (const [field, property] of contactFillable) {
    const value = cleanText(values[field]);
    if (value === null || !canEnrichmentFill(next.fieldProvenance, field, next[property] === null)) continue;
    next[property] = value;
    markEnriched(next.fieldProvenance, field, context.seq);
    filledFields.push(field);
  }
  next.fieldProvenance = sortRecordKeys(next.fieldProvenance);
  next.enrichmentStatus = "applied";
  next.enrichmentProvider = context.provider;
  return { contact: next, filledFields: filledFields.sort() };
}

/** As `mergeContactEnrichment`, for the account a create made. Empty `industries` counts as empty. */
export function mergeAccountEnrichment(
  account: AccountRecord,
  company: CompanyEnrichmentValues,
  context: EnrichmentContext,
): { account: AccountRecord; filledFields: string[] } {
  const next: AccountRecord = {
    ...account,
    industries: [...account.industries],
    fieldProvenance: { ...account.fieldProvenance },
  };
  const filledFields: string[] = [];
  for (const [field, property] of accountTextFillable) {
    const value = cleanText(company[field]);
    if (value === null || !canEnrichmentFill(next.fieldProvenance, field, next[property] === null)) continue;
    next[property] = value;
    markEnriched(next.fieldProvenance, field, context.seq);
    filledFields.push(field);
  }
  for (const [field, property] of accountIntegerFillable) {
    const value = company[field];
    // The columns are integers; a provider's fractional or non-finite number is no value at all.
    if (typeof value !== "number" || !Number.isSafeInteger(value)) continue;
    if (!canEnrichmentFill(next.fieldProvenance, field, next[property] === null)) continue;
    next[property] = value;
    markEnriched(next.fieldProvenance, field, context.seq);
    filledFields.push(field);
  }
  const industries = [
    ...new Set((company.industries ?? []).map(cleanText).filter((value) => value !== null)),
  ];
  if (
    industries.length > 0 &&
    canEnrichmentFill(next.fieldProvenance, "industries", next.industries.length === 0)
  ) {
    next.industries = industries;
    markEnriched(next.fieldProvenance, "industries", context.seq);
    filledFields.push("industries");
  }
  next.fieldProvenance = sortRecordKeys(next.fieldProvenance);
  next.enrichmentStatus = "applied";
  next.enrichmentProvider = context.provider;
  return { account: next, filledFields: filledFields.sort() };
}

/**
 * Records an enrichment that wrote nothing: `failed` (the provider errored) or `skipped` (no
 * provider ran), so a pending record does not stay pending forever. Values are left untouched.
 */
export function markEnrichmentNotApplied<T extends ContactRecord | AccountRecord>(
  record: T,
  status: "failed" | "skipped",
  provider: string | null,
): T {
  return { ...record, enrichmentStatus: status, enrichmentProvider: provider };
}

function markEnriched(provenance: FieldProvenance, field: string, seq: number): void {
  provenance[field] = { seq, source: "enrichment" };
}

function cleanText(value: string | null | undefined): string | null {
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}
