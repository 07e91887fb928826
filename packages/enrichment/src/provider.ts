/** What we know about a person when asking a provider. */
export interface PersonQuery {
  email: string | null;
  linkedinUrl: string | null;
  firstName: string | null;
  lastName: string | null;
  domain: string | null;
}

/** Contact fields a provider may fill (Monaco's names). */
export interface PersonEnrichment {
  first_name?: string | null;
  last_name?: string | null;
  title?: string | null;
  location?: string | null;
  phone_number?: string | null;
  linkedin_url?: string | null;
}

/** Monaco's CompanyInfo fields, plus the account's name. */
export interface CompanyEnrichment {
  name?: string | null;
  description?: string | null;
  industries?: string[];
  employee_count?: number | null;
  founded_year?: number | null;
  linkedin_url?: string | null;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Ask the provider itself, not a cache of earlier answers (re-enrichment). */
  fresh?: boolean;
  /** The organisation asking: cached answers are kept per organisation (never sent to a provider). */
  orgId?: string;
}

/**
 * An enrichment provider. `null` means "no match": a normal outcome, not an error.
 * Failures throw `EnrichmentError`; `retryable` says whether trying again may help.
 */
export interface EnrichmentProvider {
  readonly name: string;
  enrichPerson(query: PersonQuery, options?: CallOptions): Promise<PersonEnrichment | null>;
  enrichCompany(domain: string, options?: CallOptions): Promise<CompanyEnrichment | null>;
}

export class EnrichmentError extends Error {
  override readonly name = "EnrichmentError";
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The provider said when to come back (429 `Retry-After`), or the breaker will let calls through. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Our own rate limit refused the call: it never reached the provider, so it
 * says nothing about the provider's health (the breaker ignores it). Retry after `retryAfterMs`.
 */
export class QuotaExceededError extends EnrichmentError {
  constructor(message: string, retryAfterMs: number) {
    super(message, true, retryAfterMs);
  }
}
