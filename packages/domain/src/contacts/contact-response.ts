import type { ContactRecord, EnrichmentStatus } from "./contact-record";
import type { CustomFieldValue } from "./upsert-payload";

/** Everything `GET /v1/contacts/:id` and job results show about one contact, as read from storage. */
export interface ContactDetails {
  record: ContactRecord;
  /** Where the contact came from (set once, at creation). */
  source: string | null;
  /** Names of the contact's tags, in the order they are to be shown. */
  tagNames: string[];
  createdAt: Date;
  updatedAt: Date;
  enrichedAt: Date | null;
  /** Payload names of the fields enrichment filled (`enriched_fields`). */
  enrichedFields: string[];
  enrichmentError: string | null;
}

export interface ContactEnrichmentView {
  status: EnrichmentStatus;
  provider: string | null;
  enriched_at: string | null;
  /** Which fields hold values that came from enrichment rather than from a request. */
  fields: string[];
}

/**
 * Monaco's ContactDetailResponse (the fields this service stores), every custom field value as a
 * top-level `custom_field_<uuid>` key, and an `enrichment` block of our own.
 */
export type ContactResponse = {
  id: string;
  account_id: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  title: string | null;
  phone_number: string | null;
  linkedin_url: string | null;
  location: string | null;
  source: string | null;
  do_not_contact: boolean;
  notes: null;
  tags: string[];
  created_at: string;
  updated_at: string;
  enrichment: ContactEnrichmentView;
} & { [key: `custom_field_${string}`]: CustomFieldValue };

const customFieldKeyPrefix = "custom_field_";

/**
 * Shapes a contact for the API. The enrichment error text is left out on purpose: it is the
 * provider's internal message, and `enrichment.status: "failed"` already tells the caller.
 */
export function toContactResponse(details: ContactDetails): ContactResponse {
  const { record } = details;
  const response: ContactResponse = {
    id: record.id,
    account_id: record.accountId,
    first_name: record.firstName,
    last_name: record.lastName,
    email: record.email,
    title: record.title,
    phone_number: record.phoneNumber,
    linkedin_url: record.linkedinUrl,
    location: record.location,
    source: details.source,
    do_not_contact: record.doNotContact,
    notes: null,
    tags: [...details.tagNames],
    created_at: details.createdAt.toISOString(),
    updated_at: details.updatedAt.toISOString(),
    enrichment: {
      status: record.enrichmentStatus,
      provider: record.enrichmentProvider,
      enriched_at: details.enrichedAt?.toISOString() ?? null,
      fields: [...details.enrichedFields],
    },
  };
  // Only well-formed keys become top-level properties, so a stray key in the stored JSON can
  // never shadow a built-in field.
  for (const key of Object.keys(record.customFields).sort()) {
    if (key.startsWith(customFieldKeyPrefix)) {
      response[key as `custom_field_${string}`] = record.customFields[key] ?? null;
    }
  }
  return response;
}
