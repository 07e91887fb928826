export {
  apiKeyDisplayPrefix,
  generateApiKeySecret,
  hashApiKeySecret,
  isWellFormedApiKey,
} from "./auth/api-key";
export {
  type ApplyUpsertsOptions,
  applyEnrichmentToState,
  applyUpsertsSerially,
  applyUpsertToState,
  createOrgState,
  type EnrichmentAnswer,
  type EnrichmentTarget,
  enrichmentTargetOf,
  type IdKind,
  type InitialOrgState,
  type OrgState,
  type SerialResult,
  selectSnapshot,
  type UpsertOutcome,
} from "./contacts/apply-upserts-serially";
export {
  type AccountRecord,
  type ContactRecord,
  type CustomFieldDefinition,
  type CustomFieldType,
  canEnrichmentFill,
  canRequestWrite,
  type EnrichmentStatus,
  type FieldProvenance,
  type FieldProvenanceEntry,
  type ProvenanceSource,
  sortRecordKeys,
  type TagRecord,
} from "./contacts/contact-record";
export {
  accountDomainOfEmail,
  domainKeyOf,
  emailKeyOf,
  identityKeysOf,
  identityKeysOfContact,
  linkedinKeyOf,
} from "./contacts/identity-keys";
export {
  type CompanyEnrichmentValues,
  type ContactEnrichmentValues,
  type EnrichmentContext,
  markEnrichmentNotApplied,
  mergeAccountEnrichment,
  mergeContactEnrichment,
} from "./contacts/merge-enrichment";
export {
  formatIssuePath,
  idempotencyKeySchema,
  type ParsedUpsertContactRequest,
  type ParseUpsertContactRequestOptions,
  type ParseUpsertContactRequestResult,
  parseUpsertContactRequest,
  upsertContactRequestLimits,
  upsertContactRequestSchema,
} from "./contacts/parse-upsert-contact-request";
export { payloadHash, toCanonicalJson } from "./contacts/payload-hash";
export {
  type AccountResolution,
  isIsoDateOrDateTime,
  type MatchedBy,
  type PlanAccount,
  type PlanError,
  type PlanIssue,
  type PlanIssueReason,
  planUpsert,
  selectSnapshotLookups,
  type UpsertAction,
  type UpsertIds,
  type UpsertPlan,
  type UpsertRequest,
  type UpsertResult,
  type UpsertSnapshot,
} from "./contacts/plan-upsert";
export {
  type ContactScalarField,
  type CustomFieldValue,
  contactScalarFields,
  type UpsertContactPayload,
} from "./contacts/upsert-payload";
export {
  DomainError,
  type DomainErrorCode,
  type DomainErrorDetails,
  type DomainErrorOptions,
  domainErrorCodes,
  isDomainError,
  type ValidationDetail,
} from "./errors/domain-error";
export { normaliseDomain, normaliseHostname } from "./normalise/domain";
export { emailDomainOf, isValidEmail, normaliseEmail } from "./normalise/email";
export { isFreeMailDomain } from "./normalise/free-mail";
export { canonicaliseLinkedinUrl } from "./normalise/linkedin-url";
export { type CountryCode, isSupportedPhoneRegion, normalisePhoneNumber } from "./normalise/phone-number";
