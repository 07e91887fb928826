import type { AccountRecord, EnrichmentStatus } from "../contacts/contact-record";

/** Everything `GET /v1/accounts/:id` shows about one account, as read from storage. */
export interface AccountDetails {
  record: AccountRecord;
  createdAt: Date;
  updatedAt: Date;
  enrichedAt: Date | null;
}

/** Monaco's CompanyInfo; funding is not something this service knows. */
export interface CompanyInfoView {
  domain: string | null;
  linkedin_url: string | null;
  description: string | null;
  employee_count: number | null;
  founded_year: number | null;
  industries: string[];
  total_funding_usd: null;
  last_funding_date: null;
}

export interface AccountEnrichmentView {
  status: EnrichmentStatus;
  provider: string | null;
  enriched_at: string | null;
}

/** Monaco's AccountResponse (`owner`, funding: this service does not store them; null). */
export interface AccountResponse {
  id: string;
  name: string | null;
  status: string | null;
  owner: null;
  notes: string | null;
  company: CompanyInfoView;
  tags: string[];
  created_at: string;
  updated_at: string;
  enrichment: AccountEnrichmentView;
}

export function toAccountResponse(details: AccountDetails): AccountResponse {
  const { record } = details;
  return {
    id: record.id,
    name: record.name,
    status: record.status,
    owner: null,
    notes: record.notes,
    company: {
      domain: record.domain,
      linkedin_url: record.linkedinUrl,
      description: record.description,
      employee_count: record.employeeCount,
      founded_year: record.foundedYear,
      industries: [...record.industries],
      total_funding_usd: null,
      last_funding_date: null,
    },
    // Accounts cannot be tagged yet: upserts only tag contacts.
    tags: [],
    created_at: details.createdAt.toISOString(),
    updated_at: details.updatedAt.toISOString(),
    enrichment: {
      status: record.enrichmentStatus,
      provider: record.enrichmentProvider,
      enriched_at: details.enrichedAt?.toISOString() ?? null,
    },
  };
}
